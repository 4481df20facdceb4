/**
 * The train step's optimizers and losses against float64 references of torch's formulas: each optimizer
 * alone over three steps (state carried, the first step's SGD buffer = g), MSE + SGD end to end on a
 * linear model with a symbolic batch, --freeze, and the make-trainable options on the command line.
 */
import { describe, expect, test, vi } from 'vitest';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type OptimizerName, makeTrainable, optimizerInputs } from '../../src/autodiff/index.js';
import { recordOptimizer } from '../../src/autodiff/optimizers.js';
import { main } from '../../src/cli/index.js';
import { ADAM, isOptimizerState } from '../../src/graph/contract.js';
import { modelValueSpecs } from '../../src/graph/export.js';
import { gemm } from '../../src/graph/nn-ops.js';
import { type IModelProto, encodeModel } from '../../src/graph/proto.js';
import { Tape } from '../../src/graph/tape.js';
import { float32Tensor } from '../../src/graph/tensor.js';
import { Mt19937 } from '../../src/util/rng.js';
import { type Feeds, f32, runOnce } from '../helpers/ort.js';

const rng = new Mt19937(5);
const rand = (n: number, scale = 1): Float32Array => Float32Array.from({ length: n }, () => rng.uniformFloat32(-scale, scale));
const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let err = 0;
  let ref = 0;
  for (let i = 0; i < b.length; i++) { err = Math.max(err, Math.abs(a[i] - b[i])); ref = Math.max(ref, Math.abs(b[i])); }
  return err / (ref || 1);
};

interface Case { readonly optimizer: OptimizerName; readonly weightDecay?: number; readonly momentum?: number }

/** torch.optim's update of p (float64), state carried in `s`. */
function reference(c: Case, p: Float64Array, g: Float32Array, s: Record<string, Float64Array>, step: number, lr: number): void {
  if (c.optimizer === 'sgd') {
    const mu = c.momentum ?? 0.9;
    for (let i = 0; i < p.length; i++) {
      const d = mu > 0 ? (s.buf[i] = step === 1 ? g[i] : mu * s.buf[i] + g[i]) : g[i];
      p[i] -= lr * d;
    }
    return;
  }
  const [b1, b2] = [ADAM.beta1, ADAM.beta2];
  for (let i = 0; i < p.length; i++) {
    if (c.optimizer === 'adamw') p[i] *= 1 - lr * (c.weightDecay ?? 0.01);
    s.m[i] = b1 * s.m[i] + (1 - b1) * g[i];
    s.v[i] = b2 * s.v[i] + (1 - b2) * g[i] * g[i];
    const denom = Math.sqrt(s.v[i]) / Math.sqrt(1 - b2 ** step) + ADAM.eps;
    p[i] -= (lr / (1 - b1 ** step)) * s.m[i] / denom;
  }
}

describe('optimizers vs float64 torch formulas, three steps', () => {
  const cases: Case[] = [{ optimizer: 'adam' }, { optimizer: 'adamw' }, { optimizer: 'adamw', weightDecay: 0.3 }, { optimizer: 'sgd' }, { optimizer: 'sgd', momentum: 0 }];
  for (const c of cases) {
    test(`${c.optimizer} ${JSON.stringify(c)}`, async () => {
      const tape = new Tape('opt');
      const param = tape.input('w', 'float32', [3, 5]);
      const grad = tape.input('g', 'float32', [3, 5]);
      const step = recordOptimizer(tape, c.optimizer, c, [{ name: 'w', param, grad }]);
      tape.output(step.params.get('w')!, 'next.w');
      for (const [n, v] of step.state) tape.output(v, `next.${n}`);
      const model = tape.toModel();
      const stateNames = step.state.map(([n]) => n);
      expect(stateNames.every(isOptimizerState)).toBe(true);
      let state: Record<string, Float32Array> = { w: rand(15), ...Object.fromEntries(stateNames.map((n) => [n, new Float32Array(15)])) };
      const p = Float64Array.from(state.w);
      const s = { m: new Float64Array(15), v: new Float64Array(15), buf: new Float64Array(15) };
      const lr = 0.01;
      for (let t = 1; t <= 3; t++) {
        const g = rand(15, 2);
        const scalars = Object.entries(optimizerInputs(c.optimizer, t, lr)).map(([n, x]) => [n, f32([], [x])]);
        const feeds: Feeds = { g: f32([3, 5], g), ...Object.fromEntries(scalars), ...Object.fromEntries(Object.entries(state).map(([n, d]) => [n, f32([3, 5], d)])) };
        const out = await runOnce(model, feeds);
        reference(c, p, g, s, t, lr);
        state = Object.fromEntries(Object.keys(state).map((n) => [n, out[`next.${n}`]]));
        console.log(`${c.optimizer} ${JSON.stringify(c)} step ${t}: max|Δp|/max|p| = ${maxRel(state.w, p).toExponential(2)}`);
        expect(maxRel(state.w, p)).toBeLessThan(5e-7);
      }
    });
  }

  test('settings of another optimizer are refused', () => {
    expect(() => recordOptimizer(new Tape('x'), 'adam', { momentum: 0.5 }, [])).toThrow(/momentum is an SGD setting/);
    expect(() => recordOptimizer(new Tape('x'), 'sgd', { momentum: 1 }, [])).toThrow(/momentum must be a number in \[0, 1\)/);
  });
});

