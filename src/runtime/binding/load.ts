/** A binding by kind, loaded on demand (Node only: the page imports web.ts directly). */
import { BINDING_KINDS, type Binding, type BindingKind } from './types.js';

export interface LoadOptions {
  /** onnxruntime-web: WebAssembly threads of the sessions created from now on (a global of onnxruntime-web). */
  readonly wasmThreads?: number;
}

export async function loadBinding(kind: BindingKind, options: LoadOptions = {}): Promise<Binding> {
  if (kind === 'node') return (await import('./node.js')).nodeBinding;
  if (kind === 'web') {
    const web = await import('./web.js');
    if (options.wasmThreads !== undefined) web.setWasmThreads(options.wasmThreads);
    return web.webBinding;
  }
  throw new RangeError(`binding must be one of ${BINDING_KINDS.join(', ')}; got '${String(kind)}'`);
}
