/**
 * onnxruntime-web set-up shared by the drawing pad and the trainer: where its `.wasm` files are served,
 * how many threads it may use, and which backends this browser offers.
 */
import * as ort from 'onnxruntime-web';

export type Backend = 'wasm' | 'webgpu';

/** Configures onnxruntime-web once, before the first session: files from `/ort/`, threads if isolated. */
export function configureRuntime(wasmBase = '/ort/'): void {
  ort.env.wasm.wasmPaths = wasmBase;
  ort.env.wasm.numThreads = globalThis.crossOriginIsolated ? Math.min(4, navigator.hardwareConcurrency || 1) : 1;
}

export function webgpuAvailable(): boolean {
  return typeof navigator !== 'undefined' && 'gpu' in navigator && navigator.gpu !== undefined;
}

/** "wasm · 2 threads" or "webgpu": what the page shows as the backend in use. */
export function describeBackend(backend: Backend): string {
  if (backend === 'webgpu') return 'WebGPU';
  const threads = ort.env.wasm.numThreads ?? 1;
  return `WASM · ${threads} thread${threads === 1 ? '' : 's'}${globalThis.crossOriginIsolated ? '' : ' (not cross-origin isolated)'}`;
}

export async function createSession(model: Uint8Array, backend: Backend): Promise<ort.InferenceSession> {
  // onnxruntime-web may take ownership of the buffer it is given: hand it a copy.
  return ort.InferenceSession.create(model.slice(), { executionProviders: [backend], graphOptimizationLevel: 'all' });
}

export { ort };
