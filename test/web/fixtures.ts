/**
 * Models for the web tests. They come from the project's own graph builder (`buildGraphs`) written to a
 * temporary folder, and a *trained* inference model is made by running the train-step model with
 * onnxruntime-node on mnist-sample for a few hundred steps, then writing the weights into lenet.onnx's
 * bytes with the page's own `replaceInitializers`. Deterministic: fixed seed, fixed batch order, 1 thread.
 */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import { loadDataset } from '../../src/data/dataset.js';
import { buildGraphs } from '../../src/graph/export.js';
import {
  BIAS_CORRECTION2_SQRT, IMAGE, LABEL, LOSS, STATE_NAMES, STEP_SIZE, adamM, adamScalars, adamV, next,
} from '../../src/graph/contract.js';
import { PARAMS, initParameters, zerosLikeParams, type Params } from '../../src/graph/params.js';
import { Mt19937 } from '../../src/util/rng.js';
import { replaceInitializers } from '../../web/src/onnx-weights.js';

export interface ModelFiles {
  readonly dir: string;
  readonly inference: string;
  readonly train: string;
  readonly eval: string;
}

/** Fresh models (initial weights from `seed`) in a new temporary folder. */
export async function buildFixtureModels(seed = 0): Promise<ModelFiles> {
  const dir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-web-'));
  await buildGraphs({ outDir: dir, seed });
  return { dir, inference: path.join(dir, 'lenet.onnx'), train: path.join(dir, 'lenet.train.onnx'), eval: path.join(dir, 'lenet.eval.onnx') };
}

export interface NodeTraining {
  readonly params: Params;
  readonly losses: number[];
}

/** `steps` Adam steps of batch `batch` with onnxruntime-node (CPU, 1 thread), from initParameters(seed). */
export async function trainInNode(trainModel: string, steps: number, batch = 64, seed = 0): Promise<NodeTraining> {
  const { train } = await loadDataset({ dataset: 'mnist-sample' });
  const session = await ortNode.InferenceSession.create(trainModel, { executionProviders: ['cpu'], intraOpNumThreads: 1 });
  const init = initParameters(seed);
  const [m, v] = [zerosLikeParams(), zerosLikeParams()];
  const state = new Map<string, { data: Float32Array; shape: readonly number[] }>();
  for (const p of PARAMS) {
    state.set(p.name, { data: init[p.name], shape: p.shape });
    state.set(adamM(p.name), { data: m[p.name], shape: p.shape });
    state.set(adamV(p.name), { data: v[p.name], shape: p.shape });
  }
  const rng = new Mt19937(seed);
  const order = Uint32Array.from({ length: train.count }, (_, i) => i);
  const losses: number[] = [];
  let position = train.count;
  for (let step = 1; step <= steps; step++) {
    if (position + batch > train.count) [position] = [0, rng.shuffle(order)];
    const indices = order.subarray(position, (position += batch));
    const images = new Float32Array(batch * 784);
    indices.forEach((index, k) => images.set(Float32Array.from(train.images.subarray(index * 784, (index + 1) * 784), (b) => b / 255), k * 784));
    const scalars = adamScalars(step, 1e-3);
    const feeds: Record<string, ortNode.Tensor> = {
      [IMAGE]: new ortNode.Tensor('float32', images, [batch, 1, 28, 28]),
      [LABEL]: new ortNode.Tensor('int32', Int32Array.from(indices, (i) => train.labels[i]), [batch]),
      [STEP_SIZE]: new ortNode.Tensor('float32', Float32Array.of(scalars.stepSize), []),
      [BIAS_CORRECTION2_SQRT]: new ortNode.Tensor('float32', Float32Array.of(scalars.biasCorrection2Sqrt), []),
    };
    for (const [name, t] of state) feeds[name] = new ortNode.Tensor('float32', t.data, t.shape);
    const out = await session.run(feeds);
    for (const name of STATE_NAMES) state.get(name)!.data = out[next(name)].data as Float32Array;
    losses.push((out[LOSS].data as Float32Array)[0]);
  }
  await session.release();
  const params = {} as Params;
  for (const p of PARAMS) params[p.name] = state.get(p.name)!.data;
  return { params, losses };
}

/**
 * A folder holding a trained `lenet.onnx` (from `steps` steps in Node) next to the train-step model, as
 * `onnx-lenet serve --model <dir>/lenet.onnx` expects.
 */
export async function trainedModelFolder(steps = 400): Promise<ModelFiles & NodeTraining> {
  const fresh = await buildFixtureModels(0);
  const training = await trainInNode(fresh.train, steps);
  const dir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-trained-'));
  const files = { dir, inference: path.join(dir, 'lenet.onnx'), train: path.join(dir, 'lenet.train.onnx'), eval: path.join(dir, 'lenet.eval.onnx') };
  await writeFile(files.inference, replaceInitializers(await readFile(fresh.inference), training.params));
  await copyFile(fresh.train, files.train);
  await copyFile(fresh.eval, files.eval);
  return { ...files, ...training };
}
