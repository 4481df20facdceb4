/**
 * Entry point of a CPU training worker thread: one Part that waits for the main thread's commands on the
 * shared control array (serve-part.ts). Reports 'ready' once its sessions exist, or the error that
 * stopped it; a failed command sends its message before it is flagged.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBinding } from '../../../runtime/binding/load.js';
import type { BindingKind } from '../../../runtime/binding/types.js';
import { Part, type PartModels } from './part.js';
import { serveCommands } from './serve-part.js';
import type { SharedBuffers } from './shared.js';

export interface WorkerSetup {
  readonly index: number;
  readonly shared: SharedBuffers;
  readonly models: PartModels;
  readonly backend: BindingKind;
}

export type WorkerMessage = { readonly kind: 'ready' } | { readonly kind: 'error'; readonly message: string };

async function serve(setup: WorkerSetup, port: NonNullable<typeof parentPort>): Promise<void> {
  const part = await Part.create(setup.index, setup.shared, setup.models, await loadBinding(setup.backend, { wasmThreads: 1 }));
  port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
  await serveCommands(part, new Int32Array(setup.shared.control), (message) => port.postMessage({ kind: 'error', message } satisfies WorkerMessage));
  await part.release();
}

if (parentPort) {
  const port = parentPort;
  serve(workerData as WorkerSetup, port).catch((error: unknown) => {
    port.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
  });
}
