/**
 * Host tensors and their protobuf form. Constants are written as little-endian `rawData`, which keeps
 * int64 free of `Long` and makes files small.
 */
import { type ITensorProto, type TensorProto, onnx } from './proto.js';
import type { DType } from './shape.js';

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface HostTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

const PROTO_TYPES: Record<DType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  bool: onnx.TensorProto.DataType.BOOL,
};

export function protoType(dtype: DType): number {
  return PROTO_TYPES[dtype];
}

export function dtypeOfProto(type: number): DType | undefined {
  return (Object.keys(PROTO_TYPES) as DType[]).find((k) => PROTO_TYPES[k] === type);
}

export function float32Tensor(dims: readonly number[], data: ArrayLike<number>): HostTensor {
  return { dtype: 'float32', dims, data: Float32Array.from(data) };
}

export function int64Tensor(dims: readonly number[], data: readonly number[]): HostTensor {
  return { dtype: 'int64', dims, data: BigInt64Array.from(data.map((v) => BigInt(v))) };
}

export function toTensorProto(name: string, tensor: HostTensor): TensorProto {
  const { data } = tensor;
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
  return onnx.TensorProto.create({ name, dims: [...tensor.dims], dataType: protoType(tensor.dtype), rawData: bytes });
}

/** Reads a float32 initializer back (raw bytes or float_data), e.g. from a trained model. */
export function float32FromProto(proto: ITensorProto): Float32Array {
  if (proto.dataType !== onnx.TensorProto.DataType.FLOAT) {
    throw new TypeError(`tensor '${proto.name}' has data type ${proto.dataType}, expected FLOAT (1)`);
  }
  if (proto.rawData && proto.rawData.length > 0) {
    const raw = proto.rawData;
    const copy = new Uint8Array(raw.length);
    copy.set(raw);
    return new Float32Array(copy.buffer);
  }
  return Float32Array.from(proto.floatData ?? []);
}
