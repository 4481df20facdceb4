/**
 * One-node ONNX models, for probing what an execution provider can run (doctor, kernel probes), written
 * with the graph builder's tape. Constant integer inputs (shapes, pads, axes) become int64/int32
 * initializers; the output's shape is left for ONNX Runtime to infer.
 */
import { type ModelProto, encodeModel } from '../graph/proto.js';
import { Tape, type Value } from '../graph/tape.js';
import { type HostTensor, int64Tensor } from '../graph/tensor.js';
import { type TensorType, dtypeOf } from './onnx.js';

export interface TinyInput {
  readonly name: string;
  readonly type: TensorType;
  /** Static dims; omitted for a scalar. */
  readonly dims?: readonly number[];
  /** Makes the input an initializer holding these integers (type must be int64 or int32). */
  readonly ints?: readonly number[];
}

export interface TinyOutput {
  readonly name: string;
  readonly type: TensorType;
}

export type TinyAttr = number | readonly number[] | string;

export interface TinyNode {
  readonly op: string;
  readonly opset: number;
  /** Node inputs in order; an empty name marks an omitted optional input. */
  readonly inputs: readonly (TinyInput | '')[];
  readonly outputs: readonly TinyOutput[];
  readonly attrs?: Readonly<Record<string, TinyAttr>>;
}

function intsTensor(type: TensorType, values: readonly number[]): HostTensor {
  if (type === 'int64') return int64Tensor([values.length], values);
  if (type === 'int32') return { dtype: 'int32', dims: [values.length], data: Int32Array.from(values) };
  throw new TypeError(`initializer ints need type int64 or int32, got '${type}'`);
}

/** Builds the model proto of a single node; inputs that are not initializers become graph inputs. */
export function tinyModel(spec: TinyNode): ModelProto {
  const tape = new Tape(`probe_${spec.op}`, { opset: spec.opset });
  const inputs = spec.inputs.map((input): Value | undefined => {
    if (input === '') return undefined;
    if (input.ints) return tape.initializer(input.name, intsTensor(input.type, input.ints));
    return tape.input(input.name, dtypeOf(input.type), input.dims ?? []);
  });
  const results = tape.node(spec.op, inputs, spec.outputs.map((o) => ({ dtype: dtypeOf(o.type) })), spec.attrs);
  results.forEach((value, k) => tape.output(value, spec.outputs[k].name));
  const model = tape.toModel();
  model.producerName = 'onnx-lenet probe';
  const node = model.graph?.node?.[0];
  if (node) node.name = `probe_${spec.op}`; // reports name the node: say which probe it was
  return model;
}

/** Encoded bytes of `tinyModel(spec)` (the tape verifies the proto before returning it). */
export function tinyModelBytes(spec: TinyNode): Uint8Array {
  return encodeModel(tinyModel(spec));
}

/** A float32 Relu over [1,4]: the smallest model every provider should run. */
export function reluModelBytes(): Uint8Array {
  return tinyModelBytes({
    op: 'Relu',
    opset: 17,
    inputs: [{ name: 'x', type: 'float', dims: [1, 4] }],
    outputs: [{ name: 'y', type: 'float' }],
  });
}
