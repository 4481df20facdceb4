/**
 * Entry point of a CPU training worker thread: one Part that waits for the main thread's commands on the
 * shared control array (see shared.ts). Reports 'ready' once its sessions exist, or the error that
 * stopped it; a failed command sets the Failed slot and sends its message before counting itself done.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BindingKind } from '../../../runtime/binding/types.js';
import { Part, type PartModels } from './part.js';
import { Command, type SharedBuffers, Slot } from './shared.js';

export interface WorkerSetup {
  readonly index: number;
  readonly shared: SharedBuffers;
  readonly models: PartModels;
  readonly backend: BindingKind;
}

export type WorkerMessage = { readonly kind: 'ready' } | { readonly kind: 'error'; readonly message: string };

/** Spin this many polls for the next command before sleeping: the gap between a step's two commands is short. */
const SPIN_POLLS = 20_000;

async function serve(setup: WorkerSetup, port: NonNullable<typeof parentPort>): Promise<void> {
  const part = await Part.create(setup.index, setup.shared, setup.models, setup.backend);
  const control = new Int32Array(setup.shared.control);
  port.postMessage({ kind: 'ready' } satisfies WorkerMessage);
  let seen = 0;
  for (;;) {
    for (let i = 0; i < SPIN_POLLS && Atomics.load(control, Slot.Sequence) === seen; i++);
    while (Atomics.load(control, Slot.Sequence) === seen) Atomics.wait(control, Slot.Sequence, seen);
    seen = Atomics.load(control, Slot.Sequence);
    const command = Atomics.load(control, Slot.Command) as Command;
    if (command === Command.Exit) break;
    try {
      await part.run(command, Atomics.load(control, Slot.Parity) as 0 | 1, Atomics.load(control, Slot.BatchSize));
    } catch (error) {
      port.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
      Atomics.store(control, Slot.Failed, setup.index);
    }
    Atomics.add(control, Slot.Done, 1);
    Atomics.notify(control, Slot.Done);
  }
  await part.release();
}

if (parentPort) {
  const port = parentPort;
  serve(workerData as WorkerSetup, port).catch((error: unknown) => {
    port.postMessage({ kind: 'error', message: error instanceof Error ? error.message : String(error) } satisfies WorkerMessage);
  });
}
