/**
 * A Web Worker of the page's data-parallel training (worker-runner.ts): one Part of
 * src/train/step/parallel, the same code Node's CPU training threads run, on its own onnxruntime-web
 * instance with one WASM thread, serving the page's commands on the shared control array.
 *
 * onnxruntime-web comes from the URL in the set-up message (import maps do not reach workers): the
 * WASM-only bundle, which trains faster in Chromium than the page's `ort.min.mjs` that also carries WebGPU.
 */
import type * as Ort from 'onnxruntime-web';
import { webBindingFor } from '../../src/runtime/binding/web-ort.js';
import { Part, type PartModels } from '../../src/train/step/parallel/part.js';
import { serveCommands } from '../../src/train/step/parallel/serve-part.js';
import type { SharedBuffers } from '../../src/train/step/parallel/shared.js';

export interface TrainWorkerSetup {
  readonly index: number;
  readonly shared: SharedBuffers;
  readonly models: PartModels;
  /** onnxruntime-web's module URL, and the folder of its `.wasm` files. */
  readonly ort: { readonly module: string; readonly wasmPaths: string };
}

export type TrainWorkerMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'error'; readonly message: string }
  | { readonly kind: 'exited' };

/** The worker's global scope, as far as this file uses it (the project's typings are the page's, DOM). */
const scope = globalThis as unknown as {
  onmessage: ((event: MessageEvent<TrainWorkerSetup>) => void) | null;
  postMessage(message: TrainWorkerMessage): void;
  close(): void;
};

async function serve(setup: TrainWorkerSetup): Promise<void> {
  const ort = (await import(setup.ort.module)) as typeof Ort;
  ort.env.wasm.wasmPaths = setup.ort.wasmPaths;
  ort.env.wasm.numThreads = 1;
  const part = await Part.create(setup.index, setup.shared, setup.models, webBindingFor(ort));
  scope.postMessage({ kind: 'ready' });
  await serveCommands(part, new Int32Array(setup.shared.control), (message) => scope.postMessage({ kind: 'error', message }));
  await part.release();
  scope.postMessage({ kind: 'exited' });
  scope.close();
}

scope.onmessage = (event) => {
  scope.onmessage = null;
  serve(event.data).catch((error: unknown) => scope.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) }));
};
