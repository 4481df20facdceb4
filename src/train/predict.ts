/**
 * `predict(options)`: classify image files (PNG or JPEG, any size, dark-on-light or light-on-dark) with
 * an inference model, after the same MNIST-style preprocessing as the browser page.
 */
import { readFile } from 'node:fs/promises';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { CLASSES, PIXELS } from '../graph/contract.js';
import type { ModelInfo } from '../graph/metadata.js';
import { type PixelImage, preprocess } from '../image/preprocess.js';
import type { ExecutionProvider } from '../runtime/providers.js';
import { InferenceModel, argmaxRow } from './inference.js';

export interface PredictOptions {
  readonly model: string;
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

const isPng = (b: Uint8Array): boolean => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array): boolean => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes PNG or JPEG bytes to RGBA; the error names the file. */
export function decodeImage(bytes: Uint8Array, file: string): PixelImage {
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes));
      return { data: new Uint8Array(png.data), width: png.width, height: png.height, channels: 4 };
    }
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
      return { data: img.data, width: img.width, height: img.height, channels: 4 };
    }
  } catch (error) {
    throw new Error(`cannot decode image '${file}' (${(error as Error).message})`);
  }
  throw new Error(`'${file}' is not a PNG or JPEG image`);
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
  if (options.files.length === 0) throw new RangeError('no image files given');
  const images = new Float32Array(options.files.length * PIXELS);
  const inverted: boolean[] = [];
  for (const [i, file] of options.files.entries()) {
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
  const model = await InferenceModel.load(options.model, options.ep ?? 'cpu');
  try {
    const { probabilities } = await model.run(images, options.files.length);
    const predictions = options.files.map((file, i) => {
      const digit = argmaxRow(probabilities, i);
      const row = Array.from(probabilities.subarray(i * CLASSES, (i + 1) * CLASSES));
      return { file, digit, probability: row[digit], probabilities: row, inverted: inverted[i] };
    });
    return { modelInfo: model.info, predictions };
  } finally {
    await model.release();
  }
}
