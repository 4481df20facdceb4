/**
 * What the gradient checker cannot see: BatchNormalization's running statistics as train-step state
 * (updated as torch.nn.BatchNorm does, no optimizer state, inputs of eval, initializers of inference),
 * Dropout's note, and the portable Erf's forward against float64 erf.
 */
import { describe, expect, test } from 'vitest';
import { makeTrainable, optimizerInputs } from '../../src/autodiff/index.js';
import { erfPortable } from '../../src/autodiff/rules/erf.js';
import { isOptimizerState } from '../../src/graph/contract.js';
import { modelValueSpecs } from '../../src/graph/export.js';
import { gemm } from '../../src/graph/nn-ops.js';
import { relu } from '../../src/graph/ops.js';
import type { IModelProto } from '../../src/graph/proto.js';
import { Tape } from '../../src/graph/tape.js';
import { float32Tensor, int64Tensor } from '../../src/graph/tensor.js';
import { trainStepSignature } from '../../src/train/step/state.js';
import { Mt19937 } from '../../src/util/rng.js';
import { f32, i32, runOnce } from '../helpers/ort.js';

const rng = new Mt19937(9);
const rand = (n: number, lo = -1, hi = 1): Float32Array => Float32Array.from({ length: n }, () => rng.uniformFloat32(lo, hi));
const init = { w: rand(12), b: rand(3), scale: rand(3, 0.5, 1.5), bias: rand(3), mean: rand(3), var: rand(3, 0.5, 1.5), w2: rand(6), b2: rand(2) };
const MOMENTUM = 0.8;                                                 // ONNX's: PyTorch momentum 0.2

/** x [N,4] → Gemm → BatchNormalization (training form when `trainingForm`) → Relu → Dropout → Gemm → logits [N,2]. */
function bnModel(trainingForm: boolean): IModelProto {
  const t = new Tape('bn');
  const x = t.input('x', 'float32', ['N', 4]);
  const p = (name: string, dims: number[], data: Float32Array) => t.initializer(name, float32Tensor(dims, data));
  const h = gemm(x, p('fc1.weight', [3, 4], init.w), p('fc1.bias', [3], init.b), { transB: true });
  const bnIns = [h, p('bn.weight', [3], init.scale), p('bn.bias', [3], init.bias), p('bn.running_mean', [3], init.mean), p('bn.running_var', [3], init.var)];
  const outs = trainingForm ? [{ dtype: 'float32' as const, shape: h.shape }, { dtype: 'float32' as const, shape: [3] }, { dtype: 'float32' as const, shape: [3] }] : [{ dtype: 'float32' as const, shape: h.shape }];
  const [y, rm] = t.node('BatchNormalization', bnIns, outs, { epsilon: { float: 1e-5 }, momentum: { float: MOMENTUM }, ...(trainingForm ? { training_mode: 1 } : {}) });
  const [dropped] = t.node('Dropout', [relu(y)], [{ dtype: 'float32', shape: h.shape }]);
  t.output(gemm(dropped, p('fc2.weight', [2, 3], init.w2), p('fc2.bias', [2], init.b2), { transB: true }), 'logits');
  if (rm) t.output(rm, 'running_mean_out');
  return t.toModel();
}

