/**
 * Honest selection: configurations are compared on the validation split only (mean over seeds of the
 * final epoch's validation accuracy); the test split is looked at once, for the chosen configuration
 * and the seed's defaults. Pure code.
 */
import { ADAM } from '../graph/contract.js';
import { type TrialConfig, configKey } from './space.js';
import type { ConfigSummary, TrialRecord } from './types.js';

/** The seed's defaults (lr 1e-3, batch 64, recipe seed, constant rate, no augmentation) for `epochs`. */
export function baselineConfig(epochs: number): TrialConfig {
  return { lr: ADAM.lr, batchSize: 64, epochs, recipe: 'seed' };
}

const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** Same configuration and same explicit-or-default schedule/augmentation. */
export function sameConfig(a: TrialConfig, b: TrialConfig): boolean {
  const norm = (c: TrialConfig): TrialConfig => ({ ...c, lrSchedule: c.lrSchedule ?? 'constant', augment: c.augment ?? false });
  return configKey(norm(a)) === configKey(norm(b));
}

/** Groups `trials` by configuration, in order of first appearance. */
export function summarize(trials: readonly TrialRecord[]): ConfigSummary[] {
  const groups = new Map<string, TrialRecord[]>();
  for (const t of trials) {
    const key = configKey(t.config);
    groups.set(key, [...(groups.get(key) ?? []), t]);
  }
  return [...groups.entries()].map(([key, group]) => {
    const status = group.some((t) => t.status === 'failed') ? 'failed' : group.every((t) => t.status === 'done') ? 'done' : 'incomplete';
    const finals = status === 'done' ? group.map((t) => t.epochs[t.epochs.length - 1]) : [];
    return {
      key, config: group[0].config, trialIds: group.map((t) => t.id), status,
      validationAccuracy: mean(finals.map((m) => m.validationAccuracy ?? NaN)),
      validationLoss: mean(finals.map((m) => m.validationLoss ?? NaN)),
      testAccuracy: mean(finals.map((m) => m.testAccuracy)),
    };
  });
}

/** The finished configuration with the highest validation accuracy (lower validation loss, then order, break ties). */
export function choose(summaries: readonly ConfigSummary[]): ConfigSummary | undefined {
  let best: ConfigSummary | undefined;
  for (const s of summaries) {
    if (s.status !== 'done' || !Number.isFinite(s.validationAccuracy)) continue;
    if (!best || s.validationAccuracy > best.validationAccuracy || (s.validationAccuracy === best.validationAccuracy && s.validationLoss < best.validationLoss)) best = s;
  }
  return best;
}
