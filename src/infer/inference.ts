/**
 * Loading a model that follows the inference contract (`image` float32 [N,1,28,28] in [0,1] →
 * `logits`, `probabilities` [N,10]) and running it; used by `eval` and `predict`.
 */
import { readFile } from 'node:fs/promises';
import type * as ort from 'onnxruntime-node';
import { Tensor } from '../runtime/ort-node.js';
import { CLASSES, IMAGE, IMAGE_SIZE, LOGITS, PIXELS, PROBABILITIES } from '../graph/contract.js';
import type { ModelInfo } from '../graph/metadata.js';
import { checkInferenceContract } from './contract-check.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import { createSession } from '../runtime/providers.js';
import { explainRunError } from '../runtime/session-errors.js';

export interface InferenceOutputs {
  /** N·10 logits */
  readonly logits: Float32Array;
  /** N·10 probabilities */
  readonly probabilities: Float32Array;
}

export class InferenceModel {
  /** producer and metadata_props of the file (graph/metadata.ts) */
  private constructor(private readonly session: ort.InferenceSession, readonly info: ModelInfo, private readonly file: string) {}

  static async load(file: string, ep: ExecutionProvider = 'cpu', threads?: number): Promise<InferenceModel> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new Error(`cannot read model '${file}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const info = checkInferenceContract(file, bytes);
    try {
      return new InferenceModel(await createSession(bytes, ep, { threads }), info, file);
    } catch (error) {
      if (ep !== 'cpu') throw error;
      throw new Error(`ONNX Runtime cannot load '${file}': ${(error as Error).message.split('\n')[0]}`);
    }
  }

  /** Runs `n` images (n·784 floats in [0,1]). */
  async run(images: Float32Array, n: number): Promise<InferenceOutputs> {
    if (images.length !== n * PIXELS) throw new RangeError(`expected ${n}·${PIXELS} pixels, got ${images.length}`);
    let out: ort.InferenceSession.ReturnType;
    try {
      // Severity 4: ORT's logger would print the failure in colour with C++ paths; the error says it once.
      out = await this.session.run({ [IMAGE]: new Tensor('float32', images, [n, 1, IMAGE_SIZE, IMAGE_SIZE]) }, { logSeverityLevel: 4 });
    } catch (error) {
      throw explainRunError(this.file, error);
    }
    const logits = out[LOGITS].data as Float32Array;
    const probabilities = out[PROBABILITIES] ? (out[PROBABILITIES].data as Float32Array) : softmaxRows(logits);
    return { logits, probabilities };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

function softmaxRows(logits: Float32Array): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length; r += CLASSES) {
    const row = logits.subarray(r, r + CLASSES);
    const max = Math.max(...row);
    let sum = 0;
    for (let k = 0; k < CLASSES; k++) sum += (out[r + k] = Math.exp(row[k] - max));
    for (let k = 0; k < CLASSES; k++) out[r + k] /= sum;
  }
  return out;
}

/** Index of the first maximum of row `r` (what torch.argmax / the seed's `max(1)` picks). */
export function argmaxRow(values: Float32Array, r: number): number {
  let best = 0;
  for (let k = 1; k < CLASSES; k++) if (values[r * CLASSES + k] > values[r * CLASSES + best]) best = k;
  return best;
}
