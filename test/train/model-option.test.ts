/**
 * `train --model` through the library: a model make-trainable wrote (the PyTorch residual CNN fixture)
 * trained in one session of its train step, its trained `<stem>.onnx` (the inference model with the
 * trained initializers), `<stem>.ckpt` and metrics written as one set, resumed from the checkpoint,
 * and the runs it refuses.
 */
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readSourceGraph } from '../../src/autodiff/source.js';
import { makeTrainableFiles } from '../../src/autodiff/write.js';
import { decodeModel } from '../../src/graph/proto.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { loadTrainableModel } from '../../src/train/model-files.js';
import { train } from '../../src/train/trainer.js';
import { FIXTURE_DIR } from '../autodiff/fixtures.js';
import { idxImages, idxLabels } from '../data/helpers.js';

let work: string;
let data: string;
let models: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-model-'));
  data = path.join(work, 'data');
  await mkdir(data);
  const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 3) % 10);
  await writeFile(path.join(data, 'train-images-idx3-ubyte'), idxImages(128, (i, k) => (i * 7 + k) & 0xff));
  await writeFile(path.join(data, 'train-labels-idx1-ubyte'), idxLabels(labels(128)));
  await writeFile(path.join(data, 't10k-images-idx3-ubyte'), idxImages(32));
  await writeFile(path.join(data, 't10k-labels-idx1-ubyte'), idxLabels(labels(32)));
  models = path.join(work, 'models');
  await mkdir(models);
  await copyFile(path.join(FIXTURE_DIR, 'residual.onnx'), path.join(work, 'residual.onnx'));
  await makeTrainableFiles(path.join(work, 'residual.onnx'), { outDir: models });
});
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('train --model', () => {
  test('trains make-trainable\'s models, writes <stem>.onnx/.ckpt and resumes', async () => {
    const out = path.join(work, 'run');
    const common = { dataset: 'mnist' as const, dataDir: data, fallback: false, batchSize: 32, threads: 1, outDir: out };
    const first = await train({ ...common, model: models, epochs: 2, maxSteps: 3 });
    expect(first.step).toBe(3);
    expect((await readdir(out)).sort()).toEqual(['metrics.json', 'residual.ckpt', 'residual.onnx']);
    const ckpt = await readCheckpoint(path.join(out, 'residual.ckpt'));
    expect(ckpt.options.model).toBe(path.resolve(models, 'residual.train.onnx'));
    expect(ckpt.state.map((t) => t.name)).toContain('adam.m.fc.weight');

    // the trained inference model: the initial one's graph with the checkpoint's weights
    const initial = await loadTrainableModel(models);
    const trained = new Uint8Array(await readFile(path.join(out, 'residual.onnx')));
    const session = await ort.InferenceSession.create(trained);
    const image = new ort.Tensor('float32', new Float32Array(2 * 784).fill(0.5), [2, 1, 28, 28]);
    const logits = (await session.run({ image })).logits;
    expect(logits.dims).toEqual([2, 10]);
    await session.release();
    const weights = ckpt.state.find((t) => t.name === 'fc.weight')!.data;
    expect(weights).not.toEqual(initial.initial['fc.weight']);
    expect(readSourceGraph(decodeModel(trained, 'trained')).initializers.get('fc.weight')?.data).toEqual(weights);

    // resume: the model comes from the checkpoint
    const resumed = await train({ resume: path.join(out, 'residual.ckpt'), dataDir: data, threads: 1 });
    expect(resumed.interrupted).toBe(false);
    expect(resumed.history.length).toBe(2);
    expect(resumed.step).toBe(8); // 128 / 32 = 4 steps an epoch
  });

  test('on the CPU <stem>.grad.onnx runs the data-parallel runner: the one-session step\'s numbers, bit for bit with 1 thread', async () => {
    const solo = path.join(work, 'models-solo');
    await mkdir(solo);
    for (const f of ['residual.train.onnx', 'residual.eval.onnx', 'residual.onnx']) await copyFile(path.join(models, f), path.join(solo, f));
    expect((await loadTrainableModel(models)).gradient).toBeDefined();
    expect((await loadTrainableModel(solo)).gradient).toBeUndefined();
    const common = { dataset: 'mnist' as const, dataDir: data, fallback: false, batchSize: 32, threads: 1, epochs: 1, maxSteps: 3 };
    await train({ ...common, model: models, outDir: path.join(work, 'parallel') });
    await train({ ...common, model: solo, outDir: path.join(work, 'session') });
    const [a, b] = await Promise.all(['parallel', 'session'].map((d) => readCheckpoint(path.join(work, d, 'residual.ckpt'))));
    const byName = new Map(b.state.map((t) => [t.name, t.data]));
    expect(a.state.map((t) => t.name).sort()).toEqual([...byName.keys()].sort());
    for (const t of a.state) expect(t.data, t.name).toEqual(byName.get(t.name));
  });

  test('refuses to overwrite the initial weights, and a folder without a train-step model', async () => {
    await expect(train({ model: models, dataset: 'mnist', dataDir: data, fallback: false, outDir: models, maxSteps: 1 }))
      .rejects.toThrow(/would replace the initial weights/);
    await expect(train({ model: work, dataset: 'mnist', dataDir: data, fallback: false, maxSteps: 1 })).rejects.toThrow(/no \*\.train\.onnx/);
  });
});
