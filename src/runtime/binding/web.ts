/**
 * The onnxruntime-web binding (WebAssembly, or WebGPU in a browser), in Node or in the page: the page
 * loads this file as it is, with `onnxruntime-web` mapped to the served `ort.min.mjs`. The binding
 * itself is web-ort.ts, over whichever onnxruntime-web module it is given.
 */
import * as ort from 'onnxruntime-web';
import type { Binding } from './types.js';
import { webBindingFor } from './web-ort.js';

export const webBinding: Binding = webBindingFor(ort);

/** WebAssembly threads of every onnxruntime-web session created after this call (a global of onnxruntime-web). */
export function setWasmThreads(threads: number): void {
  ort.env.wasm.numThreads = threads;
}
