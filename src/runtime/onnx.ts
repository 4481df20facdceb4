/**
 * The ONNX tensor element types by the names ONNX Runtime's kernel tables use (`tensor(float)` →
 * `float`); their codes come from the builder's one table (src/graph/dtype.ts). onnx-proto itself is
 * loaded once, in src/graph/proto.ts, and re-exported here.
 */
import { type DType, dataTypeCode } from '../graph/dtype.js';

export {
  onnx, type IAttributeProto, type IModelProto, type INodeProto, type ITensorProto, type IValueInfoProto,
} from '../graph/proto.js';

/** Element types that appear in ONNX Runtime's kernel tables (a subset of TensorProto.DataType). */
export const TENSOR_TYPES = [
  'float', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'bool', 'float16', 'double', 'uint32',
  'uint64', 'bfloat16',
] as const;
export type TensorType = (typeof TENSOR_TYPES)[number];

/** The graph builder's name of a type: only `float` (float32) and `double` (float64) are spelled apart. */
export function dtypeOf(type: TensorType): DType {
  return type === 'float' ? 'float32' : type === 'double' ? 'float64' : type;
}

/** `TensorProto.DataType` number of a type name. */
export function elemTypeOf(type: TensorType): number {
  return dataTypeCode(dtypeOf(type));
}

/** Type name of a `TensorProto.DataType` number, or undefined for types outside the tables (string, …). */
export function typeName(elemType: number | null | undefined): TensorType | undefined {
  return TENSOR_TYPES.find((t) => elemTypeOf(t) === elemType);
}

export function isTensorType(value: string): value is TensorType {
  return (TENSOR_TYPES as readonly string[]).includes(value);
}
