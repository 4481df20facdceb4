/**
 * The train-step graph's gradients against the independent float64 reference: its analytic backward
 * (every entry) and central finite differences of its forward (a seeded sample of entries).
 */
import { beforeAll, describe, expect, test } from 'vitest';
import { BATCH_COUNT, IMAGE, LABEL, PIXELS, gradOf } from '../../src/graph/contract.js';
import { buildGradientModel, buildTrainStepModel } from '../../src/graph/models.js';
import { PARAMS, PARAM_NAMES, initParameters, paramSize } from '../../src/graph/params.js';
import { Mt19937 } from '../../src/util/rng.js';
import { backward64, finiteDifference, forward64, toFloat64Params, type Params64 } from '../reference/lenet64.js';
import { randomLabels, uniformImages } from '../reference/fixtures64.js';
import { compare, printTable, type ErrorRow } from '../helpers/errors.js';
import { trainStepFeeds } from '../../src/train/feeds.js';
import { f32, i32, runOnce } from '../helpers/ort.js';

const N = 4;
const params = initParameters(0);
const rng = new Mt19937(1234);
const images = uniformImages(rng, N); // independent uniform pixels: no max-pool ties
const labels = randomLabels(rng, N);

describe('train-step gradients vs the float64 reference', () => {
  let graph: Record<string, Float32Array>;
  let ref: ReturnType<typeof backward64>;
  const p64: Params64 = toFloat64Params(params);

  beforeAll(async () => {
    graph = await runOnce(buildTrainStepModel({ exposeGradients: true }), trainStepFeeds({ params, images, labels, n: N }));
    ref = backward64(p64, images, labels, N);
  });

  test('loss matches the reference forward', () => {
    const f = forward64(p64, images, labels, N);
    expect(Math.abs(graph.loss[0] - f.loss) / f.loss).toBeLessThan(1e-6);
    expect(graph.correct[0]).toBe(f.correct);
  });

  test('every gradient entry matches the analytic float64 backward within 1e-3 relative', () => {
    const rows = PARAM_NAMES.map((name) => compare(name, graph[`grad.${name}`], ref.grads[name]));
    printTable(`gradient: ONNX graph (onnxruntime-node, float32) vs float64 backward, batch ${N}`, rows);
    for (const row of rows) {
      expect(row.maxRel, row.tensor).toBeLessThan(1e-3);
      expect(row.maxAbs / row.maxRef, row.tensor).toBeLessThan(1e-5);
    }
  });

  test('sampled gradient entries match float64 central finite differences within 1e-3 relative', () => {
    const sample = new Mt19937(7);
    const loss = (p: Params64): number => forward64(p, images, labels, N).loss;
    const rows: ErrorRow[] = [];
    for (const spec of PARAMS) {
      const size = paramSize(spec);
      const idx = spec.kind === 'bias' ? Array.from({ length: size }, (_, i) => i) : Array.from({ length: 24 }, () => sample.nextInt(size));
      const fd = new Float64Array(size);
      for (const i of idx) fd[i] = finiteDifference(loss, p64, spec.name, i, 1e-5);
      rows.push(compare(spec.name, graph[`grad.${spec.name}`], fd, idx));
    }
    printTable('gradient: ONNX graph vs float64 central differences (h = 1e-5), sampled entries', rows);
    for (const row of rows) expect(row.maxRel, row.tensor).toBeLessThan(1e-3);
  });
});

describe('gradient model: shares of a split batch add up to the batch gradient', () => {
  test('batch of 4 split 2 + 1 + 1 (as the CPU trainer splits it over 3 threads) vs the float64 backward', async () => {
    const p64 = toFloat64Params(params);
    const ref = backward64(p64, images, labels, N);
    const sum: Record<string, Float32Array> = Object.fromEntries(PARAMS.map((p) => [p.name, new Float32Array(paramSize(p))]));
    let lossSum = 0;
    for (const [start, end] of [[0, 2], [2, 3], [3, 4]]) {
      const feeds: Record<string, ReturnType<typeof f32>> = { [IMAGE]: f32([end - start, 1, 28, 28], images.subarray(start * PIXELS, end * PIXELS)), [LABEL]: i32([end - start], labels.slice(start, end)), [BATCH_COUNT]: f32([], [N]) };
      for (const spec of PARAMS) feeds[spec.name] = f32(spec.shape, params[spec.name]);
      const out = await runOnce(buildGradientModel(), feeds);
      for (const spec of PARAMS) { const g = out[gradOf(spec.name)]; for (let i = 0; i < g.length; i++) sum[spec.name][i] += g[i]; }
      lossSum += out.loss_sum[0];
    }
    expect(Math.abs(lossSum / N - forward64(p64, images, labels, N).loss)).toBeLessThan(1e-6);
    const rows = PARAM_NAMES.map((name) => compare(name, sum[name], ref.grads[name]));
    printTable(`gradient: 3 gradient-model shares summed (onnxruntime-node, float32) vs float64 backward, batch ${N}`, rows);
    for (const row of rows) {
      expect(row.maxRel, row.tensor).toBeLessThan(1e-3);
      expect(row.maxAbs / row.maxRef, row.tensor).toBeLessThan(1e-5);
    }
  });
});
