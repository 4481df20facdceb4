/**
 * Models for the web tests. They come from the project's own graph builder (`buildGraphs`) written to a
 * temporary folder, and a *trained* inference model is made by running the train-step model with
 * onnxruntime-node on mnist-sample for a few hundred steps, then writing the weights into lenet.onnx's
 * bytes with the page's own `replaceInitializers`. Deterministic: fixed seed, fixed batch order, 1 thread.
 */
import { copyFile, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BatchIterator } from '../../src/data/batches.js';
import { loadDataset } from '../../src/data/dataset.js';
import { buildGraphs } from '../../src/graph/export.js';
import { ADAM, adamScalars } from '../../src/graph/contract.js';
import { asParams, initParameters, type Params } from '../../src/graph/params.js';
import { nodeBinding } from '../../src/runtime/binding/node.js';
import { TrainStepSession } from '../../src/train/step/session-step.js';
import { augmentSeed, shiftBatch } from '../../src/train/augment.js';
import { modelState } from '../../src/train/step/state.js';
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

export interface NodeTrainingOptions {
  /** Adam's learning rate (default ADAM.lr). */
  readonly lr?: number;
  /** Shift images by up to this many pixels (src/train/augment.ts, its own seeded stream); 0: off. */
  readonly augment?: number;
}

/**
 * `steps` Adam steps of batch `batch` with onnxruntime-node (CPU, 1 thread), from initParameters(seed),
 * batches in the page's order (BatchIterator over a second MT19937 seeded alike; web/src/batch-order.ts).
 */
export async function trainInNode(trainModel: string, steps: number, batch = 64, seed = 0, options: NodeTrainingOptions = {}): Promise<NodeTraining> {
  const { train } = await loadDataset({ dataset: 'mnist-sample' });
  const session = await TrainStepSession.create(nodeBinding, await readFile(trainModel), { params: initParameters(seed) }, { threads: 1 });
  const order = new BatchIterator(train, batch, { shuffle: true, rng: new Mt19937(seed) });
  const shifts = new Mt19937(augmentSeed(seed));
  const losses: number[] = [];
  try {
    for (let step = 1; step <= steps;) {
      for (const b of order.epoch()) {
        if (step > steps) break;
        if (options.augment) shiftBatch(b, shifts, options.augment);
        const scalars = adamScalars(step++, options.lr ?? ADAM.lr);
        losses.push((await session.step(b, scalars.stepSize, scalars.biasCorrection2Sqrt)).loss);
      }
    }
    return { params: asParams(modelState(await session.readState())), losses };
  } finally {
    await session.release();
  }
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
