/**
 * One-node ONNX models, for probing what an execution provider can run (doctor, kernel probes).
 * Constant integer inputs (shapes, pads, axes) become int64/int32 initializers written as raw bytes.
 */
import {
  type IAttributeProto, type IModelProto, type INodeProto, type ITensorProto, type IValueInfoProto, type TensorType,
  elemTypeOf, onnx,
} from './onnx.js';

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

function rawInts(type: TensorType, values: readonly number[]): Uint8Array {
  if (type === 'int64') return new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
  if (type === 'int32') return new Uint8Array(Int32Array.from(values).buffer);
  throw new TypeError(`initializer ints need type int64 or int32, got '${type}'`);
}

function attribute(name: string, value: TinyAttr): IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: A.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: A.INT, i: value };
  return { name, type: A.INTS, ints: [...value] };
}

/** Builds the model proto of a single node; inputs that are not initializers become graph inputs. */
export function tinyModel(spec: TinyNode): IModelProto {
  const graphInputs: IValueInfoProto[] = [];
  const initializers: ITensorProto[] = [];
  for (const input of spec.inputs) {
    if (input === '') continue;
    if (input.ints) {
      initializers.push({ name: input.name, dataType: elemTypeOf(input.type), dims: [input.ints.length], rawData: rawInts(input.type, input.ints) });
      continue;
    }
    const dim = (input.dims ?? []).map((d) => ({ dimValue: d }));
    graphInputs.push({ name: input.name, type: { tensorType: { elemType: elemTypeOf(input.type), shape: { dim } } } });
  }
  const outputs = spec.outputs.map((o) => ({ name: o.name, type: { tensorType: { elemType: elemTypeOf(o.type) } } }));
  const node: INodeProto = {
    name: `probe_${spec.op}`,
    opType: spec.op,
    input: spec.inputs.map((i) => (i === '' ? '' : i.name)),
    output: spec.outputs.map((o) => o.name),
    attribute: Object.entries(spec.attrs ?? {}).map(([k, v]) => attribute(k, v)),
  };
  return {
    irVersion: 8,
    producerName: 'onnx-lenet probe',
    opsetImport: [{ domain: '', version: spec.opset }],
    graph: { name: `probe_${spec.op}`, node: [node], input: graphInputs, initializer: initializers, output: outputs },
  };
}

/** Encoded bytes of `tinyModel(spec)`, verified first. */
export function tinyModelBytes(spec: TinyNode): Uint8Array {
  const model = onnx.ModelProto.create(tinyModel(spec));
  const problem = onnx.ModelProto.verify(model);
  if (problem) throw new Error(`tiny ${spec.op} model is malformed: ${problem}`);
  return onnx.ModelProto.encode(model).finish();
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
