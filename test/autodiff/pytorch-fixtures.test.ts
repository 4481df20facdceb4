/**
 * make-trainable on models PyTorch exported (torch.onnx.export, opset 17): the seed's LeNet, the
 * 784-500-10 MLP of ONNX Runtime's on-device-training MNIST example, a CNN with a residual Add, a CNN
 * with BatchNormalization, Dropout and AveragePool (exported in training mode). One step from the same
 * weights and batch against PyTorch's own (tools/reference/trainable_fixtures.py): the loss and correct
 * count, every gradient (read from next.adam.m = (1−β1)·g of the first Adam step), every parameter's
 * Adam update, and BatchNormalization's running mean and variance after the step. PyTorch's step runs
 * in model.train() with the Dropout modules in eval: make-trainable's step treats Dropout as the
 * identity (README), PyTorch's train-mode Dropout is random.
 *
 * Adam's first step moves each entry by −lr·g/(|g|+eps): for |g| near eps = 1e-8 it is ill-conditioned
 * (a gradient off by 1e-9, float32 rounding of a sum whose terms are 1e-2, moves it by ~lr/10), so the
 * update is compared where |g| ≥ 100·eps or g is exactly 0; the rest are counted (their gradients are
 * compared above).
 */
import { describe, expect, test } from 'vitest';
import { ADAM, adamM, next } from '../../src/graph/contract.js';
import { compare, printTable } from '../helpers/errors.js';
import { runOnce } from '../helpers/ort.js';
import { FIXTURES, firstStepFeeds, loadFixture, trainableOf } from './fixtures.js';

describe.each(FIXTURES)('make-trainable(%s.onnx from torch.onnx.export) against PyTorch', (name) => {
  test('one step: loss, correct, every gradient (≤ 1e-4 of its largest entry) and Adam update', async () => {
    const f = loadFixture(name);
    const models = trainableOf(f);
    expect(models.parameters.map((p) => p.name).sort()).toEqual(Object.keys(f.expected.tensors).sort());
    expect(models.buffers.map((b) => b.name).sort()).toEqual(Object.keys(f.expected.buffers ?? {}).sort());
    expect(models.dataInput).toBe(f.expected.input);
    const out = await runOnce(models.train, firstStepFeeds(f, models));
    expect(Math.abs(out.loss[0] - f.expected.loss)).toBeLessThanOrEqual(1e-6 * Math.abs(f.expected.loss));
    expect(out.correct[0]).toBe(f.expected.correct);
    const oneMinusBeta1 = Math.fround(1 - ADAM.beta1);
    const rows = [];
    const checks: { tensor: string; err: number; allowed: number }[] = [];
    let illConditioned = 0;
    for (const p of models.parameters) {
      const g = f.grad(p.name);
      const ours = Float64Array.from(out[next(adamM(p.name))], (m) => m / oneMinusBeta1);
      const gRow = compare(`grad ${p.name}`, ours, g.values);
      rows.push(gRow);
      // the stored value is at most encodingError off PyTorch's: what is asserted bounds the error to PyTorch's own
      checks.push({ tensor: gRow.tensor, err: gRow.maxAbs + g.encodingError, allowed: 1e-4 * gRow.maxRef });
      const u = f.update(p.name);
      const step = Float64Array.from(out[next(p.name)], (x, i) => x - p.data[i]);
      const conditioned = Array.from(g.values.keys()).filter((i) => Math.abs(g.values[i]) - g.encodingError >= 100 * ADAM.eps || g.exactZero[i] === 1);
      illConditioned += g.values.length - conditioned.length;
      const uRow = compare(`Adam update ${p.name}`, step, u.values, conditioned);
      rows.push(uRow);
      checks.push({ tensor: uRow.tensor, err: uRow.maxAbs + u.encodingError, allowed: 1e-4 * uRow.maxRef });
    }
    for (const b of models.buffers) {
      const want = f.after(b.name);
      const row = compare(`running stat ${b.name}`, Float64Array.from(out[next(b.name)]), want.values);
      rows.push(row);
      checks.push({ tensor: row.tensor, err: row.maxAbs + want.encodingError, allowed: 1e-4 * row.maxRef });
    }
    printTable(`${name}: make-trainable's train step vs PyTorch ${f.expected.torch} (gradients float64, Adam float32), batch ${f.labels.length}; Adam updates of ${illConditioned} entries with |g| < 1e-6 not exactly 0 not compared`, rows);
    for (const c of checks) expect(c.err, c.tensor).toBeLessThanOrEqual(c.allowed);
  });
});
