/** The page's training-studio helpers that need no browser: the model summary, the speed/ETA meter, spreading. */
import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PARAM_COUNT, PARAMS } from '../../src/graph/params.js';
import { emptyConfusion, summariseConfusion } from '../../src/infer/confusion.js';
import { spreadIndices } from '../../web/src/dataset.js';
import { formatDuration, RateMeter } from '../../web/src/eta.js';
import { summariseModel } from '../../web/src/model-summary.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

let models: ModelFiles;
beforeAll(async () => {
  models = await buildFixtureModels(0);
});
afterAll(async () => {
  if (models) await rm(models.dir, { recursive: true, force: true });
});

describe('model summary', () => {
  test('reads LeNet\'s layers, shapes and 61,706 parameters from lenet.onnx', async () => {
    const summary = summariseModel(new Uint8Array(await readFile(models.inference)));
    expect(summary.parameters).toBe(PARAM_COUNT);
    expect(summary.parameters).toBe(61_706);
    expect(summary.layers.map((l) => l.name)).toEqual(['conv1', 'conv2', 'fc1', 'fc2', 'fc3']);
    for (const spec of PARAMS) {
      const [layer, part] = spec.name.split('.');
      expect(summary.layers.find((l) => l.name === layer)!.shapes[part]).toEqual(spec.shape);
    }
    expect(summary.layers.map((l) => l.op)).toEqual(['Conv', 'Conv', 'Gemm', 'Gemm', 'Gemm']);
    expect(summary.layers.map((l) => l.mapping)).toEqual(['1→6 channels, 5×5', '6→16 channels, 5×5', '400→120', '120→84', '84→10']);
  });

  test('a model without float parameters is an error, not an empty table', () => {
    expect(() => summariseModel(new Uint8Array(0))).toThrow(/no float32 parameters/);
  });
});

describe('speed and time left', () => {
  test('measures the recent pace, not the whole run\'s', () => {
    const meter = new RateMeter(1000);
    expect(meter.progress(10)).toEqual({ imagesPerSecond: 0, etaSeconds: null });
    // Slow start (1 step/s), then 10 steps/s of 32 images.
    meter.record(0, 0, 0);
    meter.record(1000, 1, 32);
    for (let i = 1; i <= 20; i++) meter.record(1000 + i * 100, 1 + i, 32 * (1 + i));
    const { imagesPerSecond, etaSeconds } = meter.progress(50);
    expect(imagesPerSecond).toBeCloseTo(320, 6);
    expect(etaSeconds).toBeCloseTo(5, 6);
    meter.reset();
    expect(meter.progress(5).etaSeconds).toBeNull();
  });

  test('formats durations', () => {
    expect([null, 0, 8.4, 59.6, 65, 3723].map(formatDuration)).toEqual(['–', '0 s', '8 s', '1:00', '1:05', '1:02:03']);
  });
});

test('spreadIndices picks evenly over a split sorted by class', () => {
  expect(Array.from(spreadIndices(10, 5))).toEqual([0, 2, 4, 6, 8]);
  expect(Array.from(spreadIndices(3, 5))).toEqual([0, 1, 2]);
  const labels = Array.from({ length: 1996 }, (_, i) => Math.floor(i / 199.6));
  const perClass = new Array<number>(10).fill(0);
  for (const i of spreadIndices(1996, 500)) perClass[labels[i]]++;
  expect(Math.min(...perClass)).toBeGreaterThanOrEqual(49);
});

test('confusion summary: per-class and overall accuracy', () => {
  const c = emptyConfusion(3);
  c[0][0] = 3; c[0][1] = 1; c[1][1] = 2; // class 2 has no examples
  const s = summariseConfusion(c);
  expect(s).toMatchObject({ count: 6, correct: 5, accuracy: 5 / 6 });
  expect(s.perClass.map((p) => p.accuracy)).toEqual([0.75, 1, NaN]);
});
