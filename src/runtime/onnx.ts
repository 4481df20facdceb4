/**
 * The ONNX tensor element types by the names ONNX Runtime's kernel tables use (`tensor(float)` →
 * `float`); onnx-proto itself is loaded once, in src/graph/proto.ts, and re-exported here.
 */
export {
  onnx, type IAttributeProto, type IModelProto, type INodeProto, type ITensorProto, type IValueInfoProto,
} from '../graph/proto.js';

/** Element types that appear in ONNX Runtime's kernel tables (a subset of TensorProto.DataType). */
export const TENSOR_TYPES = [
  'float', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'bool', 'float16', 'double', 'uint32',
  'uint64', 'bfloat16',
] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

const ENUM_BY_NAME: Readonly<Record<TensorType, number>> = {
  float: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, double: 11,
  uint32: 12, uint64: 13, bfloat16: 16,
};

/** `TensorProto.DataType` number of a type name. */
export function elemTypeOf(type: TensorType): number {
  return ENUM_BY_NAME[type];
}

/** Type name of a `TensorProto.DataType` number, or undefined for types outside the tables (string, …). */
export function typeName(elemType: number | null | undefined): TensorType | undefined {
  return TENSOR_TYPES.find((t) => ENUM_BY_NAME[t] === elemType);
}

export function isTensorType(value: string): value is TensorType {
  return (TENSOR_TYPES as readonly string[]).includes(value);
}
