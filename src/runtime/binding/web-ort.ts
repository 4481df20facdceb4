/**
 * The onnxruntime-web binding over a given onnxruntime-web module: the page's main thread passes the one
 * its import map names (web.ts), a Web Worker the one it imported by URL (import maps do not reach
 * workers). Types only from onnxruntime-web, so this file loads anywhere.
 *
 * onnxruntime-web 1.30 ignores pre-allocated CPU outputs (they stay zero), so outputs asked for in host
 * arrays are copied there after the run.
 */
import type * as Ort from 'onnxruntime-web';
import { inputSpecs } from './metadata.js';
import type { Binding, BindingSession, BindingTensor, SessionOptions } from './types.js';

/** What of onnxruntime-web the binding uses: its sessions and tensors. */
export type OrtWeb = Pick<typeof Ort, 'InferenceSession' | 'Tensor'>;

type WebFeeds = Record<string, Ort.Tensor>;

export function webBindingFor(ort: OrtWeb): Binding {
  async function createWebSession(model: Uint8Array, options: SessionOptions = {}): Promise<BindingSession> {
    const ep = options.executionProvider ?? 'wasm';
    if (ep !== 'wasm' && ep !== 'webgpu') throw new RangeError(`onnxruntime-web runs 'wasm' or 'webgpu', got '${ep}'`);
    // onnxruntime-web may take ownership of the buffer it is given: hand it a copy.
    const session = await ort.InferenceSession.create(model.slice(), {
      executionProviders: [ep], graphOptimizationLevel: 'all',
      ...(options.keepOnDevice && ep === 'webgpu' ? { preferredOutputLocation: Object.fromEntries(options.keepOnDevice.map((n) => [n, 'gpu-buffer' as const])) } : {}),
    });
    return {
      inputs: inputSpecs(session),
      outputNames: session.outputNames,
      async run(feeds, into) {
        const out: Record<string, BindingTensor> = { ...(await session.run(feeds as WebFeeds)) };
        for (const [name, target] of Object.entries(into ?? {})) {
          target.data.set(out[name].data as Float32Array);
          delete out[name];
        }
        return out;
      },
      async download(tensors) {
        const host: Record<string, Float32Array> = {};
        for (const [name, t] of Object.entries(tensors)) host[name] = Float32Array.from((await (t as Ort.Tensor).getData()) as Float32Array);
        return host;
      },
      release: () => session.release(),
    };
  }
  return {
    kind: 'web',
    float32: (data, dims): BindingTensor => new ort.Tensor('float32', data, [...dims]),
    int32: (data, dims): BindingTensor => new ort.Tensor('int32', data, [...dims]),
    createSession: createWebSession,
  };
}
