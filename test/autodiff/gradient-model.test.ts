/**
 * make-trainable's gradient model (`<stem>.grad.onnx`, TrainableModels.gradient) in the CPU trainer's
 * data-parallel runner (src/train/step/parallel), against the train step it was made beside, on the
 * PyTorch fixtures' batches: three Adam steps, loss, correct and every state tensor: bit for bit with one
 * thread, to float32 rounding with 2.
 * Made only for cross-entropy + Adam without BatchNormalization (the BN CNN has none).
 */
import { describe, expect, test } from 'vitest';
import { adamScalars, gradOf } from '../../src/graph/contract.js';
import { modelValueSpecs } from '../../src/graph/export.js';
import { encodeModel } from '../../src/graph/proto.js';
import { ParallelCpuRunner } from '../../src/train/step/parallel/runner.js';
import type { TrainStepRunner } from '../../src/train/step/runner.js';
import { createModelSessionRunner } from '../../src/train/step/session-runner.js';
import type { HostState } from '../../src/train/step/state.js';
import { type FixtureName, loadFixture, trainableOf } from './fixtures.js';

/** Largest |Δ| of a state entry after the 3 steps (parameters move by ~lr = 1e-3 a step). */
const STATE_TOLERANCE = 1e-6;

async function steps(runner: TrainStepRunner, name: FixtureName): Promise<{ losses: number[]; correct: number[]; state: HostState }> {
  const f = loadFixture(name);
  const losses: number[] = [];
  const correct: number[] = [];
  try {
    for (let i = 0; i < 3; i++) {
      const s = adamScalars(i + 1, 1e-3);
      const r = await runner.step({ images: f.images.slice(), labels: f.labels.slice(), size: f.labels.length }, s.stepSize, s.biasCorrection2Sqrt);
      losses.push(r.loss);
      correct.push(r.correct);
    }
    return { losses, correct, state: await runner.readState() };
  } finally {
    await runner.release();
  }
}

describe.each(['mlp', 'residual'] as const)('%s.grad.onnx in the data-parallel CPU runner', (name) => {
  test('1 and 2 threads give the train step\'s losses, correct counts and state', async () => {
    const models = trainableOf(loadFixture(name));
    const gradient = models.gradient!;
    expect(gradient).toBeDefined();
    const outputs = modelValueSpecs(gradient).outputs.map((o) => o.name);
    expect(outputs).toEqual(expect.arrayContaining([...models.parameters.map((p) => gradOf(p.name)), 'loss_sum', 'correct']));
    const from = { params: Object.fromEntries(models.parameters.map((p) => [p.name, p.data])) };
    const want = await steps(await createModelSessionRunner('cpu', encodeModel(models.train), from, { threads: 1 }), name);
    const wantState = new Map(want.state.map((t) => [t.name, t.data]));
    for (const threads of [1, 2]) {
      const got = await steps(await ParallelCpuRunner.create(from, { threads, maxBatch: 8, gradient }), name);
      got.losses.forEach((l, i) => expect(Math.abs(l - want.losses[i]), `${threads} thread(s), loss ${i}`).toBeLessThanOrEqual(1e-6 * want.losses[i]));
      expect(got.correct).toEqual(want.correct);
      expect(got.state.map((t) => t.name).sort()).toEqual([...wantState.keys()].sort());
      let worst = 0;
      for (const t of got.state) t.data.forEach((x, i) => { worst = Math.max(worst, Math.abs(x - wantState.get(t.name)![i])); });
      console.log(`${name}, ${threads} thread(s): max |Δ state| = ${worst.toExponential(2)} after 3 steps`);
      expect(worst).toBeLessThanOrEqual(threads === 1 ? 0 : STATE_TOLERANCE);   // one thread: bit for bit
    }
  }, 120_000);
});

test('no gradient model for BatchNormalization (the BN CNN)', () => {
  expect(trainableOf(loadFixture('bncnn')).gradient).toBeUndefined();
});
