/**
 * What the trainer needs from an ONNX Runtime binding, whichever it is: onnxruntime-node (native, in
 * Node) or onnxruntime-web (WebAssembly or WebGPU, in Node or in a browser). Types only, so this file
 * can be loaded by the page as well as by Node; the implementations are `node.ts` and `web.ts`.
 */
import type * as ortNode from 'onnxruntime-node';
import type * as ortWeb from 'onnxruntime-web';

export const BINDING_KINDS = ['node', 'web'] as const;
/** 'node': onnxruntime-node; 'web': onnxruntime-web. */
export type BindingKind = (typeof BINDING_KINDS)[number];

export type BindingTensor = ortNode.Tensor | ortWeb.Tensor;
export type Feeds = Record<string, BindingTensor>;

/** Host arrays that named float32 outputs are written into, with their shapes. */
export type OutputArrays = Readonly<Record<string, { readonly data: Float32Array; readonly dims: readonly number[] }>>;

/** An input or output of a model: its name, element type ('float32', 'int32', …) and shape (names for dynamic axes). */
export interface ValueSpec {
  readonly name: string;
  readonly type: string;
  readonly shape: readonly (number | string)[];
}

export interface SessionOptions {
  /** The execution provider: 'cpu' | 'cuda' | 'webgpu' on onnxruntime-node; 'wasm' | 'webgpu' on onnxruntime-web. Default 'cpu' / 'wasm'. */
  readonly executionProvider?: string;
  /** onnxruntime-node CPU: intra-op threads (the web binding's threads are global: `ort.env.wasm.numThreads`). */
  readonly threads?: number;
  /** Outputs to keep in device memory (GPU providers), so they can be fed back as inputs without a copy. */
  readonly keepOnDevice?: readonly string[];
}

export interface BindingSession {
  readonly inputs: readonly ValueSpec[];
  readonly outputNames: readonly string[];
  /**
   * Runs the model. Outputs named in `into` are written into those host arrays (and not returned); the
   * other outputs come back as tensors, which may live on the device (see SessionOptions.keepOnDevice).
   */
  run(feeds: Feeds, into?: OutputArrays): Promise<Record<string, BindingTensor>>;
  /** Host copies of float32 tensors returned by this session's run, by name (downloads device tensors). */
  download(tensors: Readonly<Record<string, BindingTensor>>): Promise<Record<string, Float32Array>>;
  release(): Promise<void>;
}

export interface Binding {
  readonly kind: BindingKind;
  float32(data: Float32Array, dims: readonly number[]): BindingTensor;
  int32(data: Int32Array, dims: readonly number[]): BindingTensor;
  createSession(model: Uint8Array, options?: SessionOptions): Promise<BindingSession>;
}
