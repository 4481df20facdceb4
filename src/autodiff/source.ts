/**
 * A forward-only ONNX model read into plain data: its inputs, initializers, nodes (attributes decoded)
 * and outputs. Nothing is interpreted here; forward.ts gives the nodes shapes and re-records them.
 */
import { type DType, dtypeOfCode } from '../graph/dtype.js';
import type { IAttributeProto, IModelProto, ITensorProto, IValueInfoProto } from '../graph/proto.js';
import type { Dim } from '../graph/shape.js';
import type { HostTensor } from '../graph/tensor.js';

/** A decoded attribute: ints and floats as numbers, strings, lists, or a tensor (Constant's `value`). */
export type SourceAttribute = number | string | readonly number[] | readonly string[] | HostTensor;

export interface SourceNode {
  /** the node's name, or `<OpType>_<index>` when it has none */
  readonly name: string;
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, SourceAttribute>>;
}

export interface SourceValue {
  readonly name: string;
  readonly dtype: DType;
  readonly shape: readonly Dim[];
}

export interface SourceGraph {
  readonly name: string;
  readonly opset: number;
  /** graph inputs that are not initializers */
  readonly inputs: readonly SourceValue[];
  readonly initializers: ReadonlyMap<string, HostTensor>;
  readonly nodes: readonly SourceNode[];
  readonly outputs: readonly string[];
}

/** protobufjs gives int64 fields as numbers, or as Long objects when long.js is loaded. */
const num = (x: unknown): number => (typeof x === 'object' && x !== null ? Number(String(x)) : Number(x));

function copyBytes(raw: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  return copy.buffer;
}

/** A TensorProto's values: float32 (raw or float_data), int64 (raw or int64_data), int32, bool. */
export function hostTensor(t: ITensorProto, where: string): HostTensor {
  const dtype = dtypeOfCode(t.dataType);
  const dims = (t.dims ?? []).map(num);
  const raw = t.rawData && t.rawData.length > 0 ? copyBytes(t.rawData) : undefined;
  if (t.dataLocation === 1) throw new Error(`${where}: tensor '${t.name}' is stored outside the model (external data), which is not supported`);
  switch (dtype) {
    case 'float32': return { dtype, dims, data: raw ? new Float32Array(raw) : Float32Array.from(t.floatData ?? []) };
    case 'int64': return { dtype, dims, data: raw ? new BigInt64Array(raw) : BigInt64Array.from((t.int64Data ?? []).map((v) => BigInt(String(v)))) };
    case 'int32': return { dtype, dims, data: raw ? new Int32Array(raw) : Int32Array.from(t.int32Data ?? []) };
    case 'bool': return { dtype, dims, data: raw ? new Uint8Array(raw) : Uint8Array.from(t.int32Data ?? []) };
    default: throw new Error(`${where}: tensor '${t.name}' has element type ${dtype ?? t.dataType}; only float32, int64, int32 and bool are supported`);
  }
}

function attribute(a: IAttributeProto, where: string): SourceAttribute {
  const A = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7, STRINGS: 8 };
  switch (a.type) {
    case A.FLOAT: return a.f ?? 0;
    case A.INT: return num(a.i ?? 0);
    case A.STRING: return new TextDecoder().decode(a.s ?? new Uint8Array());
    case A.TENSOR: return hostTensor(a.t ?? {}, where);
    case A.FLOATS: return [...(a.floats ?? [])];
    case A.INTS: return (a.ints ?? []).map(num);
    case A.STRINGS: return (a.strings ?? []).map((s) => new TextDecoder().decode(s));
    default: throw new Error(`${where}: attribute '${a.name}' has a type (${a.type}) that is not supported`);
  }
}

function sourceValue(info: IValueInfoProto, source: string): SourceValue {
  const tt = info.type?.tensorType;
  const dtype = dtypeOfCode(tt?.elemType);
  if (!tt || !dtype) throw new Error(`${source}: input '${info.name}' is not a tensor of a supported element type`);
  if (!tt.shape) throw new Error(`${source}: input '${info.name}' has no shape`);
  const shape = tt.shape.dim?.map((d, i) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : `${info.name}_${i}`)) ?? [];
  return { name: info.name ?? '', dtype, shape };
}

/** Reads `model` (opset 13–17 of the default domain) into a SourceGraph; the error names what is wrong. */
export function readSourceGraph(model: IModelProto, source = 'model'): SourceGraph {
  const graph = model.graph;
  if (!graph) throw new Error(`${source}: not an ONNX model (no graph)`);
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  const version = opset ? num(opset.version) : 0;
  if (version < 13 || version > 17) throw new Error(`${source}: opset ${version} of the default domain is not supported (13–17 are)`);
  const initializers = new Map<string, HostTensor>();
  for (const t of graph.initializer ?? []) initializers.set(t.name ?? '', hostTensor(t, `${source}: initializer '${t.name}'`));
  const nodes = (graph.node ?? []).map((n, i): SourceNode => {
    const name = n.name || `${n.opType}_${i}`;
    if (n.domain && n.domain !== 'ai.onnx') throw new Error(`${source}: node '${name}' (${n.opType}) is in domain '${n.domain}'; only the default ONNX domain is supported`);
    const where = `${source}: node '${name}' (${n.opType})`;
    return {
      name, opType: n.opType ?? '', inputs: [...(n.input ?? [])], outputs: [...(n.output ?? [])],
      attributes: Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', attribute(a, where)])),
    };
  });
  return {
    name: graph.name || 'model',
    opset: version,
    inputs: (graph.input ?? []).filter((i) => !initializers.has(i.name ?? '')).map((i) => sourceValue(i, source)),
    initializers,
    nodes,
    outputs: (graph.output ?? []).map((o) => o.name ?? ''),
  };
}
