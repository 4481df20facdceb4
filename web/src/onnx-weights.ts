/**
 * Reads and replaces float32 initializers inside serialized ONNX bytes, without an ONNX library.
 *
 * The page trains LeNet with the train-step model and then needs an inference model holding the new
 * weights. The inference model stores each parameter as an initializer named like the parameter
 * (`conv1.weight`, …) with its values as raw little-endian bytes; replacing values of the same size
 * leaves every protobuf length prefix unchanged, so the new model is the old bytes with the weight
 * bytes overwritten in place. Works in browsers and Node (no DOM, no Node APIs).
 *
 * The page's model summary reads the same way which operator takes each initializer.
 *
 * Protobuf fields used: ModelProto.graph = 7; GraphProto.node = 1, initializer = 5; NodeProto.input = 1,
 * op_type = 4; TensorProto.dims = 1, data_type = 2, float_data = 4 (packed), name = 8, raw_data = 9.
 */

import { DATA_TYPE_CODES } from '../../src/graph/dtype.js';

const MODEL_GRAPH = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const NODE_INPUT = 1;
const NODE_OP_TYPE = 4;
const TENSOR_DIMS = 1;
const TENSOR_DATA_TYPE = 2;
const TENSOR_FLOAT_DATA = 4;
const TENSOR_NAME = 8;
const TENSOR_RAW_DATA = 9;
const WIRE_VARINT = 0, WIRE_I64 = 1, WIRE_LEN = 2, WIRE_I32 = 5;

/** Where a float32 initializer's values sit in the model bytes. */
export interface InitializerLocation {
  readonly name: string;
  /** Byte offset of the first value. */
  readonly offset: number;
  /** Number of float32 values. */
  readonly length: number;
  readonly dims: readonly number[];
}

/** One operator of the graph: its type and input names. */
export interface NodeInfo {
  readonly opType: string;
  readonly inputs: readonly string[];
}

interface Field {
  readonly number: number;
  readonly wire: number;
  /** For varints: the value; for length-delimited fields: the payload's [start, end). */
  readonly value: number;
  readonly start: number;
  readonly end: number;
}

function readVarint(bytes: Uint8Array, pos: number): { value: number; pos: number } {
  let value = 0;
  for (let shift = 0; shift < 64; shift += 7) {
    if (pos >= bytes.length) throw new RangeError('ONNX bytes end inside a varint');
    const byte = bytes[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return { value, pos };
  }
  throw new RangeError('malformed varint in ONNX bytes');
}

/** The fields of one message occupying bytes[start, end). */
function* fields(bytes: Uint8Array, start: number, end: number): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const tag = readVarint(bytes, pos);
    const number = Math.floor(tag.value / 8);
    const wire = tag.value % 8;
    pos = tag.pos;
    if (wire === WIRE_VARINT) {
      const v = readVarint(bytes, pos);
      yield { number, wire, value: v.value, start: pos, end: v.pos };
      pos = v.pos;
    } else if (wire === WIRE_LEN) {
      const len = readVarint(bytes, pos);
      const payloadEnd = len.pos + len.value;
      if (payloadEnd > end) throw new RangeError(`field ${number} runs past the end of its message`);
      yield { number, wire, value: len.value, start: len.pos, end: payloadEnd };
      pos = payloadEnd;
    } else if (wire === WIRE_I64 || wire === WIRE_I32) {
      const size = wire === WIRE_I64 ? 8 : 4;
      yield { number, wire, value: 0, start: pos, end: pos + size };
      pos += size;
    } else {
      throw new RangeError(`unsupported protobuf wire type ${wire} in ONNX bytes`);
    }
  }
}

const text = (bytes: Uint8Array, f: Field): string => new TextDecoder().decode(bytes.subarray(f.start, f.end));

