/**
 * "How the served model was trained": the served model's `metrics.json` (checked by the server,
 * src/serve/run-metrics.ts) as curves per epoch — training and test loss, test accuracy — with the
 * run's recipe and data, so a `train` run can be looked at, not only read. The charts are the sweep
 * report's (src/sweep/charts.ts, inline SVG); its two highlighted series kinds give the two lines their
 * colours. Hidden when the server has no metrics for the model (404).
 */
import type { RunMetrics } from '../../src/serve/run-metrics.js';
import { type Series, accuracyRange, esc, lineChart } from '../../src/sweep/charts.js';
import { byId } from './view.js';

const METRICS_URL = '/models/metrics.json';

/** Fetches the run and fills `#run-card`; leaves it hidden when there is none. Returns the run (null: none). */
export async function showRunCurves(): Promise<RunMetrics | null> {
  const response = await fetch(METRICS_URL);
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(`${METRICS_URL} answered ${response.status} ${response.statusText}`);
  const run = (await response.json()) as RunMetrics;
  byId('run-recipe', HTMLElement).innerHTML = describeRun(run);
  byId('run-charts', HTMLElement).innerHTML = run.epochs.length === 0
    ? '<p class="hint">No epoch has finished yet: the curves appear after the first one.</p>'
    : charts(run);
  byId('run-card', HTMLElement).hidden = false;
  return run;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** One paragraph: the data, the recipe, where it ran, and the final test accuracy. */
export function describeRun(run: RunMetrics): string {
  const { recipe: r, dataset: d } = run;
  const counts = [`${d.train.toLocaleString('en')} training`, ...(d.validation ? [`${d.validation.toLocaleString('en')} validation`] : []), `${d.test.toLocaleString('en')} test images`];
  const done = run.epochs.length;
  const where = `${run.ep}${run.threads !== undefined ? ` · ${run.threads} thread${run.threads === 1 ? '' : 's'}` : ''}`;
  return `${r.model ? `<code>${esc(r.model)}</code> trained` : 'Trained'} by <code>onnx-lenet train${r.name && r.name !== 'seed' ? ` --recipe ${esc(r.name)}` : ''}</code> on <b>${esc(d.name)}</b> (${counts.join(', ')}): ` +
    `${done} of ${r.epochs} epoch${r.epochs === 1 ? '' : 's'} (${run.step.toLocaleString('en')} steps), batch ${r.batchSize}, Adam lr ${r.lr} (${esc(r.lrSchedule)}), ` +
    `${r.warmupEpochs ? `warm-up ${r.warmupEpochs} epoch${r.warmupEpochs === 1 ? '' : 's'}, ` : ''}seed ${r.seed}, ${augmentation(r)}, on ${esc(where)}.` +
    (run.testAccuracy !== null ? ` Test accuracy <b>${pct(run.testAccuracy)}</b>.` : '');
}

/** "random shifts (±2 px)", or the warp's ranges (`--recipe strong`); "no augmentation". */
function augmentation(r: RunMetrics['recipe']): string {
  if (!r.augment) return 'no augmentation';
  const a = r.augmentRange;
  if (!a) return 'random shifts';
  if (a.rotate === 0 && a.scale === 0 && a.elastic === 0) return `random shifts (±${a.shift} px)`;
  return `random warps (±${a.shift} px, ±${a.rotate}°, ±${Number((100 * a.scale).toFixed(2))} % size${a.elastic > 0 ? `, elastic ±${a.elastic} px` : ''})`;
}

function charts(run: RunMetrics): string {
  const epochs = { label: 'epoch', scale: 'linear', integer: true } as const;
  const points = (pick: (e: RunMetrics['epochs'][number]) => number | undefined): [number, number][] =>
    run.epochs.flatMap((e) => (pick(e) === undefined ? [] : [[e.epoch, pick(e)!] as [number, number]]));
  const validation = run.epochs.some((e) => e.validationLoss !== undefined);
  const losses: Series[] = [
    { trial: 'train', label: 'training loss (mean over the epoch)', kind: 'baseline', points: points((e) => e.loss) },
    { trial: 'test', label: 'test loss', kind: 'chosen', points: points((e) => e.testLoss) },
    ...(validation ? [{ trial: 'validation', label: 'validation loss', kind: 'other', points: points((e) => e.validationLoss) } as const] : []),
  ];
  const lossMax = Math.max(...losses.flatMap((s) => s.points.map((p) => p[1])));
  const accuracies: Series[] = [
    { trial: 'train', label: 'training accuracy', kind: 'baseline', points: points((e) => 100 * e.trainAccuracy) },
    { trial: 'test', label: 'test accuracy', kind: 'chosen', points: points((e) => 100 * e.testAccuracy) },
    ...(validation ? [{ trial: 'validation', label: 'validation accuracy', kind: 'other', points: points((e) => (e.validationAccuracy === undefined ? undefined : 100 * e.validationAccuracy)) } as const] : []),
  ];
  const lossChart = lineChart(losses, epochs, 'loss (cross-entropy)', [0, niceCeiling(lossMax * 1.05)], 'Loss per epoch: training (dashed) and test');
  const accuracyChart = lineChart(accuracies, epochs, 'accuracy (%)', accuracyRange(accuracies.flatMap((s) => s.points.map((p) => p[1])), 100), 'Accuracy per epoch: training (dashed) and test');
  const legend = '<p class="legend"><span class="sw test"></span>test <span class="sw train"></span>training' +
    (validation ? ' <span class="sw validation"></span>validation' : '') + '</p>';
  return `<figure>${lossChart}<figcaption>Loss per epoch</figcaption></figure><figure>${accuracyChart}<figcaption>Accuracy per epoch</figcaption></figure>${legend}`;
}

/** `x` rounded up to half a power of ten below it (0.37 → 0.4, 2.3 → 2.5): the loss axis's top. */
function niceCeiling(x: number): number {
  if (!(x > 0)) return 1;
  const half = 10 ** Math.floor(Math.log10(x)) / 2;
  return Number((Math.ceil(x / half) * half).toPrecision(6));
}
