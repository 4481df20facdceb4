/**
 * onnx-proto, with the message types the project uses. It is a CommonJS module whose `onnx` namespace is
 * not a statically detectable named export, and it is loaded with require(), not import: Node's ESM
 * loader first scans a CommonJS module's source for its exports, which for onnx-proto's 330 KB cost more
 * than loading it (tens of ms of every process's start-up).
 */
import { createRequire } from 'node:module';
import type * as OnnxProto from 'onnx-proto';
import type { onnx as Onnx } from 'onnx-proto';

export const onnx: typeof Onnx = (createRequire(import.meta.url)('onnx-proto') as typeof OnnxProto).onnx;

export type ModelProto = Onnx.ModelProto;
export type IModelProto = Onnx.IModelProto;
export type TensorProto = Onnx.TensorProto;
export type ITensorProto = Onnx.ITensorProto;
export type NodeProto = Onnx.NodeProto;
export type INodeProto = Onnx.INodeProto;
export type IAttributeProto = Onnx.IAttributeProto;
export type ValueInfoProto = Onnx.ValueInfoProto;
export type IValueInfoProto = Onnx.IValueInfoProto;
export type AttributeProto = Onnx.AttributeProto;
export type IDimension = Onnx.TensorShapeProto.IDimension;

/** Serialises a model to the bytes of a `.onnx` file. */
export function encodeModel(model: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Parses `.onnx` bytes; the error names the source and says it is not an ONNX model. */
export function decodeModel(bytes: Uint8Array, source: string): ModelProto {
  let model: ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new Error(`'${source}' is not an ONNX model (${(error as Error).message})`);
  }
  if (!model.graph) throw new Error(`'${source}' is not an ONNX model (it has no graph)`);
  return model;
}
