/**
 * Known answers for the learning-rate schedules (src/train/schedule.ts), recorded from PyTorch 2 with
 * `scheduler.step()` after every `optimizer.step()` and lr 1e-3:
 *   CosineAnnealingLR(opt, T_max=5, eta_min=0): 0.001, 0.0009045084971874737, 0.0006545084971874737,
 *     0.00034549150281252633, 9.549150281252633e-05 (then 0.0, after the last step)
 *   MultiStepLR(opt, milestones=[4, 6], gamma=0.1), 8 steps: 0.001 ×4, 0.0001 ×2, 1e-05 ×2
 *   MultiStepLR(opt, milestones=[5, 8], gamma=0.1), 10 steps: 0.001 ×5, 0.0001 ×3, 1e-05 ×2
 * and, through the trainer, a one-epoch cosine run whose last step used to get lr 0 and fail.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LR_SCHEDULES, learningRate } from '../../src/train/schedule.js';
import { train } from '../../src/train/trainer.js';

const series = (schedule: (typeof LR_SCHEDULES)[number], total: number, lr = 1e-3): number[] =>
  Array.from({ length: total }, (_, i) => learningRate(schedule, lr, i + 1, total));

describe('learningRate', () => {
  it('constant: lr at every step', () => {
    expect(series('constant', 4, 0.01)).toEqual([0.01, 0.01, 0.01, 0.01]);
  });

  it('cosine: torch CosineAnnealingLR(T_max=5, eta_min=0), step by step', () => {
    const torch = [0.001, 0.0009045084971874737, 0.0006545084971874737, 0.00034549150281252633, 9.549150281252633e-05];
    series('cosine', 5).forEach((lr, i) => expect(lr, `step ${i + 1}`).toBeCloseTo(torch[i], 15));
  });

  it('cosine: every step of a short run has a positive rate, the last one included (issue 18)', () => {
    for (const total of [1, 2, 3, 9, 126]) {
      const lrs = series('cosine', total);
      expect(lrs[0]).toBe(1e-3);
      expect(Math.min(...lrs), `${total} steps`).toBeGreaterThan(0);
      for (let i = 1; i < total; i++) expect(lrs[i]).toBeLessThan(lrs[i - 1]);
    }
    expect(learningRate('cosine', 1e-3, 2, 2)).toBeCloseTo(5e-4, 15); // (1 + cos(π/2)) / 2
  });

  it('step: torch MultiStepLR(milestones=[4, 6], gamma=0.1) over 8 steps', () => {
    const got = series('step', 8);
    [1e-3, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4, 1e-5, 1e-5].forEach((want, i) => expect(got[i], `step ${i + 1}`).toBeCloseTo(want, 15));
  });

  it('step: torch MultiStepLR(milestones=[5, 8], gamma=0.1) over 10 steps', () => {
    const got = series('step', 10);
    [1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-4, 1e-4, 1e-4, 1e-5, 1e-5].forEach((want, i) => expect(got[i], `step ${i + 1}`).toBeCloseTo(want, 15));
  });

  it('warm-up: W linear steps lr·s/W, then the schedule over the T − W steps left (torch LambdaLR of the same formula)', () => {
    const lrs = Array.from({ length: 6 }, (_, i) => learningRate('cosine', 1e-3, i + 1, 6, 2));
    const cosine4 = [0.001, 0.0008535533905932737, 0.0005, 0.00014644660940672628]; // CosineAnnealingLR(T_max=4)
    [5e-4, 1e-3, ...cosine4].forEach((want, i) => expect(lrs[i], `step ${i + 1}`).toBeCloseTo(want, 15));
    expect(learningRate('constant', 0.01, 1, 10, 4)).toBeCloseTo(0.0025, 15);
    expect(learningRate('constant', 0.01, 5, 10, 4)).toBe(0.01);
  });

  it('one step: every schedule gives lr', () => {
    for (const s of LR_SCHEDULES) expect(learningRate(s, 0.02, 1, 1)).toBe(0.02);
  });
});

describe('train with --lr-schedule cosine', () => {
  it('one short epoch (3 steps) trains to the end; the epoch\'s last lr is torch\'s, not 0', async () => {
    const outDir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-cosine-'));
    try {
      const result = await train({ dataset: 'mnist-sample', epochs: 1, batchSize: 4000, lrSchedule: 'cosine', seed: 0, threads: 1, outDir });
      expect(result.step).toBe(3); // 8,004 images at 4,000: 3 steps
      expect(result.history).toHaveLength(1);
      expect(result.history[0].lr).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos((Math.PI * 2) / 3)), 15); // 2.5e-4
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