describe('BatchNormalization state in the train step', () => {
  for (const trainingForm of [false, true]) {
    test(`${trainingForm ? 'training' : 'inference'}-form export: running stats are state, updated as PyTorch does`, async () => {
      const m = makeTrainable(bnModel(trainingForm), {}, 'bn.onnx');
      const io = modelValueSpecs(m.train);
      const sig = trainStepSignature(io.inputs, io.outputs.map((o) => o.name));
      const state = sig.state.map((s) => s.name);
      expect(state).toEqual(expect.arrayContaining(['bn.running_mean', 'bn.running_var']));
      expect(state.filter((n) => n.includes('running'))).toEqual(['bn.running_mean', 'bn.running_var']);   // no adam.m/v of them
      expect(isOptimizerState('bn.running_mean')).toBe(false);
      expect(m.parameters.map((p) => p.name)).not.toContain('bn.running_mean');
      expect(m.buffers.map((p) => p.name)).toEqual(['bn.running_mean', 'bn.running_var']);
      expect(modelValueSpecs(m.eval).inputs.map((i) => i.name)).toEqual(expect.arrayContaining(['bn.running_mean', 'bn.running_var']));
      expect((m.inference.graph?.initializer ?? []).map((t) => t.name)).toEqual(expect.arrayContaining(['bn.running_mean', 'bn.running_var']));
      expect(modelValueSpecs(m.inference).outputs.map((o) => o.name)).toEqual(['logits']);
      expect(m.notes).toEqual([expect.stringMatching(/Dropout.*identity in the train step/)]);

      const n = 5;
      const x = rand(n * 4);
      const values: Record<string, Float32Array> = Object.fromEntries([...m.parameters, ...m.buffers].map((p) => [p.name, p.data]));
      const feeds = Object.fromEntries(sig.state.map((s) => [s.name, f32(s.shape, values[s.name] ?? new Float32Array(s.shape.reduce((a, b) => a * b, 1)))]));
      const scalars = Object.fromEntries(Object.entries(optimizerInputs('adam', 1, 1e-3)).map(([k, v]) => [k, f32([], [v])]));
      const out = await runOnce(m.train, { ...feeds, ...scalars, x: f32([n, 4], x), label: i32([n], [0, 1, 1, 0, 1]) });
      for (let c = 0; c < 3; c++) {                                    // float64: batch mean, unbiased variance, running·m + batch·(1−m)
        const h = Array.from({ length: n }, (_, i) => { let s = init.b[c]; for (let q = 0; q < 4; q++) s += x[i * 4 + q] * init.w[c * 4 + q]; return s; });
        const mean = h.reduce((a, v) => a + v, 0) / n;
        const unbiased = h.reduce((a, v) => a + (v - mean) ** 2, 0) / (n - 1);
        expect(out['next.bn.running_mean'][c]).toBeCloseTo(init.mean[c] * MOMENTUM + mean * (1 - MOMENTUM), 6);
        expect(out['next.bn.running_var'][c]).toBeCloseTo(init.var[c] * MOMENTUM + unbiased * (1 - MOMENTUM), 6);
      }
      const ev = await runOnce(m.eval, { ...Object.fromEntries(Object.entries(feeds).filter(([k]) => !isOptimizerState(k))), x: f32([n, 4], x), label: i32([n], [0, 1, 1, 0, 1]) });
      expect(Number.isFinite(ev.loss_sum[0])).toBe(true);
    });
  }
});

test('integer arithmetic on shape values (torch.chunk\'s Shape → Gather → Div → Slice) is computed when the model is built', () => {
  const t = new Tape('chunk');
  const x = t.input('x', 'float32', ['N', 6]);
  const [shape] = t.node('Shape', [x], [{ dtype: 'int64', shape: [2] }]);
  const [cols] = t.node('Gather', [shape, t.tensor(int64Tensor([], [1]))], [{ dtype: 'int64', shape: [] }], { axis: 0 });
  const [half] = t.node('Div', [cols, t.tensor(int64Tensor([], [2]))], [{ dtype: 'int64', shape: [] }]);
  const [end] = t.node('Unsqueeze', [half, t.int64s([0])], [{ dtype: 'int64', shape: [1] }]);
  const [first] = t.node('Slice', [x, t.int64s([0]), end, t.int64s([1])], [{ dtype: 'float32', shape: ['N', 3] }]);
  t.output(gemm(first, t.initializer('w', float32Tensor([2, 3], rand(6))), undefined, { transB: true }), 'logits');
  const m = makeTrainable(t.toModel(), {}, 'chunk.onnx');
  expect((m.inference.graph?.node ?? []).map((n) => n.opType)).toEqual(['Slice', 'Gemm']);
});

/** erf in float64 by its Maclaurin series (enough terms and digits for |x| ≤ 4). */
function erf64(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 120; n++) { term *= (-x * x) / n; sum += term / (2 * n + 1); }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

test('portable Erf is within 2e-7 of float64 erf on [−4, 4] and ±1 beyond', async () => {
  const xs = Float32Array.from({ length: 4001 }, (_, i) => -4 + i * 0.002);
  const far = Float32Array.of(-30, -6, 5, 40);
  const t = new Tape('erf');
  const x = t.input('x', 'float32', [xs.length + far.length]);
  t.output(erfPortable(x), 'y');
  const { y } = await runOnce(t.toModel(), { x: f32([xs.length + far.length], [...xs, ...far]) });
  let worst = 0;
  xs.forEach((v, i) => { worst = Math.max(worst, Math.abs(y[i] - erf64(v))); });
  console.log(`portable Erf vs float64 erf on [−4, 4]: max abs error ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(2e-7);
  expect(Array.from(y.slice(xs.length))).toEqual([-1, -1, 1, 1]);
});
