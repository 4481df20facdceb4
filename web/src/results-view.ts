/**
 * The end-of-training figures: the confusion matrix with each class's accuracy, and a grid of held-out
 * digits with the model's mistakes marked (all digits in order, or the mistakes only).
 */
import { CLASSES, PIXELS } from '../../src/graph/contract.js';
import { type DigitSplit, spreadIndices } from './dataset.js';
import type { Evaluation } from './evaluation.js';
import { byId } from './view.js';

/** Digits in the grid. */
export const GRID_SIZE = 60;

/** The page's results card: hidden until a run has been evaluated. */
export class ResultsView {
  private shown: { result: Evaluation; test: DigitSplit } | null = null;
  private readonly card = byId('results', HTMLElement);
  private readonly mistakesOnly = byId('mistakes-only', HTMLInputElement);

  constructor() {
    this.mistakesOnly.addEventListener('change', () => this.showDigits());
  }

  /** Shows `result` (the evaluation of the held-out digits `test`); null hides the card. */
  show(result: Evaluation | null, test: DigitSplit | null): void {
    this.shown = result && test ? { result, test } : null;
    this.card.hidden = this.shown === null;
    if (!this.shown) return;
    renderConfusion(byId('confusion', HTMLTableElement), this.shown.result);
    this.showDigits();
  }

  private showDigits(): void {
    if (this.shown) renderDigitGrid(byId('digit-grid', HTMLElement), this.shown.test, this.shown.result, this.mistakesOnly.checked);
  }
}

/**
 * Rows: true digit, columns: predicted; the last column is the row's accuracy. Cells are tinted by count
 * (right answers in the accent colour, mistakes in red), at most half strength so the text keeps its contrast.
 */
function renderConfusion(table: HTMLTableElement, result: Evaluation): void {
  table.innerHTML = '';
  const head = table.createTHead().insertRow();
  const corner = document.createElement('th');
  corner.scope = 'col';
  corner.innerHTML = '<span class="visually-hidden">true digit, predicted:</span>';
  head.append(corner);
  for (let k = 0; k < CLASSES; k++) head.append(headerCell(String(k), 'col'));
  head.append(headerCell('Acc.', 'col'));
  const maxRight = Math.max(...result.confusion.map((row, t) => row[t]), 1);
  const maxWrong = Math.max(...result.confusion.flatMap((row, t) => row.filter((_, p) => p !== t)), 1);
  const body = table.createTBody();
  result.confusion.forEach((row, t) => {
    const tr = body.insertRow();
    tr.append(headerCell(String(t), 'row'));
    row.forEach((n, p) => {
      const cell = tr.insertCell();
      cell.textContent = String(n);
      if (n > 0) {
        const strength = p === t ? 10 + 40 * (n / maxRight) : 10 + 30 * (n / maxWrong);
        cell.style.background = `color-mix(in srgb, var(${p === t ? '--accent' : '--danger'}) ${strength.toFixed(0)}%, transparent)`;
      }
      cell.title = `true ${t}, predicted ${p}: ${n}`;
    });
    const acc = tr.insertCell();
    acc.className = 'num';
    const { accuracy } = result.perClass[t];
    acc.textContent = Number.isNaN(accuracy) ? '–' : `${(accuracy * 100).toFixed(1)}%`;
  });
}

function headerCell(text: string, scope: 'row' | 'col'): HTMLTableCellElement {
  const th = document.createElement('th');
  th.scope = scope;
  th.textContent = text;
  return th;
}

/**
 * Fills `grid` with up to GRID_SIZE held-out digits, evenly spread over all of them or over those the model
 * got wrong (the digits are sorted by class), each captioned with its prediction; a mistake is outlined and
 * captioned "true→predicted".
 */
function renderDigitGrid(grid: HTMLElement, test: DigitSplit, result: Evaluation, mistakesOnly: boolean): void {
  const candidates = Array.from({ length: test.count }, (_, i) => i).filter((i) => !mistakesOnly || result.predictions[i] !== test.labels[i]);
  const shown = Array.from(spreadIndices(candidates.length, GRID_SIZE), (k) => candidates[k]);
  grid.replaceChildren(...shown.map((i) => digitTile(test, i, result.predictions[i])));
}

function digitTile(test: DigitSplit, index: number, predicted: number): HTMLElement {
  const label = test.labels[index];
  const wrong = predicted !== label;
  const tile = document.createElement('figure');
  tile.className = wrong ? 'digit-tile mistake' : 'digit-tile';
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 28;
  const ctx = canvas.getContext('2d');
  if (ctx) {
    const image = ctx.createImageData(28, 28);
    for (let p = 0; p < PIXELS; p++) {
      const v = test.images[index * PIXELS + p];
      image.data.set([v, v, v, 255], p * 4);
    }
    ctx.putImageData(image, 0, 0);
  }
  const caption = document.createElement('figcaption');
  caption.textContent = wrong ? `${label}→${predicted}` : String(predicted);
  tile.setAttribute('role', 'img');
  tile.setAttribute('aria-label', wrong ? `a ${label}, predicted ${predicted}: wrong` : `a ${label}, predicted right`);
  tile.append(canvas, caption);
  return tile;
}
