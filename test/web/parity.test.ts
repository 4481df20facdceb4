/**
 * Node-vs-browser parity: the same images through onnxruntime-node (CPU) and onnxruntime-web (WASM, run
 * here in Node) give the same logits within 1e-5, for the built model and for one whose weights were
 * replaced in place by the page's `replaceInitializers` (what the training panel does).
 */
import { readFile, rm } from 'node:fs/promises';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { initParameters } from '../../src/graph/params.js';
import { preprocess } from '../../src/image/preprocess.js';
import { replaceInitializers } from '../../web/src/onnx-weights.js';
import { buildFixtureModels, trainInNode, type ModelFiles } from './fixtures.js';

const COUNT = 48;
let models: ModelFiles;
let images: Float32Array;

beforeAll(async () => {
  models = await buildFixtureModels(0);
  const { test: split } = await loadDataset({ dataset: 'mnist-sample' });
  images = new Float32Array(COUNT * 784);
  for (let i = 0; i < COUNT; i++) {
    const bytes = split.images.subarray(i * 784, (i + 1) * 784);
    // Half straight from the data set, half through the page's preprocessing.
    images.set(i % 2 ? Float32Array.from(bytes, (b) => b / 255) : preprocess({ data: bytes, width: 28, height: 28, channels: 1 }).pixels, i * 784);
  }
});

afterAll(async () => {
  if (models) await rm(models.dir, { recursive: true, force: true });
});

async function logitsNode(model: Uint8Array): Promise<Float32Array> {
  const session = await ortNode.InferenceSession.create(model);
  const out = await session.run({ image: new ortNode.Tensor('float32', images, [COUNT, 1, 28, 28]) });
  await session.release();
  return out.logits.data as Float32Array;
}

async function logitsWeb(model: Uint8Array): Promise<Float32Array> {
  const session = await ortWeb.InferenceSession.create(model.slice(), { executionProviders: ['wasm'] });
  const out = await session.run({ image: new ortWeb.Tensor('float32', images, [COUNT, 1, 28, 28]) });
  await session.release();
  return out.logits.data as Float32Array;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
}

describe('onnxruntime-node vs onnxruntime-web (wasm)', () => {
  test('built model: logits agree within 1e-5', async () => {
    const model = new Uint8Array(await readFile(models.inference));
    const diff = maxAbsDiff(await logitsNode(model), await logitsWeb(model));
    console.log(`max |logit_node − logit_web| (initial weights): ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
  });

  test('model with trained weights written in place: logits agree within 1e-5', async () => {
    const { params } = await trainInNode(models.train, 60);
    const model = replaceInitializers(new Uint8Array(await readFile(models.inference)), params);
    const node = await logitsNode(model);
    const diff = maxAbsDiff(node, await logitsWeb(model));
    console.log(`max |logit_node − logit_web| (60 steps trained): ${diff.toExponential(2)}`);
    expect(diff).toBeLessThanOrEqual(1e-5);
    // The weights really changed: these logits differ from the initial model's.
    expect(maxAbsDiff(node, await logitsNode(new Uint8Array(await readFile(models.inference))))).toBeGreaterThan(0.1);
  });

  test('replacing weights equals building the model with them', async () => {
    const params = initParameters(7);
    const patched = replaceInitializers(new Uint8Array(await readFile(models.inference)), params);
    const other = await buildFixtureModels(7);
    try {
      expect(await logitsWeb(patched)).toEqual(await logitsWeb(new Uint8Array(await readFile(other.inference))));
    } finally {
      await rm(other.dir, { recursive: true, force: true });
    }
  });
});
