/**
 * Host tensors and their protobuf form. Constants are written as little-endian `rawData`, which keeps
 * int64 free of `Long` and makes files small.
 */
import { type DType, DATA_TYPE_CODES, dataTypeCode } from './dtype.js';
import { type ITensorProto, type TensorProto, onnx } from './proto.js';

export type TensorData = Float32Array | Int32Array | BigInt64Array | Uint8Array;

export interface HostTensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TensorData;
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
  return onnx.TensorProto.create({ name, dims: [...tensor.dims], dataType: dataTypeCode(tensor.dtype), rawData: bytes });
}

/** Reads a float32 initializer back (raw bytes or float_data), e.g. from a trained model. */
export function float32FromProto(proto: ITensorProto): Float32Array {
  if (proto.dataType !== DATA_TYPE_CODES.float32) {
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
