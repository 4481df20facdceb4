/**
 * `predict(options)`: classify image files (PNG or JPEG, any size, dark-on-light or light-on-dark) with
 * an inference model, after the same MNIST-style preprocessing as the browser page.
 */
import { readFile } from 'node:fs/promises';
import { CLASSES, PIXELS } from '../graph/contract.js';
import type { ModelInfo } from '../graph/metadata.js';
import { decodeImage } from '../image/decode.js';
import { preprocess } from '../image/preprocess.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import { InferenceModel, argmaxRow } from './inference.js';
import { expandImageInputs } from './inputs.js';

/** Images decoded and run at a time: memory stays flat however many files there are. */
const CHUNK = 500;

export interface PredictOptions {
  readonly model: string;
  /** PNG/JPEG files, or folders of them (their .png/.jpg/.jpeg files, sorted by name). */
  readonly files: readonly string[];
  readonly ep?: ExecutionProvider;
}

export interface Prediction {
  readonly file: string;
  readonly digit: number;
  readonly probability: number;
  readonly probabilities: readonly number[];
  /** The image was light with dark ink and got inverted, as MNIST digits are light on black. */
  readonly inverted: boolean;
}

/** Predictions, and what the model file says it is (graph/metadata.ts). */
export interface PredictResult {
  readonly modelInfo: ModelInfo;
  readonly predictions: Prediction[];
}

export async function predict(options: PredictOptions): Promise<Prediction[]> {
  return (await predictWithInfo(options)).predictions;
}

export async function predictWithInfo(options: PredictOptions): Promise<PredictResult> {
  const files = await expandImageInputs(options.files);
  if (files.length === 0) throw new RangeError('no image files given');
  const model = await InferenceModel.load(options.model, options.ep ?? 'cpu');
  try {
    const predictions: Prediction[] = [];
    for (let start = 0; start < files.length; start += CHUNK) {
      const chunk = files.slice(start, start + CHUNK);
      const { images, inverted } = await readImages(chunk);
      const { probabilities } = await model.run(images, chunk.length);
      chunk.forEach((file, i) => {
        const digit = argmaxRow(probabilities, i);
        const row = Array.from(probabilities.subarray(i * CLASSES, (i + 1) * CLASSES));
        predictions.push({ file, digit, probability: row[digit], probabilities: row, inverted: inverted[i] });
      });
    }
    return { modelInfo: model.info, predictions };
  } finally {
    await model.release();
  }
}

/** Decodes and preprocesses `files` into one [n,1,28,28] batch. */
async function readImages(files: readonly string[]): Promise<{ images: Float32Array; inverted: boolean[] }> {
  const images = new Float32Array(files.length * PIXELS);
  const inverted: boolean[] = [];
  for (const [i, file] of files.entries()) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new Error(`cannot read image '${file}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const pre = preprocess(decodeImage(bytes, file));
    images.set(pre.pixels, i * PIXELS);
    inverted.push(pre.inverted);
  }
  return { images, inverted };
}
