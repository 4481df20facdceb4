/**
 * Inputs for one train step, without loading a data set: PyTorch-initialised parameters, zero Adam
 * state, the step-1 Adam scalars and a batch of MNIST-like images (mostly 0 background, so max-pool
 * windows hold ties as real digits do) with random labels.
 */
import * as ort from 'onnxruntime-node';
import {
  BIAS_CORRECTION2_SQRT, CLASSES, IMAGE, IMAGE_SIZE, LABEL, PIXELS, STEP_SIZE, adamM, adamScalars, adamV,
} from '../../src/graph/contract.js';
import { PARAMS, initParameters, paramSize } from '../../src/graph/params.js';
import { Mt19937 } from '../../src/util/rng.js';

export type Feeds = Record<string, ort.Tensor>;

/** `n` images of 784 floats in [0,1], ~80 % exactly 0, and `n` labels 0…9. */
export function syntheticBatch(n: number, seed = 7): { images: Float32Array; labels: Int32Array } {
  const rng = new Mt19937(seed);
  const images = new Float32Array(n * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextInt(5) === 0 ? rng.nextInt(256) / 255 : 0;
  const labels = Int32Array.from({ length: n }, () => rng.nextInt(CLASSES));
  return { images, labels };
}

export function trainFeeds(batch: number): Feeds {
  const params = initParameters(1);
  const feeds: Feeds = {};
  for (const spec of PARAMS) {
    const dims = [...spec.shape];
    feeds[spec.name] = new ort.Tensor('float32', params[spec.name], dims);
    feeds[adamM(spec.name)] = new ort.Tensor('float32', new Float32Array(paramSize(spec)), dims);
    feeds[adamV(spec.name)] = new ort.Tensor('float32', new Float32Array(paramSize(spec)), dims);
  }
  const s = adamScalars(1, 1e-3);
  feeds[STEP_SIZE] = new ort.Tensor('float32', Float32Array.of(s.stepSize), []);
  feeds[BIAS_CORRECTION2_SQRT] = new ort.Tensor('float32', Float32Array.of(s.biasCorrection2Sqrt), []);
  const { images, labels } = syntheticBatch(batch);
  feeds[IMAGE] = new ort.Tensor('float32', images, [batch, 1, IMAGE_SIZE, IMAGE_SIZE]);
  feeds[LABEL] = new ort.Tensor('int32', labels, [batch]);
  return feeds;
}
