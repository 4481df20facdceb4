/**
 * Loading a model that follows the inference contract (`image` float32 [N,1,28,28] in [0,1] →
 * `logits`, `probabilities` [N,10]) and running it; used by `eval` and `predict`.
 */
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { CLASSES, IMAGE, IMAGE_SIZE, LOGITS, PIXELS, PROBABILITIES } from '../graph/contract.js';
import { dataTypeCode } from '../graph/dtype.js';
import { type ModelInfo, modelInfo } from '../graph/metadata.js';
import { decodeModel, type IValueInfoProto } from '../graph/proto.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import { createSession } from '../runtime/providers.js';

export interface InferenceOutputs {
  /** N·10 logits */
  readonly logits: Float32Array;
  /** N·10 probabilities */
  readonly probabilities: Float32Array;
}

function dims(info: IValueInfoProto | undefined): (number | string)[] | undefined {
  return info?.type?.tensorType?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
}

/** Checks the contract from the ONNX graph itself; the error names the file and what is off. Returns what the model says it is. */
function checkContract(file: string, bytes: Uint8Array): ModelInfo {
  const model = decodeModel(bytes, file);
  const graph = model.graph;
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = (graph?.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  const image = inputs.find((i) => i.name === IMAGE);
  const logits = (graph?.output ?? []).find((o) => o.name === LOGITS);
  const bad = (what: string): Error =>
    new Error(`'${file}' is not a LeNet inference model: ${what} (expected input image float32 [N,1,28,28], output logits [N,10]); build one with \`onnx-lenet build-graph\` or \`onnx-lenet train\``);
  if (!image || inputs.length !== 1) {
    const names = inputs.map((i) => i.name);
    throw bad(names.length === 0 ? 'it has no inputs' : `it has ${names.length} inputs (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`);
  }
  const d = dims(image);
  if (image.type?.tensorType?.elemType !== dataTypeCode('float32') || !d || d.length !== 4 || d[1] !== 1 || d[2] !== IMAGE_SIZE || d[3] !== IMAGE_SIZE) {
    throw bad(`input image is [${d?.join(',') ?? '?'}]`);
  }
  const l = dims(logits);
  if (!logits || !l || l.length !== 2 || l[1] !== CLASSES) throw bad(logits ? `output logits is [${l?.join(',') ?? '?'}]` : 'it has no logits output');
  return modelInfo(model);
}

export class InferenceModel {
  /** producer and metadata_props of the file (graph/metadata.ts) */
  private constructor(private readonly session: ort.InferenceSession, readonly info: ModelInfo) {}

  static async load(file: string, ep: ExecutionProvider = 'cpu', threads?: number): Promise<InferenceModel> {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (error) {
      throw new Error(`cannot read model '${file}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
    const info = checkContract(file, bytes);
    try {
      return new InferenceModel(await createSession(bytes, ep, { threads }), info);
    } catch (error) {
      if (ep !== 'cpu') throw error;
      throw new Error(`ONNX Runtime cannot load '${file}': ${(error as Error).message.split('\n')[0]}`);
    }
  }

  /** Runs `n` images (n·784 floats in [0,1]). */
  async run(images: Float32Array, n: number): Promise<InferenceOutputs> {
    if (images.length !== n * PIXELS) throw new RangeError(`expected ${n}·${PIXELS} pixels, got ${images.length}`);
    const out = await this.session.run({ [IMAGE]: new ort.Tensor('float32', images, [n, 1, IMAGE_SIZE, IMAGE_SIZE]) });
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
