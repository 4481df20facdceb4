/**
 * Element types and their ONNX `TensorProto.DataType` codes: the one table of these codes in the project.
 *
 * The graph builder names a type after the typed array that holds it (`float32`, `float64`). ONNX
 * Runtime's kernel tables use ONNX's type strings instead (`tensor(float)`, `tensor(double)`); src/runtime
 * keeps that spelling as `TensorType` (src/runtime/onnx.ts) and maps it onto this table. No imports, so
 * the browser page can use it as it is.
 */
export const DATA_TYPE_CODES = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10,
  float64: 11, uint32: 12, uint64: 13, bfloat16: 16,
} as const;

/** Element type of a graph value. The LeNet models use float32, int32, int64 and bool; probes use any. */
export type DType = keyof typeof DATA_TYPE_CODES;

/** `TensorProto.DataType` code of `dtype`. */
export function dataTypeCode(dtype: DType): number {
  return DATA_TYPE_CODES[dtype];
}

/** The dtype with ONNX data type `code`, or undefined for types outside the table (string, complex, …). */
export function dtypeOfCode(code: number | null | undefined): DType | undefined {
  return (Object.keys(DATA_TYPE_CODES) as DType[]).find((d) => DATA_TYPE_CODES[d] === code);
}
