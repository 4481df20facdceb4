/**
 * The onnxruntime-node binding: native sessions on any execution provider this project supports
 * (providers.ts), outputs written straight into host arrays when asked (pre-allocated outputs), device
 * tensors downloaded through a WebGPU copy session (gpu-readback.ts).
 */
import type * as ort from 'onnxruntime-node';
import { Tensor } from '../ort-node.js';
import { parseExecutionProvider } from '../execution-provider.js';
import { createSession } from '../providers.js';
import { GpuReadBack } from './gpu-readback.js';
import { inputSpecs } from './metadata.js';
import type { Binding, BindingSession, BindingTensor, OutputArrays, SessionOptions } from './types.js';

type NodeFeeds = Record<string, ort.Tensor>;

async function createNodeSession(model: Uint8Array, options: SessionOptions = {}): Promise<BindingSession> {
  const ep = parseExecutionProvider(options.executionProvider ?? 'cpu');
  // No spinning on the CPU: idle ORT threads would compete with the batch assembly between steps and, on
  // a shared 2-core machine, with other processes (docs/benchmarks.md).
  const session = await createSession(model, ep, {
    threads: options.threads, ...(ep === 'cpu' ? { spinning: false } : {}),
    ...(options.keepOnDevice ? { outputsOnGpu: options.keepOnDevice } : {}),
  });
  /** Per set of host arrays: the fetches over them, and whether every output goes there. */
  const fetchesFor = new WeakMap<OutputArrays, { fetches: Record<string, ort.Tensor | null>; all: boolean }>();
  /** The copy session for the device tensors last downloaded, and their names. */
  let readBack: { key: string; copy: GpuReadBack } | undefined;
  return {
    inputs: inputSpecs(session),
    outputNames: session.outputNames,
    async run(feeds, into) {
      if (!into) return session.run(feeds as NodeFeeds);
      let cached = fetchesFor.get(into);
      if (!cached) {
        const fetches = Object.fromEntries(session.outputNames.map((name) => {
          const o = into[name];
          return [name, o ? new Tensor('float32', o.data, [...o.dims]) : null];
        }));
        cached = { fetches, all: session.outputNames.every((name) => name in into) };
        fetchesFor.set(into, cached);
      }
      const out = await session.run(feeds as NodeFeeds, cached.fetches);
      // The step runners ask for every output in host arrays: nothing is left to hand back.
      return cached.all ? {} : Object.fromEntries(Object.entries(out).filter(([name]) => !(name in into)));
    },
    async download(tensors) {
      const onDevice = Object.entries(tensors).filter(([, t]) => t.location === 'gpu-buffer');
      // getData() on a WebGPU buffer aborts onnxruntime-node 1.30 (gpu-readback.ts): copy through a session.
      let host: Record<string, Float32Array> = {};
      if (onDevice.length) {
        const key = onDevice.map(([name, t]) => `${name}:${t.dims.join('x')}`).join(',');
        if (readBack?.key !== key) {
          await readBack?.copy.release();
          readBack = { key, copy: await GpuReadBack.create(onDevice.map(([name, t]) => ({ name, shape: t.dims }))) };
        }
        host = await readBack.copy.read(Object.fromEntries(onDevice) as NodeFeeds);
      }
      for (const [name, t] of Object.entries(tensors)) host[name] ??= Float32Array.from(t.data as Float32Array);
      return host;
    },
    async release() {
      await session.release();
      await readBack?.copy.release();
    },
  };
}

export const nodeBinding: Binding = {
  kind: 'node',
  float32: (data, dims): BindingTensor => new Tensor('float32', data, [...dims]),
  int32: (data, dims): BindingTensor => new Tensor('int32', data, [...dims]),
  createSession: createNodeSession,
};
