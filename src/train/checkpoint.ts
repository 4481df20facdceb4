/**
 * Training checkpoints: parameters, Adam state, the step, the position in the epoch, the RNG states and
 * the options, in one protobuf message (schema below, built with protobufjs), written atomically.
 *
 *   message Checkpoint { uint32 version = 1; string meta_json = 2; repeated Tensor tensors = 3; }
 *   message Tensor     { string name = 1; repeated uint32 dims = 2; bytes data = 3; }   // float32 LE
 */
import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import { STATE_NAMES, adamM, adamV } from '../graph/contract.js';
import { PARAMS, type Params, paramSize } from '../graph/params.js';
import type { RngState } from '../util/rng.js';
import { writeFileAtomic } from '../util/fs.js';
import type { OptimizerState } from './step-runner.js';
import type { EpochMetrics, ResumableOptions } from './types.js';

export const CHECKPOINT_VERSION = 1;

/** Where training stands: enough to continue exactly where it stopped. */
export interface TrainProgress {
  /** Adam steps taken so far. */
  readonly step: number;
  /** 0-based epoch in progress (equals the number of finished epochs when batchInEpoch is 0). */
  readonly epoch: number;
  /** Batches of that epoch already trained on. */
  readonly batchInEpoch: number;
  /** The data RNG as it was before this epoch's shuffle. */
  readonly epochRng: RngState;
  /** The augmentation RNG now. */
  readonly augmentRng: RngState;
  /** Running sums of the epoch in progress. */
  readonly epochStats: { readonly lossSum: number; readonly correct: number; readonly seen: number; readonly elapsedMs: number };
  readonly history: readonly EpochMetrics[];
  /** Images in the training split, to refuse resuming on different data. */
  readonly trainCount: number;
}

export interface Checkpoint {
  readonly options: ResumableOptions;
  readonly progress: TrainProgress;
  readonly state: OptimizerState;
}

const Tensor = new protobuf.Type('Tensor')
  .add(new protobuf.Field('name', 1, 'string'))
  .add(new protobuf.Field('dims', 2, 'uint32', 'repeated'))
  .add(new protobuf.Field('data', 3, 'bytes'));
const CheckpointMessage = new protobuf.Type('Checkpoint')
  .add(new protobuf.Field('version', 1, 'uint32'))
  .add(new protobuf.Field('metaJson', 2, 'string'))
  .add(new protobuf.Field('tensors', 3, 'Tensor', 'repeated'));
new protobuf.Root().define('onnx_lenet').add(Tensor).add(CheckpointMessage);

interface TensorMessage { name: string; dims: number[]; data: Uint8Array }
interface CheckpointBody { version: number; metaJson: string; tensors: TensorMessage[] }

function stateEntries(state: OptimizerState): [string, Float32Array, readonly number[]][] {
  return PARAMS.flatMap((spec) => [
    [spec.name, state.params[spec.name], spec.shape],
    [adamM(spec.name), state.m[spec.name], spec.shape],
    [adamV(spec.name), state.v[spec.name], spec.shape],
  ] as [string, Float32Array, readonly number[]][]);
}

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const body: CheckpointBody = {
    version: CHECKPOINT_VERSION,
    metaJson: JSON.stringify({ options: checkpoint.options, progress: checkpoint.progress }),
    tensors: stateEntries(checkpoint.state).map(([name, data, dims]) => ({
      name, dims: [...dims], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    })),
  };
  return CheckpointMessage.encode(CheckpointMessage.fromObject(body)).finish();
}

export async function writeCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await writeFileAtomic(file, encodeCheckpoint(checkpoint));
}

export function decodeCheckpoint(bytes: Uint8Array, source: string): Checkpoint {
  const fail = (why: string): never => {
    throw new Error(`'${source}' is not a usable onnx-lenet checkpoint: ${why}`);
  };
  let body: CheckpointBody;
  try {
    body = CheckpointMessage.toObject(CheckpointMessage.decode(bytes), { defaults: true }) as CheckpointBody;
  } catch (error) {
    return fail(`cannot decode it (${(error as Error).message})`);
  }
  if (body.version !== CHECKPOINT_VERSION) fail(`format version ${body.version}, expected ${CHECKPOINT_VERSION}`);
  let meta: { options: ResumableOptions; progress: TrainProgress };
  try {
    meta = JSON.parse(body.metaJson) as typeof meta;
  } catch {
    return fail('its metadata is not valid JSON');
  }
  if (!meta?.options || !meta?.progress || typeof meta.progress.step !== 'number') fail('its metadata lacks options or progress');
  const byName = new Map(body.tensors.map((t) => [t.name, t]));
  const read = (name: string, size: number): Float32Array => {
    const t = byName.get(name) ?? fail(`tensor '${name}' is missing`);
    if (t.data.length !== size * 4) fail(`tensor '${name}' holds ${t.data.length / 4} values, expected ${size}`);
    const copy = new Uint8Array(t.data.length); // a Node Buffer's slice() would share its pool
    copy.set(t.data);
    return new Float32Array(copy.buffer);
  };
  const params = {} as Params, m = {} as Params, v = {} as Params;
  for (const spec of PARAMS) {
    params[spec.name] = read(spec.name, paramSize(spec));
    m[spec.name] = read(adamM(spec.name), paramSize(spec));
    v[spec.name] = read(adamV(spec.name), paramSize(spec));
  }
  if (body.tensors.length !== STATE_NAMES.length) fail(`it holds ${body.tensors.length} tensors, expected ${STATE_NAMES.length}`);
  return { options: meta.options, progress: meta.progress, state: { params, m, v } };
}

export async function readCheckpoint(file: string): Promise<Checkpoint> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new Error(`cannot read checkpoint '${file}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return decodeCheckpoint(bytes, file);
}
