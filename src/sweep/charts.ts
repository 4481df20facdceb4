/**
 * The report's charts as inline SVG strings (no library, no network): validation accuracy per epoch for
 * every trial on one chart, and final validation accuracy against one hyperparameter. Elements carry
 * `data-trial` so the page's script can highlight a trial everywhere at once. Pure code.
 */

export interface Series {
  readonly trial: string;
  readonly label: string;
  /** 'chosen' and 'baseline' are drawn on top, in colour; 'failed' points as crosses. */
  readonly kind: 'chosen' | 'baseline' | 'other' | 'failed';
  readonly points: readonly (readonly [number, number])[];
}

export interface Axis {
  readonly label: string;
  /** 'log' for learning rates and batch sizes; 'category' places the `categories` evenly. */
  readonly scale: 'linear' | 'log' | 'category';
  readonly categories?: readonly string[];
  /** Integer ticks only (epochs). */
  readonly integer?: boolean;
  /** Ticks at these values (e.g. the values swept) instead of round numbers. */
  readonly ticks?: readonly number[];
}

const W = 460;
const H = 280;
const M = { left: 52, right: 14, top: 14, bottom: 42 };

export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const fmt = (x: number): string => (Math.abs(x) >= 1000 || (Math.abs(x) < 0.01 && x !== 0) ? x.toExponential(0) : String(Number(x.toPrecision(3))));

/** The y range of accuracies (in %): the data's, padded, at most `window` points below the best. */
export function accuracyRange(values: readonly number[], window = 20): [number, number] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [0, 100];
  const hi = Math.min(100, Math.ceil(Math.max(...finite) + 0.5));
  const lo = Math.max(0, Math.floor(Math.max(Math.min(...finite), hi - window) - 0.5));
  return [lo, hi > lo ? hi : lo + 1];
}

function ticks(lo: number, hi: number, scale: Axis['scale'], integer = false): number[] {
  if (scale === 'log') {
    const inside = (v: number): boolean => v >= lo * 0.999 && v <= hi * 1.001;
    const decades: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e++) decades.push(10 ** e);
    const fine = decades.flatMap((d) => [d, 3 * d]).filter(inside);
    if (fine.length <= 7) return fine.length >= 2 ? fine : [lo, hi];
    const coarse = decades.filter(inside);
    const every = Math.ceil(coarse.length / 7);
    return coarse.filter((_, i) => i % every === 0);
  }
  const raw = Math.max((hi - lo) / 5, integer ? 1 : 0);
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toPrecision(6)));
  return out;
}

function frame(xAxis: Axis, yLabel: string, xTicks: string, yTicks: string, body: string, title: string): string {
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>` +
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" class="plot"/>${yTicks}${xTicks}` +
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 6}" class="axis-label">${esc(xAxis.label)}</text>` +
    `<text transform="translate(13 ${(M.top + H - M.bottom) / 2}) rotate(-90)" class="axis-label">${esc(yLabel)}</text>${body}</svg>`;
}

/** Maps data to pixels for one chart. */
function scales(xs: readonly number[], xAxis: Axis, yRange: [number, number]): { x: (v: number) => number; y: (v: number) => number; xLo: number; xHi: number } {
  const n = xAxis.categories?.length ?? 0;
  let xLo = xAxis.scale === 'category' ? -0.5 : Math.min(...xs);
  let xHi = xAxis.scale === 'category' ? n - 0.5 : Math.max(...xs);
  if (xLo === xHi) [xLo, xHi] = xAxis.scale === 'log' ? [xLo / 2, xHi * 2] : [xLo - 1, xHi + 1];
  if (xAxis.integer) [xLo, xHi] = [Math.floor(xLo), Math.ceil(xHi)];
  const t = (v: number): number => (xAxis.scale === 'log' ? Math.log(v) : v);
  const pad = xAxis.scale === 'category' ? 0 : 0.05 * (t(xHi) - t(xLo));
  const x = (v: number): number => M.left + ((t(v) - t(xLo) + pad) / (t(xHi) - t(xLo) + 2 * pad)) * (W - M.left - M.right);
  const [yLo, yHi] = yRange;
  const y = (v: number): number => H - M.bottom - ((Math.min(Math.max(v, yLo), yHi) - yLo) / (yHi - yLo)) * (H - M.top - M.bottom);
  return { x, y, xLo, xHi };
}

