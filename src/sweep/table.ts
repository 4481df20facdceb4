/** The sweep as plain text: one line per finished trial, the final table and the outcome. Pure code. */
import { describeTrial, epochsText } from './html.js';
import type { SweepRecord, TrialRecord } from './types.js';

const pct = (x: number | undefined): string => (x !== undefined && Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : '–');

/** `[3/8] 03: lr 0.003, batch 64, … → val 97.12% (loss 0.0912)  12.3 s` */
export function trialLine(t: TrialRecord, index: number, count: number): string {
  const m = t.epochs[t.epochs.length - 1];
  const result = t.status === 'failed' ? `failed: ${t.error ?? '?'}` : t.status === 'done'
    ? `val ${pct(m?.validationAccuracy)} (loss ${m?.validationLoss?.toFixed(4) ?? '–'})` : `${t.status} after ${t.epochs.length}/${t.config.epochs} epochs`;
  return `[${index}/${count}] ${describeTrial(t)} → ${result}  ${t.seconds.toFixed(1)} s`;
}

/** A Markdown table of every trial (what docs/accuracy.md shows), chosen and baseline rows marked. */
export function markdownTable(record: SweepRecord): string {
  const chosen = new Set(record.outcome?.chosen.trialIds ?? []);
  const baseline = new Set(record.outcome?.baseline.trialIds ?? []);
  const rows = record.trials.map((t) => {
    const m = t.epochs[t.epochs.length - 1];
    const c = t.config;
    const mark = chosen.has(t.id) ? ' **chosen**' : baseline.has(t.id) ? ' (defaults)' : '';
    const status = t.status === 'failed' ? `failed: ${t.error ?? ''}` : t.status;
    return `| ${t.id}${mark} | ${c.lr} | ${c.batchSize} | ${c.epochs} | ${t.seed} | ${pct(m?.validationAccuracy)} | ${m?.validationLoss?.toFixed(4) ?? '–'} | ${m?.loss.toFixed(4) ?? '–'} | ${t.seconds.toFixed(1)} s | ${status} |`;
  });
  return ['| trial | lr | batch | epochs | seed | val acc | val loss | train loss | time | status |', '|---|---|---|---|---|---|---|---|---|---|', ...rows].join('\n');
}

/** The closing lines: the choice (validation) and the one look at the test set. */
export function outcomeLines(record: SweepRecord): string[] {
  const o = record.outcome;
  if (!o) return [record.status === 'interrupted' ? 'Interrupted: run the same command again to continue.' : 'No trial finished: nothing to choose.'];
  const c = o.chosen.config;
  const seeds = record.spec.space.seeds.length;
  const over = seeds > 1 ? ` (mean of ${seeds} seeds)` : '';
  return [
    `Chosen on validation: lr ${c.lr}, batch ${c.batchSize}, ${epochsText(c.epochs)}, recipe ${c.recipe}${c.lrSchedule ? `, ${c.lrSchedule}` : ''}` +
      `${c.augment !== undefined ? `, augment ${c.augment ? 'on' : 'off'}` : ''} (trial ${o.chosen.trialIds.join(', ')}): val ${pct(o.chosen.validationAccuracy)}${over}`,
    `Test accuracy: chosen ${pct(o.chosen.testAccuracy)}, seed's defaults (lr 0.001, batch 64, ${epochsText(o.baseline.config.epochs)}; trial ${o.baseline.trialIds.join(', ')}) ${pct(o.baseline.testAccuracy)}${over}`,
  ];
}