/** y = x·Wᵀ + b, x float32 [N,4] (N symbolic), W [3,4], b [3]. */
function linearModel(w: Float32Array, b: Float32Array): IModelProto {
  const tape = new Tape('linear');
  const x = tape.input('x', 'float32', ['N', 4]);
  tape.output(gemm(x, tape.initializer('W', float32Tensor([3, 4], w)), tape.initializer('b', float32Tensor([3], b)), { transB: true }), 'y');
  return tape.toModel();
}

describe('losses and --freeze', () => {
  const [w, b] = [rand(12), rand(3)];
  const n = 5;
  const x = rand(n * 4);
  const label = rand(n * 3);

  test('mse + sgd without momentum: loss, next.W, next.b and eval loss_sum against float64', async () => {
    const m = makeTrainable(linearModel(w, b), { loss: 'mse', optimizer: 'sgd', momentum: 0 });
    expect(modelValueSpecs(m.train).inputs.map((i) => `${i.name}:${i.type}:${i.shape.join(',')}`).sort()).toEqual(['W:float32:3,4', 'b:float32:3', 'label:float32:N,3', 'sgd.lr:float32:', 'x:float32:N,4']);
    const lr = 0.1;
    const out = await runOnce(m.train, { W: f32([3, 4], w), b: f32([3], b), x: f32([n, 4], x), label: f32([n, 3], label), 'sgd.lr': f32([], [lr]) });
    const diff = Array.from({ length: n * 3 }, (_, k) => {
      const [i, j] = [Math.floor(k / 3), k % 3];
      let y = b[j];
      for (let q = 0; q < 4; q++) y += x[i * 4 + q] * w[j * 4 + q];
      return y - label[k];
    });
    const loss = diff.reduce((a, d) => a + d * d, 0) / (n * 3);
    const nextW = Float64Array.from(w, (wv, k) => { const [j, q] = [Math.floor(k / 4), k % 4]; let g = 0; for (let i = 0; i < n; i++) g += (2 / (n * 3)) * diff[i * 3 + j] * x[i * 4 + q]; return wv - lr * g; });
    const nextB = Float64Array.from(b, (bv, j) => { let g = 0; for (let i = 0; i < n; i++) g += (2 / (n * 3)) * diff[i * 3 + j]; return bv - lr * g; });
    expect(maxRel(out.loss, [loss])).toBeLessThan(1e-6);
    expect(maxRel(out['next.W'], nextW)).toBeLessThan(1e-6);
    expect(maxRel(out['next.b'], nextB)).toBeLessThan(1e-6);
    expect(out.correct[0]).toBe(0);
    const ev = await runOnce(m.eval, { W: f32([3, 4], w), b: f32([3], b), x: f32([n, 4], x), label: f32([n, 3], label) });
    expect(maxRel(ev.loss_sum, [loss * n])).toBeLessThan(1e-6);          // Σ over examples of each one's mean
  });

  test('--freeze keeps an initializer constant; an unknown name is an error', async () => {
    const m = makeTrainable(linearModel(w, b), { freeze: ['b'] });
    const io = modelValueSpecs(m.train);
    expect(m.parameters.map((p) => p.name)).toEqual(['W']);
    expect(io.inputs.map((i) => i.name)).not.toContain('b');
    expect(io.outputs.map((o) => o.name).sort()).toEqual(['correct', 'loss', 'next.W', 'next.adam.m.W', 'next.adam.v.W']);
    expect(() => makeTrainable(linearModel(w, b), { freeze: ['c'] }, 'lin.onnx')).toThrow("lin.onnx: --freeze names 'c', which is not an initializer of the model");
  });

  test('CLI: --optimizer adamw --weight-decay, --optimizer sgd --momentum, --freeze; a setting of another optimizer fails', async () => {
    const dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'make-trainable-opt-'));
    const quiet = [vi.spyOn(process.stdout, 'write').mockImplementation(() => true), vi.spyOn(process.stderr, 'write').mockImplementation(() => true)];
    try {
      const file = path.join(dir, 'lin.onnx');
      await fsp.writeFile(file, encodeModel(linearModel(w, b)));
      const inputsOf = async (args: string[]): Promise<string[]> => {
        expect(await main(['make-trainable', file, '--out', path.join(dir, 'out'), '--loss', 'mse', ...args])).toBe(0);
        const { decodeModel } = await import('../../src/graph/proto.js');
        return modelValueSpecs(decodeModel(await fsp.readFile(path.join(dir, 'out', 'lin.train.onnx')), 'train')).inputs.map((i) => i.name).sort();
      };
      expect(await inputsOf(['--optimizer', 'adamw', '--weight-decay', '0.1'])).toEqual(['W', 'adam.bias_correction2_sqrt', 'adam.lr', 'adam.m.W', 'adam.m.b', 'adam.step_size', 'adam.v.W', 'adam.v.b', 'b', 'label', 'x']);
      expect(await inputsOf(['--optimizer', 'sgd', '--momentum', '0.5', '--freeze', 'W'])).toEqual(['b', 'label', 'sgd.lr', 'sgd.momentum.b', 'x']);
      expect(await main(['make-trainable', file, '--out', path.join(dir, 'bad'), '--momentum', '0.5'])).not.toBe(0);
    } finally {
      for (const q of quiet) q.mockRestore();
      await fsp.rm(dir, { recursive: true, force: true });
    }
  });
});
