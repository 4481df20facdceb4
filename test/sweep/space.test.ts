/** The sweep's search space (src/sweep/space.ts) and selection (src/sweep/select.ts): pure, no training. */
import { describe, expect, test } from 'vitest';
import { choose, summarize } from '../../src/sweep/select.js';
import { DEFAULT_SPACE, configKey, parseAugment, parseNumberSpec, parseRecipes, planTrials } from '../../src/sweep/space.js';
import type { TrialRecord } from '../../src/sweep/types.js';
import type { EpochMetrics } from '../../src/train/types.js';

describe('values and ranges', () => {
  test('a list, a range, and one-line errors', () => {
    expect(parseNumberSpec('3e-4,1e-3', false)).toEqual({ values: [3e-4, 1e-3] });
    expect(parseNumberSpec('1e-4:1e-2', false)).toEqual({ min: 1e-4, max: 1e-2 });
    expect(() => parseNumberSpec('32,6.5', true)).toThrow(/positive integer, got '6.5'/);
    expect(() => parseNumberSpec('1:1', false)).toThrow(/min < max/);
    expect(() => parseNumberSpec('-1', false)).toThrow(/positive number/);
    expect(parseAugment('off,on')).toEqual([false, true]);
    expect(parseRecipes('seed,strong')).toEqual(['seed', 'strong']);
    expect(() => parseRecipes('seed,best')).toThrow(/recipe must be one of seed, strong; got 'best'/);
  });
});

describe('planTrials', () => {
  test('grid: every combination, learning rate fastest, each once per seed', () => {
    const trials = planTrials({ ...DEFAULT_SPACE, lr: { values: [1e-3, 3e-3] }, batchSize: { values: [32, 64] }, seeds: [0, 1] });
    expect(trials).toHaveLength(8);
    expect(trials.map((t) => [t.config.lr, t.config.batchSize, t.seed])).toEqual([
      [1e-3, 32, 0], [1e-3, 32, 1], [3e-3, 32, 0], [3e-3, 32, 1], [1e-3, 64, 0], [1e-3, 64, 1], [3e-3, 64, 0], [3e-3, 64, 1],
    ]);
    expect(trials[0].config).toEqual({ lr: 1e-3, batchSize: 32, epochs: 10, recipe: 'seed' });
  });

  test('a range needs random search', () => {
    expect(() => planTrials({ ...DEFAULT_SPACE, lr: { min: 1e-4, max: 1e-2 } })).toThrow(/needs --trials/);
  });

  test('random: reproducible for a sampling seed, inside the ranges, log-uniform learning rates', () => {
    const space = { ...DEFAULT_SPACE, lr: { min: 1e-4, max: 1e-2 }, batchSize: { min: 16, max: 256 }, epochs: { min: 2, max: 4 }, augment: [false, true] };
    const a = planTrials(space, { trials: 200, samplingSeed: 7 });
    expect(planTrials(space, { trials: 200, samplingSeed: 7 })).toEqual(a);
    expect(planTrials(space, { trials: 200, samplingSeed: 8 })).not.toEqual(a);
    for (const { config: c } of a) {
      expect(c.lr).toBeGreaterThanOrEqual(1e-4);
      expect(c.lr).toBeLessThanOrEqual(1e-2);
      expect(Number.isInteger(c.batchSize) && c.batchSize >= 16 && c.batchSize <= 256).toBe(true);
      expect([2, 3, 4]).toContain(c.epochs);
    }
    // Log-uniform: about half the draws below the geometric mean 1e-3 (a uniform draw would put ~9 % there).
    const below = a.filter((t) => t.config.lr < 1e-3).length / a.length;
    expect(below).toBeGreaterThan(0.35);
    expect(below).toBeLessThan(0.65);
  });
});

describe('selection', () => {
  const epoch = (validationAccuracy: number, validationLoss: number, testAccuracy: number): EpochMetrics => ({
    epoch: 1, loss: 0.1, trainAccuracy: 0.9, testLoss: 0.1, testAccuracy, validationLoss, validationAccuracy, seconds: 1, imagesPerSecond: 1, lr: 1e-3,
  });
  const trial = (id: string, lr: number, status: TrialRecord['status'], m?: EpochMetrics): TrialRecord => ({
    id, dir: id, role: 'search', config: { lr, batchSize: 64, epochs: 1, recipe: 'seed' }, seed: Number(id) % 2, status, epochs: m ? [m] : [], seconds: 1,
  });

  test('mean validation accuracy over seeds decides, never the test accuracy; a failed seed rules a configuration out', () => {
    const summaries = summarize([
      trial('1', 1e-3, 'done', epoch(0.95, 0.2, 0.99)), trial('2', 1e-3, 'done', epoch(0.95, 0.2, 0.99)),
      trial('3', 3e-3, 'done', epoch(0.97, 0.1, 0.90)), trial('4', 3e-3, 'done', epoch(0.96, 0.1, 0.90)),
      trial('5', 1e-2, 'done', epoch(0.99, 0.1, 0.99)), trial('6', 1e-2, 'failed'),
    ]);
    expect(summaries.map((s) => s.status)).toEqual(['done', 'done', 'failed']);
    const chosen = choose(summaries)!;
    expect(chosen.config.lr).toBe(3e-3);
    expect(chosen.validationAccuracy).toBeCloseTo(0.965, 12);
    expect(chosen.testAccuracy).toBeCloseTo(0.9, 12);
    expect(chosen.trialIds).toEqual(['3', '4']);
    expect(configKey(chosen.config)).toBe(chosen.key);
  });

  test('equal validation accuracy: the lower validation loss wins', () => {
    const chosen = choose(summarize([trial('1', 1e-3, 'done', epoch(0.9, 0.3, 0.9)), trial('3', 3e-3, 'done', epoch(0.9, 0.2, 0.8))]));
    expect(chosen?.config.lr).toBe(3e-3);
  });
});
