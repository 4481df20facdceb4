/**
 * Issue 15, item 7 and "serve shows the curves": what `serve` offers the page for a folder as `train`
 * leaves it (lenet.onnx, lenet.ckpt, metrics.json; no training graphs) — LeNet-5's train-step graph
 * built in memory, nothing written — and the run's metrics.json, checked against the model.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { withMetadata } from '../../src/graph/metadata.js';
import { decodeModel, encodeModel, onnx } from '../../src/graph/proto.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { parseRunMetrics, type RunMetrics } from '../../src/serve/run-metrics.js';
import { describeRun } from '../../web/src/run-curves.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

let fixture: ModelFiles;
const folders: string[] = [];

beforeAll(async () => {
  fixture = await buildFixtureModels(0);
});
afterAll(async () => {
  for (const dir of [fixture?.dir, ...folders]) if (dir) await rm(dir, { recursive: true, force: true });
});

const epoch = (n: number, acc: number): Record<string, number> => ({
  epoch: n, loss: 1 / n, trainAccuracy: acc - 0.01, testLoss: 1.1 / n, testAccuracy: acc, seconds: 3, imagesPerSecond: 2500, lr: 0.001,
});
const ACCURACIES = [0.8, 0.85, 0.9];
/** metrics.json as trainer.ts writes it (writeOutputs). */
const metricsJson = (epochs: number): Record<string, unknown> => ({
  options: { dataset: 'mnist-sample', epochs: 3, batchSize: 64, lr: 0.001, seed: 0, lrSchedule: 'constant', augment: false },
  dataset: { name: 'mnist-sample', source: '/cache/mnist-sample', train: 8000, test: 2000 },
  ep: 'cpu', threads: 2, step: 125 * epochs,
  epochs: Array.from({ length: epochs }, (_, i) => epoch(i + 1, ACCURACIES[i])),
  testAccuracy: epochs > 0 ? ACCURACIES[epochs - 1] : null,
});

/** A folder like `train --out` leaves: lenet.onnx saying it was trained for `epochs` epochs, and `files`. */
async function trainedFolder(epochs: number | undefined, files: Record<string, string | Uint8Array> = {}): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-serve-run-'));
  folders.push(dir);
  const model = decodeModel(await readFile(fixture.inference), fixture.inference);
  await writeFile(path.join(dir, 'lenet.onnx'), encodeModel(epochs === undefined ? model : withMetadata(model, { epochs, dataset: 'mnist-sample' })));
  for (const [name, data] of Object.entries(files)) await writeFile(path.join(dir, name), data);
  return dir;
}

async function serving<T>(dir: string, use: (server: RunningServer) => Promise<T>, trainModel?: string): Promise<T> {
  const server = await startServer({ model: path.join(dir, 'lenet.onnx'), port: 0, host: '127.0.0.1', ...(trainModel ? { trainModel } : {}) });
  try {
    return await use(server);
  } finally {
    await server.close();
  }
}
const get = (server: RunningServer, url: string): Promise<Response> => fetch(new URL(url, server.url));

describe('serve: the training panel after `train` (no lenet.train.onnx beside the model)', () => {
  test('the train-step graph build-graph writes is served from memory, and nothing is written to the folder', async () => {
    const dir = await trainedFolder(2, { 'lenet.ckpt': 'checkpoint', 'metrics.json': JSON.stringify(metricsJson(2)) });
    const before = (await readdir(dir)).sort();
    await serving(dir, async (server) => {
      expect(server.warnings).toEqual([]);
      const res = await get(server, '/models/lenet.train.onnx');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/octet-stream');
      expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(fixture.train))).toBe(true);
      expect((await get(server, '/models/lenet.train.onnx')).headers.get('etag')).toBe(res.headers.get('etag'));
    });
    expect((await readdir(dir)).sort()).toEqual(before);
  });

  test('a lenet.train.onnx beside the model is served as it is', async () => {
    const dir = await trainedFolder(undefined);
    // Not the bytes the server would build: a note in its metadata.
    const own = encodeModel(withMetadata(decodeModel(await readFile(fixture.train), fixture.train), { note: 'own' }));
    await writeFile(path.join(dir, 'lenet.train.onnx'), own);
    await serving(dir, async (server) => {
      expect(server.warnings).toEqual([]);
      const res = await get(server, '/models/lenet.train.onnx');
      expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(own))).toBe(true);
    });
  });

  test('a broken lenet.train.onnx beside the model is reported and the built graph stands in', async () => {
    const dir = await trainedFolder(undefined, { 'lenet.train.onnx': 'not a model' });
    await serving(dir, async (server) => {
      expect(server.warnings).toHaveLength(1);
      expect(server.warnings[0]).toMatch(/lenet\.train\.onnx.*: the page trains with LeNet-5's train-step graph, built in memory$/);
      expect(Buffer.from(await (await get(server, '/models/lenet.train.onnx')).arrayBuffer()).equals(await readFile(fixture.train))).toBe(true);
    });
  });

  test('a served model that is not LeNet-5 gets no train-step model: the panel is disabled, with why', async () => {
    const model = decodeModel(await readFile(fixture.inference), fixture.inference);
    const renamed = onnx.ModelProto.fromObject(onnx.ModelProto.toObject(model));
    const graph = renamed.graph as InstanceType<typeof onnx.GraphProto>;
    for (const t of graph.initializer) if (t.name === 'fc3.bias') t.name = 'head.bias';
    for (const n of graph.node) n.input = (n.input ?? []).map((i) => (i === 'fc3.bias' ? 'head.bias' : i));
    const dir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-serve-run-'));
    folders.push(dir);
    await writeFile(path.join(dir, 'lenet.onnx'), encodeModel(renamed));
    await serving(dir, async (server) => {
      expect(server.warnings).toEqual([expect.stringMatching(/^no train-step model at .*, and LeNet-5's cannot stand in \(it has no fc3\.bias\): the page's training panel is disabled$/)]);
      expect((await get(server, '/models/lenet.train.onnx')).status).toBe(404);
    });
  });
});

