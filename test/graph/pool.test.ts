/**
 * Max-pool ties. The normalised MNIST background is exactly −1, so windows with equal maxima are
 * everywhere; PyTorch sends each window's gradient to its first maximum (scan order). No window may
 * pass on more (or less) gradient than a single maximum would.
 */
import { describe, expect, test } from 'vitest';
import { maxPoolBackward, maxPoolForward } from '../../src/graph/layers/pool.js';
import { buildTrainStepModel } from '../../src/graph/models.js';
import { PARAM_NAMES, initParameters } from '../../src/graph/params.js';
import { Tape } from '../../src/graph/tape.js';
import { Mt19937 } from '../../src/util/rng.js';
import { backward64, toFloat64Params } from '../reference/lenet64.js';
import { randomLabels, strokeImages } from '../reference/fixtures64.js';
import { compare, printTable } from '../helpers/errors.js';
import { trainStepFeeds } from '../../src/train/feeds.js';
import { f32, runOnce } from '../helpers/ort.js';

/** dx of a (1,1,2,2k) input: k windows side by side, each with the given 4 values (scan order). */
async function poolGradient(windows: readonly (readonly number[])[], dy: readonly number[]): Promise<number[][]> {
  const tape = new Tape('pool');
  const w = windows.length;
  const x = tape.input('x', 'float32', [1, 1, 2, 2 * w]);
  const g = tape.input('dy', 'float32', [1, 1, 1, w]);
  tape.output(maxPoolBackward(g, x, maxPoolForward(x)), 'dx');
  const data = new Float32Array(4 * w);
  windows.forEach((win, k) => {
    data[2 * k] = win[0]; data[2 * k + 1] = win[1];               // row 0
    data[2 * w + 2 * k] = win[2]; data[2 * w + 2 * k + 1] = win[3]; // row 1
  });
  const { dx } = await runOnce(tape.toModel(), { x: f32([1, 1, 2, 2 * w], data), dy: f32([1, 1, 1, w], dy) });
  return windows.map((_, k) => [dx[2 * k], dx[2 * k + 1], dx[2 * w + 2 * k], dx[2 * w + 2 * k + 1]]);
}

describe('max-pool backward with ties', () => {
  test.each([
    { name: 'single maximum', win: [0.1, 0.7, 0.3, 0.2], expected: [0, 1, 0, 0] },
    { name: 'all four tied (background −1)', win: [-1, -1, -1, -1], expected: [1, 0, 0, 0] },
    { name: 'tie at (0,1) and (1,1)', win: [0.2, 0.9, 0.1, 0.9], expected: [0, 1, 0, 0] },
    { name: 'tie at (1,0) and (1,1)', win: [0.2, 0.1, 0.5, 0.5], expected: [0, 0, 1, 0] },
    { name: 'tie at (0,0) and (1,1)', win: [3, 1, 2, 3], expected: [1, 0, 0, 0] },
    { name: 'three tied zeros after ReLU', win: [0, 0, -0, 0], expected: [1, 0, 0, 0] },
  ])('$name: the whole gradient goes to the first maximum', async ({ win, expected }) => {
    const [dx] = await poolGradient([win], [2.5]);
    expect(dx).toEqual(expected.map((e) => e * 2.5));
    expect(dx.reduce((a, b) => a + b, 0)).toBe(2.5); // same total as a single maximum: no double counting
  });

  test('windows are independent of their neighbours', async () => {
    const dx = await poolGradient([[-1, -1, -1, -1], [5, 5, 5, 5], [0, 1, 1, 0]], [1, 2, 3]);
    expect(dx).toEqual([[1, 0, 0, 0], [2, 0, 0, 0], [0, 3, 0, 0]]);
  });

  test('tie-heavy digit-like batch: whole-network gradients match the float64 reference (first-max rule)', async () => {
    const n = 4;
    const rng = new Mt19937(99);
    const images = strokeImages(rng, n); // background exactly 0 → −1 after normalisation; saturated strokes
    const labels = randomLabels(rng, n);
    const params = initParameters(3);
    const feeds = trainStepFeeds({ params, images, labels, n });
    const out = await runOnce(buildTrainStepModel({ exposeGradients: true }), feeds);
    const ref = backward64(toFloat64Params(params), images, labels, n);
    const rows = PARAM_NAMES.map((name) => compare(name, out[`grad.${name}`], ref.grads[name]));
    printTable('gradient on tie-heavy digits: ONNX graph vs float64 backward', rows);
    for (const row of rows) expect(row.maxRel, row.tensor).toBeLessThan(1e-3);
  });
});
