/**
 * What `train` writes, checked for its contents: metrics.json and --json-metrics against each other and
 * the stdout report, and the exported lenet.onnx, and lenet.eval.onnx from build-graph, against the
 * float64 reference (test/reference/lenet64.ts, itself held to PyTorch float64 within 1e-12 by
 * lenet64.test.ts) with the trained weights from the checkpoint.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PIXEL_TO_FLOAT } from '../../src/data/batches.js';
import { loadDataset } from '../../src/data/dataset.js';
import type { Split } from '../../src/data/types.js';
import { CORRECT, IMAGE, LABEL, LOGITS, LOSS_SUM, PROBABILITIES } from '../../src/graph/contract.js';
import { PARAMS } from '../../src/graph/params.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { modelState } from '../../src/train/step/state.js';
import { runCli } from '../helpers/cli.js';
import { type Params64, forward64, toFloat64Params } from '../reference/lenet64.js';

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-outputs-'));
const out = path.join(work, 'run');
const graphs = path.join(work, 'graphs');
const N = 64; // test images compared with the float64 reference
let stdout: string;
let split: Split;
let params32: Record<string, Float32Array>;
let params64: Params64;
let images: Float32Array;
let labels: Int32Array;

beforeAll(async () => {
  // 8,004 images at batch 2,000: 5 steps (4 × 2,000 + 4)
  const r = await runCli(['train', '--dataset', 'mnist-sample', '--epochs', '1', '--batch-size', '2000', '--seed', '3', '--threads', '1',
    '--out', out, '--json-metrics', path.join(out, 'steps.jsonl')]);
  expect(r.code, r.stderr).toBe(0);
  stdout = r.stdout;
  expect((await runCli(['build-graph', '--out', graphs])).code).toBe(0);
  split = (await loadDataset({ dataset: 'mnist-sample' })).test;
  params32 = modelState((await readCheckpoint(path.join(out, 'lenet.ckpt'))).state);
  params64 = toFloat64Params(params32 as never);
  const picked = Array.from({ length: N }, (_, k) => (k * 31) % split.count); // spread over the classes
  images = new Float32Array(N * 784);
  labels = new Int32Array(N);
  picked.forEach((i, k) => {
    for (let p = 0; p < 784; p++) images[k * 784 + p] = PIXEL_TO_FLOAT[split.images[i * 784 + p]];
    labels[k] = split.labels[i];
  });
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

interface StepRow { epoch: number; batch: number; step: number; loss: number; correct: number; size: number; ms: number }
interface Metrics {
  options: { dataset: string; epochs: number; batchSize: number; lr: number; seed: number; lrSchedule: string; augment: boolean };
  dataset: { name: string; source: string; train: number; test: number };
  ep: string; threads: number; step: number; testAccuracy: number;
  epochs: { epoch: number; loss: number; trainAccuracy: number; testLoss: number; testAccuracy: number; seconds: number; imagesPerSecond: number; lr: number }[];
}

describe('metrics.json and --json-metrics', () => {
  it('metrics.json: the run\'s options, data set, provider, steps and one epoch that agrees with stdout', () => {
    const m = JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as Metrics;
    expect(m.options).toMatchObject({ dataset: 'mnist-sample', epochs: 1, batchSize: 2000, lr: 1e-3, seed: 3, lrSchedule: 'constant', augment: false });
    expect(m.dataset).toMatchObject({ name: 'mnist-sample', train: 8004, test: 1996 });
    expect(m).toMatchObject({ ep: 'cpu', threads: 1, step: 5 });
    expect(m.epochs).toHaveLength(1);
    const e = m.epochs[0];
    expect(e).toMatchObject({ epoch: 1, lr: 1e-3 });
    expect(m.testAccuracy).toBe(e.testAccuracy);
    for (const x of [e.loss, e.testLoss, e.seconds, e.imagesPerSecond]) expect(x).toBeGreaterThan(0);
    expect(e.loss).toBeLessThan(2.4); // 5 Adam steps from PyTorch's init: ≈ 2.2
    expect(stdout).toContain(`Accuracy of the LeNet model: ${(e.testAccuracy * 100).toFixed(2)}%`);
    expect(stdout).toMatch(new RegExp(`^Epoch 1/1 {2}loss ${e.loss.toFixed(4)} `, 'm'));
  });

  it('--json-metrics: one line per step, and they add up to the epoch in metrics.json', () => {
    const rows = readFileSync(path.join(out, 'steps.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as StepRow);
    expect(rows.map((r) => [r.epoch, r.batch, r.step, r.size])).toEqual([[1, 1, 1, 2000], [1, 2, 2, 2000], [1, 3, 3, 2000], [1, 4, 4, 2000], [1, 5, 5, 4]]);
    for (const r of rows) {
      expect(Number.isInteger(r.correct) && r.correct >= 0 && r.correct <= r.size).toBe(true);
      expect(r.loss).toBeGreaterThan(0);
      expect(r.ms).toBeGreaterThan(0);
    }
    const e = (JSON.parse(readFileSync(path.join(out, 'metrics.json'), 'utf8')) as Metrics).epochs[0];
    const images = rows.reduce((a, r) => a + r.size, 0);
    expect(rows.reduce((a, r) => a + r.loss * r.size, 0) / images).toBeCloseTo(e.loss, 6);
    expect(rows.reduce((a, r) => a + r.correct, 0) / images).toBeCloseTo(e.trainAccuracy, 12);
  });
});

describe('the exported models against the float64 reference (and so PyTorch), with the trained weights', () => {
  it(`lenet.onnx: logits and probabilities of ${N} test digits`, async () => {
    const session = await ort.InferenceSession.create(path.join(out, 'lenet.onnx'), { intraOpNumThreads: 1 });
    try {
      const got = await session.run({ [IMAGE]: new ort.Tensor('float32', images, [N, 1, 28, 28]) });
      const want = forward64(params64, Float64Array.from(images), labels, N);
      const logits = got[LOGITS].data as Float32Array;
      const probs = got[PROBABILITIES].data as Float32Array;
      let [dl, dp, scale] = [0, 0, 0];
      for (let i = 0; i < N * 10; i++) {
        dl = Math.max(dl, Math.abs(logits[i] - want.logits[i]));
        dp = Math.max(dp, Math.abs(probs[i] - want.probabilities[i]));
        scale = Math.max(scale, Math.abs(want.logits[i]));
      }
      console.log(`lenet.onnx vs float64: max|Δ logits| ${dl.toExponential(2)} (max|logit| ${scale.toFixed(2)}), max|Δ p| ${dp.toExponential(2)}`);
      // float32 against float64: observed 4e-7 of max|logit| and 1.7e-8 in p here; 25–60× margin for
      // other CPUs' summation orders. A wrong weight, layer or export is off by far more (≥ 1e-3).
      expect(dl / scale).toBeLessThan(1e-5);
      expect(dp).toBeLessThan(1e-6);
    } finally {
      await session.release();
    }
  });

  it(`lenet.eval.onnx (build-graph): loss sum and correct count of ${N} test digits`, async () => {
    const session = await ort.InferenceSession.create(path.join(graphs, 'lenet.eval.onnx'), { intraOpNumThreads: 1 });
    try {
      const feeds: Record<string, ort.Tensor> = { [IMAGE]: new ort.Tensor('float32', images, [N, 1, 28, 28]), [LABEL]: new ort.Tensor('int32', labels, [N]) };
      for (const p of PARAMS) feeds[p.name] = new ort.Tensor('float32', params32[p.name], [...p.shape]);
      const got = await session.run(feeds);
      const want = forward64(params64, Float64Array.from(images), labels, N);
      const lossSum = (got[LOSS_SUM].data as Float32Array)[0];
      console.log(`lenet.eval.onnx vs float64: loss sum ${lossSum} vs ${want.lossSum}, correct ${Number(got[CORRECT].data[0])} vs ${want.correct}`);
      expect(Math.abs(lossSum - want.lossSum) / want.lossSum).toBeLessThan(1e-6); // observed 6e-8
      expect(Number(got[CORRECT].data[0])).toBe(want.correct);
    } finally {
      await session.release();
    }
  });
});
