/**
 * The two ONNX Runtime bindings a CPU training part can run on, behind one small interface:
 * - 'node': onnxruntime-node (native, MLAS with AVX2/AVX-512); outputs are written straight into the
 *   part's buffers (pre-allocated outputs);
 * - 'web': onnxruntime-web's WebAssembly build, one WASM thread per part, as in a browser; it ignores
 *   pre-allocated CPU outputs (checked with 1.30: they stay zero), so outputs are copied out.
 */
import * as ortNode from 'onnxruntime-node';
import type * as ortWeb from 'onnxruntime-web';
import { createSession } from '../../runtime/providers.js';

export const PART_BACKENDS = ['node', 'web'] as const;
export type PartBackend = (typeof PART_BACKENDS)[number];

export type BackendTensor = ortNode.Tensor | ortWeb.Tensor;
export type BackendFeeds = Record<string, BackendTensor>;
/** Where each float32 output goes, with its shape: the same object (and arrays) on every run of a session. */
export type OutputArrays = Readonly<Record<string, { readonly data: Float32Array; readonly dims: readonly number[] }>>;

export interface BackendSession {
  /** Runs the model on `feeds` and leaves each named output in its array of `outputs`. */
  run(feeds: BackendFeeds, outputs: OutputArrays): Promise<void>;
  release(): Promise<void>;
}

export interface Backend {
  readonly kind: PartBackend;
  float32(data: Float32Array, dims: readonly number[]): BackendTensor;
  int32(data: Int32Array, dims: readonly number[]): BackendTensor;
  /** A session on one thread. */
  createSession(model: Uint8Array): Promise<BackendSession>;
}

function nodeBackend(): Backend {
  return {
    kind: 'node',
    float32: (data, dims) => new ortNode.Tensor('float32', data, [...dims]),
    int32: (data, dims) => new ortNode.Tensor('int32', data, [...dims]),
    async createSession(model) {
      const session = await createSession(model, 'cpu', { threads: 1, spinning: false });
      const fetches = new WeakMap<OutputArrays, Record<string, ortNode.Tensor>>();
      return {
        async run(feeds, outputs) {
          let f = fetches.get(outputs);
          if (!f) {
            f = Object.fromEntries(Object.entries(outputs).map(([name, o]) => [name, new ortNode.Tensor('float32', o.data, [...o.dims])]));
            fetches.set(outputs, f);
          }
          await session.run(feeds as Record<string, ortNode.Tensor>, f);
        },
        release: () => session.release(),
      };
    },
  };
}

async function webBackend(): Promise<Backend> {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  return {
    kind: 'web',
    float32: (data, dims) => new ort.Tensor('float32', data, [...dims]),
    int32: (data, dims) => new ort.Tensor('int32', data, [...dims]),
    async createSession(model) {
      const session = await ort.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
      return {
        async run(feeds, outputs) {
          const out = await session.run(feeds as Record<string, ortWeb.Tensor>, Object.keys(outputs));
          for (const [name, target] of Object.entries(outputs)) target.data.set(out[name].data as Float32Array);
        },
        release: () => session.release(),
      };
    },
  };
}

export async function loadBackend(kind: PartBackend): Promise<Backend> {
  if (kind === 'node') return nodeBackend();
  if (kind === 'web') return webBackend();
  throw new RangeError(`backend must be one of ${PART_BACKENDS.join(', ')}; got '${String(kind)}'`);
}
