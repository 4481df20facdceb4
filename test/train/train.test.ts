/**
 * The trainer through its library API on the bundled digits: convergence (issue 2's 300-step check),
 * determinism, and bit-exact resume across an epoch boundary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PARAM_NAMES } from '../../src/graph/params.js';
import { modelState } from '../../src/train/step/state.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { train } from '../../src/train/trainer.js';
import type { TrainOptions } from '../../src/train/types.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-train-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function run(options: TrainOptions): Promise<{ losses: number[]; params: Record<string, Float32Array>; outDir: string; step: number }> {
  const outDir = options.outDir ?? tempDir();
  const losses: number[] = [];
  const result = await train({ dataset: 'mnist-sample', threads: 2, ...options, outDir }, { onStep: (s) => losses.push(s.loss) });
  const checkpoint = await readCheckpoint(result.files.checkpoint);
  return { losses, params: modelState(checkpoint.state), outDir, step: result.step };
}

function expectSameParams(a: Record<string, Float32Array>, b: Record<string, Float32Array>): void {
  for (const name of PARAM_NAMES) expect(Buffer.from(a[name].buffer).equals(Buffer.from(b[name].buffer)), name).toBe(true);
}

describe('training on the bundled MNIST digits', () => {
  test('300 steps (batch 64, lr 1e-3) bring the mean loss of the last 50 steps under 0.35', async () => {
    const { losses } = await run({ maxSteps: 300, epochs: 10, batchSize: 64, lr: 1e-3, seed: 0 });
    expect(losses).toHaveLength(300);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    console.log(`first-step loss ${losses[0].toFixed(4)}, mean of steps 251–300 ${mean(losses.slice(250)).toFixed(4)}`);
    expect(losses[0]).toBeGreaterThan(2.2);
    expect(losses[0]).toBeLessThan(2.4);
    expect(mean(losses.slice(250))).toBeLessThan(0.35);
  });

  test('same seed, same data, CPU: identical loss curve and identical final weights', async () => {
    const options = { maxSteps: 60, epochs: 2, batchSize: 128, seed: 5 };
    const a = await run(options);
    const b = await run(options);
    expect(a.losses).toEqual(b.losses);
    expectSameParams(a.params, b.params);
    const c = await run({ ...options, seed: 6 });
    expect(c.losses).not.toEqual(a.losses);
  });

  test('resume: N steps, stop, resume to 2N equals 2N uninterrupted, bit for bit (across an epoch boundary)', async () => {
    // batch 256 → 32 steps per epoch of 8,004 images; 24 + 24 steps cross the boundary and its evaluation.
    const options = { epochs: 3, batchSize: 256, seed: 11, augment: true, lrSchedule: 'cosine' as const };
    const whole = await run({ ...options, maxSteps: 48 });
    const first = await run({ ...options, maxSteps: 24 });
    expect(first.step).toBe(24);
    const rest = await run({ resume: path.join(first.outDir, 'lenet.ckpt'), maxSteps: 48, outDir: first.outDir });
    expect(rest.step).toBe(48);
    expect([...first.losses, ...rest.losses]).toEqual(whole.losses);
    expectSameParams(rest.params, whole.params);
  });

  test('--recipe strong resumes from its checkpoint alone: the resolved recipe (warm-up, warps, elastic) continues bit for bit', async () => {
    // batch 4000 → 3 steps per epoch (4000, 4000, 4); the warm-up (1 epoch) ends after step 3, the resumed part crosses the epoch.
    const options = { recipe: 'strong' as const, epochs: 2, batchSize: 4000, seed: 2 };
    const whole = await run({ ...options, maxSteps: 5 });
    const first = await run({ ...options, maxSteps: 2 });
    const checkpoint = await readCheckpoint(path.join(first.outDir, 'lenet.ckpt'));
    expect(checkpoint.options).toMatchObject({ recipe: 'strong', epochs: 2, batchSize: 4000, warmupEpochs: 1, augment: true, augmentElastic: 2 });
    const rest = await run({ resume: path.join(first.outDir, 'lenet.ckpt'), maxSteps: 5, outDir: first.outDir });
    expect([...first.losses, ...rest.losses]).toEqual(whole.losses);
    expectSameParams(rest.params, whole.params);
  }, 300_000);
});