describe('serve: the served model\'s run (/models/metrics.json)', () => {
  test('metrics.json beside a model trained for as many epochs is served, checked, with the recipe and the data', async () => {
    const dir = await trainedFolder(2, { 'metrics.json': JSON.stringify(metricsJson(2)) });
    await serving(dir, async (server) => {
      const res = await get(server, '/models/metrics.json');
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
      const run = (await res.json()) as RunMetrics;
      expect(run.recipe).toEqual({ epochs: 3, batchSize: 64, lr: 0.001, lrSchedule: 'constant', augment: false, seed: 0 });
      expect(run.dataset).toEqual({ name: 'mnist-sample', source: '/cache/mnist-sample', train: 8000, test: 2000 });
      expect(run.epochs.map((e) => e.testAccuracy)).toEqual([0.8, 0.85]);
      expect(run).toMatchObject({ ep: 'cpu', threads: 2, step: 250, testAccuracy: 0.85 });
    });
  });

  test('no metrics.json: 404 and no warning', async () => {
    const dir = await trainedFolder(undefined);
    await serving(dir, async (server) => {
      expect(server.warnings).toEqual([]);
      expect((await get(server, '/models/metrics.json')).status).toBe(404);
    });
  });

  test.each([
    ['another run\'s (3 epochs recorded, the model says 2)', 2, JSON.stringify(metricsJson(3)), /records 3 epochs but lenet\.onnx is trained for 2 epochs: the metrics belong to another run/],
    ['beside an untrained model', undefined, JSON.stringify(metricsJson(1)), /records 1 epochs but lenet\.onnx is an untrained model/],
    ['not JSON', 1, '{ nope', /metrics\.json is not a metrics file written by onnx-lenet train \(/],
    ['a field of the wrong type', 1, JSON.stringify({ ...metricsJson(1), epochs: [{ ...epoch(1, 0.9), testLoss: 'low' }] }), /\(epochs\[0\]\.testLoss is not a finite number\)/],
  ])('metrics.json %s: not served, and the warning says why', async (_, epochs, text, warning) => {
    const dir = await trainedFolder(epochs, { 'metrics.json': text });
    await serving(dir, async (server) => {
      expect(server.warnings).toEqual([expect.stringMatching(warning)]);
      expect(server.warnings[0]).toMatch(/; the page shows no training curves$/);
      expect((await get(server, '/models/metrics.json')).status).toBe(404);
    });
  });

  test('parseRunMetrics keeps what the page shows and names the first bad field', () => {
    const run = parseRunMetrics({ ...metricsJson(1), options: { ...metricsJson(1).options as object, model: '/abs/models/mlp.train.onnx' }, extra: 'ignored' });
    expect(run.recipe.model).toBe('mlp.train.onnx');
    expect(Object.keys(run)).not.toContain('extra');
    expect(() => parseRunMetrics([])).toThrow('the file is not an object');
    expect(() => parseRunMetrics({ ...metricsJson(2), epochs: [epoch(1, 0.9), epoch(3, 0.9)] })).toThrow('epochs[1].epoch is 3, expected 2');
    expect(() => parseRunMetrics({ ...metricsJson(1), options: { ...metricsJson(1).options as object, augment: 'no' } })).toThrow('options.augment is not true or false');
    expect(() => parseRunMetrics({ ...metricsJson(1), dataset: { name: 'x', train: 0, test: 1 } })).toThrow('dataset.train is not an integer ≥ 1');
  });

  test('a --recipe strong run is described as one: its name, the warm-up and the warp\'s ranges (older files: shifts)', () => {
    const strong = { recipe: 'strong', augment: true, warmupEpochs: 1, augmentShift: 2, augmentRotate: 15, augmentScale: 0.15, augmentElastic: 2 };
    const run = parseRunMetrics({ ...metricsJson(1), options: { ...metricsJson(1).options as object, ...strong } });
    expect(run.recipe).toMatchObject({ name: 'strong', warmupEpochs: 1, augmentRange: { shift: 2, rotate: 15, scale: 0.15, elastic: 2 } });
    const text = describeRun(run);
    expect(text).toContain('<code>onnx-lenet train --recipe strong</code>');
    expect(text).toContain('warm-up 1 epoch, ');
    expect(text).toContain('random warps (±2 px, ±15°, ±15 % size, elastic ±2 px)');
    const clothes = parseRunMetrics({ ...metricsJson(1), options: { ...metricsJson(1).options as object, ...strong, augmentRotate: 0, augmentScale: 0, augmentElastic: 0 } });
    expect(describeRun(clothes)).toContain('random shifts (±2 px)');
    const older = parseRunMetrics({ ...metricsJson(1), options: { ...metricsJson(1).options as object, augment: true } });
    expect(describeRun(older)).toContain('seed 0, random shifts, on');
    expect(() => parseRunMetrics({ ...metricsJson(1), options: { ...metricsJson(1).options as object, ...strong, augmentRotate: 'x' } })).toThrow('options.augmentRotate is not a finite number');
  });
});
