/**
 * Training checkpoints: parameters, Adam state, the step, the position in the epoch, the RNG states and
 * the options, in one protobuf message (schema below, built with protobufjs), written atomically.
 *
 *   message Checkpoint { uint32 version = 1; string meta_json = 2; repeated Tensor tensors = 3; }
 *   message Tensor     { string name = 1; repeated uint32 dims = 2; bytes data = 3; }   // float32 LE
 */
import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import { CheckpointFieldError, type TrainProgress, parseCheckpointMeta } from './checkpoint-meta.js';
import { type HostState, sizeOf } from './step/state.js';
import type { ResumableOptions } from './types.js';

export const CHECKPOINT_VERSION = 1;

export type { TrainProgress };

export interface Checkpoint {
  readonly options: ResumableOptions;
  readonly progress: TrainProgress;
  /** The train step's state, by the model's input names (runners check it against their model). */
  readonly state: HostState;
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

export function encodeCheckpoint(checkpoint: Checkpoint): Uint8Array {
  const body: CheckpointBody = {
    version: CHECKPOINT_VERSION,
    metaJson: JSON.stringify({ options: checkpoint.options, progress: checkpoint.progress }),
    tensors: checkpoint.state.map(({ name, shape, data }) => ({
      name, dims: [...shape], data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    })),
  };
  return CheckpointMessage.encode(CheckpointMessage.fromObject(body)).finish();
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
  let json: unknown;
  try {
    json = JSON.parse(body.metaJson);
  } catch {
    return fail('its metadata is not valid JSON');
  }
  let meta: { options: ResumableOptions; progress: TrainProgress };
  try {
    meta = parseCheckpointMeta(json);
  } catch (error) {
    if (error instanceof CheckpointFieldError) return fail(error.message);
    throw error;
  }
  if (body.tensors.length === 0) fail('it holds no tensors');
  const names = new Set<string>();
  const state = body.tensors.map((t): HostState[number] => {
    if (names.has(t.name)) fail(`tensor '${t.name}' appears twice`);
    names.add(t.name);
    if (t.data.length !== sizeOf(t.dims) * 4) fail(`tensor '${t.name}' holds ${t.data.length / 4} values, expected ${sizeOf(t.dims)} for [${t.dims.join(',')}]`);
    const copy = new Uint8Array(t.data.length); // a Node Buffer's slice() would share its pool
    copy.set(t.data);
    return { name: t.name, shape: t.dims, data: new Float32Array(copy.buffer) };
  });
  return { options: meta.options, progress: meta.progress, state };
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