function tensorLocation(bytes: Uint8Array, start: number, end: number): InitializerLocation | undefined {
  let name = '', dataType = 0, data: Field | undefined;
  const dims: number[] = [];
  for (const f of fields(bytes, start, end)) {
    if (f.number === TENSOR_NAME && f.wire === WIRE_LEN) name = text(bytes, f);
    else if (f.number === TENSOR_DIMS && f.wire === WIRE_VARINT) dims.push(f.value);
    else if (f.number === TENSOR_DIMS && f.wire === WIRE_LEN) {
      for (let pos = f.start; pos < f.end;) {
        const v = readVarint(bytes, pos);
        dims.push(v.value);
        pos = v.pos;
      }
    } else if (f.number === TENSOR_DATA_TYPE && f.wire === WIRE_VARINT) dataType = f.value;
    else if ((f.number === TENSOR_RAW_DATA || f.number === TENSOR_FLOAT_DATA) && f.wire === WIRE_LEN) data = f;
  }
  if (dataType !== DATA_TYPE_CODES.float32 || data === undefined) return undefined;
  return { name, offset: data.start, length: (data.end - data.start) / 4, dims };
}

/** The operators of the model's main graph, in order. */
export function findNodes(model: Uint8Array): NodeInfo[] {
  const nodes: NodeInfo[] = [];
  for (const g of fields(model, 0, model.length)) {
    if (g.number !== MODEL_GRAPH || g.wire !== WIRE_LEN) continue;
    for (const f of fields(model, g.start, g.end)) {
      if (f.number !== GRAPH_NODE || f.wire !== WIRE_LEN) continue;
      let opType = '';
      const inputs: string[] = [];
      for (const n of fields(model, f.start, f.end)) {
        if (n.number === NODE_OP_TYPE && n.wire === WIRE_LEN) opType = text(model, n);
        else if (n.number === NODE_INPUT && n.wire === WIRE_LEN) inputs.push(text(model, n));
      }
      nodes.push({ opType, inputs });
    }
  }
  return nodes;
}

/** Every float32 initializer (stored as raw_data or packed float_data) of the model's main graph. */
export function findInitializers(model: Uint8Array): Map<string, InitializerLocation> {
  const found = new Map<string, InitializerLocation>();
  for (const g of fields(model, 0, model.length)) {
    if (g.number !== MODEL_GRAPH || g.wire !== WIRE_LEN) continue;
    for (const f of fields(model, g.start, g.end)) {
      if (f.number !== GRAPH_INITIALIZER || f.wire !== WIRE_LEN) continue;
      const location = tensorLocation(model, f.start, f.end);
      if (location) found.set(location.name, location);
    }
  }
  return found;
}

/** The values of the named float32 initializers. */
export function readInitializers(model: Uint8Array, names: readonly string[]): Map<string, Float32Array> {
  const locations = findInitializers(model);
  const view = new DataView(model.buffer, model.byteOffset, model.byteLength);
  const out = new Map<string, Float32Array>();
  for (const name of names) {
    const at = locations.get(name);
    if (!at) throw new RangeError(`the model has no float32 initializer named '${name}'`);
    out.set(name, Float32Array.from({ length: at.length }, (_, i) => view.getFloat32(at.offset + 4 * i, true)));
  }
  return out;
}

/**
 * A copy of `model` whose named initializers hold `values` instead. Each replacement must have exactly
 * as many values as the initializer it replaces.
 */
export function replaceInitializers(model: Uint8Array, values: ReadonlyMap<string, Float32Array> | Readonly<Record<string, Float32Array>>): Uint8Array {
  const entries = values instanceof Map ? [...values] : Object.entries(values);
  const locations = findInitializers(model);
  const out = model.slice();
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (const [name, data] of entries) {
    const at = locations.get(name);
    if (!at) throw new RangeError(`the model has no float32 initializer named '${name}'`);
    if (at.length !== data.length) {
      throw new RangeError(`initializer '${name}' holds ${at.length} values, the replacement ${data.length}`);
    }
    for (let i = 0; i < data.length; i++) view.setFloat32(at.offset + 4 * i, data[i], true);
  }
  return out;
}