function axes(s: ReturnType<typeof scales>, xAxis: Axis, yRange: [number, number]): { xTicks: string; yTicks: string } {
  const yTicks = ticks(yRange[0], yRange[1], 'linear').map((v) =>
    `<line x1="${M.left}" x2="${W - M.right}" y1="${s.y(v)}" y2="${s.y(v)}" class="grid"/><text x="${M.left - 5}" y="${s.y(v) + 4}" class="tick y">${fmt(v)}</text>`).join('');
  const xs = xAxis.scale === 'category' ? (xAxis.categories ?? []).map((c, i) => [i, c] as const)
    : (xAxis.ticks ?? ticks(s.xLo, s.xHi, xAxis.scale, xAxis.integer)).map((v) => [v, fmt(v)] as const);
  const xTicks = xs.map(([v, text]) => `<text x="${s.x(v)}" y="${H - M.bottom + 15}" class="tick x">${esc(text)}</text>`).join('');
  return { xTicks, yTicks };
}

const ORDER: Record<Series['kind'], number> = { failed: 0, other: 1, baseline: 2, chosen: 3 };

/** One line per series (validation accuracy per epoch); chosen and baseline drawn last. */
export function lineChart(series: readonly Series[], xAxis: Axis, yLabel: string, yRange: [number, number], title: string): string {
  const xs = series.flatMap((s) => s.points.map((p) => p[0]));
  const s = scales(xs.length > 0 ? xs : [1], xAxis, yRange);
  const body = [...series].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]).map((se) => {
    const d = se.points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${s.x(x).toFixed(1)},${s.y(y).toFixed(1)}`).join('');
    const dots = se.points.length === 1 ? `<circle cx="${s.x(se.points[0][0])}" cy="${s.y(se.points[0][1])}" r="3"/>` : '';
    return `<g class="series ${se.kind}" data-trial="${esc(se.trial)}"><title>${esc(se.label)}</title><path d="${d}"/>${dots}</g>`;
  }).join('');
  const { xTicks, yTicks } = axes(s, xAxis, yRange);
  return frame(xAxis, yLabel, xTicks, yTicks, body, title);
}

/** One point per trial: final validation accuracy against a hyperparameter; failed trials as crosses at the bottom. */
export function scatterChart(points: readonly Series[], xAxis: Axis, yLabel: string, yRange: [number, number], title: string): string {
  const xs = points.flatMap((p) => p.points.map((q) => q[0]));
  const s = scales(xs.length > 0 ? xs : [1], xAxis, yRange);
  const body = [...points].sort((a, b) => ORDER[a.kind] - ORDER[b.kind]).map((p) => p.points.map(([x, y]) => {
    const cx = s.x(x).toFixed(1);
    const cy = s.y(p.kind === 'failed' ? yRange[0] : y).toFixed(1);
    const mark = p.kind === 'failed'
      ? `<path d="M${Number(cx) - 4},${Number(cy) - 4}l8,8m0,-8l-8,8"/>`
      : `<circle cx="${cx}" cy="${cy}" r="${p.kind === 'other' ? 4 : 6}"/>`;
    return `<g class="point ${p.kind}" data-trial="${esc(p.trial)}"><title>${esc(p.label)}</title>${mark}</g>`;
  }).join('')).join('');
  const { xTicks, yTicks } = axes(s, xAxis, yRange);
  return frame(xAxis, yLabel, xTicks, yTicks, body, title);
}
