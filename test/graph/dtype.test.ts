import { describe, expect, test } from 'vitest';
import { DATA_TYPE_CODES, type DType, dataTypeCode, dtypeOfCode } from '../../src/graph/dtype.js';
import { onnx } from '../../src/graph/proto.js';
import { TENSOR_TYPES, elemTypeOf, typeName } from '../../src/runtime/onnx.js';

/** onnx-proto's enum name for each dtype: the builder spells FLOAT and DOUBLE after their typed arrays. */
const ENUM_NAME = (d: DType): string => (d === 'float32' ? 'FLOAT' : d === 'float64' ? 'DOUBLE' : d.toUpperCase());

describe('the one data type table', () => {
  test.each(Object.keys(DATA_TYPE_CODES) as DType[])('%s has onnx-proto\'s TensorProto.DataType code', (dtype) => {
    const codes = onnx.TensorProto.DataType as unknown as Record<string, number>;
    expect(dataTypeCode(dtype)).toBe(codes[ENUM_NAME(dtype)]);
    expect(dtypeOfCode(dataTypeCode(dtype))).toBe(dtype);
  });

  test('codes outside the table have no dtype', () => {
    expect(dtypeOfCode(onnx.TensorProto.DataType.STRING)).toBeUndefined();
    expect(dtypeOfCode(undefined)).toBeUndefined();
  });

  test('the kernel-table names map onto the same codes', () => {
    expect(elemTypeOf('float')).toBe(1);
    expect(elemTypeOf('double')).toBe(11);
    for (const t of TENSOR_TYPES) expect(typeName(elemTypeOf(t))).toBe(t);
  });
});
