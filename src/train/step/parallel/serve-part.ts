/**
 * The loop a worker of the data-parallel step runs, in a Node worker thread (worker.ts) or a Web Worker
 * (the page's web/src/train-worker.ts): wait for the next command on the shared control array, run it on
 * this thread's Part, count itself done, and until the next command comes, warp images staged for the
 * next step (Part.warpAhead). Pure code: the page's workers load this file too.
 */
import type { Part } from './part.js';
import { Command, Field, Slot, fieldSlot, reached } from './shared.js';

/** Spin this many polls for the next command before sleeping: the gap between two commands is usually short. */
const SPIN_POLLS = 20_000;

/**
 * Serves commands until Exit (then returns; the caller releases the part). A failed command calls
 * `failed` with its message, then sets the Failed slot before counting itself done, so the message is on
 * its way when the main thread sees the failure.
 */
export async function serveCommands(part: Part, control: Int32Array, failed: (message: string) => void): Promise<void> {
  // Commands are taken one by one, in order: with two batch slots the next may already be waiting.
  for (let sequence = 1; ; sequence++) {
    for (let i = 0; i < SPIN_POLLS && !reached(Atomics.load(control, Slot.Sequence), sequence); i++);
    for (let seen = Atomics.load(control, Slot.Sequence); !reached(seen, sequence); seen = Atomics.load(control, Slot.Sequence)) Atomics.wait(control, Slot.Sequence, seen);
    const slot = sequence % part.slots;
    const command = Atomics.load(control, fieldSlot(slot, Field.Command)) as Command;
    if (command === Command.Exit) return;
    try {
      await part.run(command, slot, sequence, Atomics.load(control, fieldSlot(slot, Field.Parity)) as 0 | 1, Atomics.load(control, fieldSlot(slot, Field.BatchSize)));
    } catch (error) {
      failed(error instanceof Error ? error.message : String(error));
      Atomics.store(control, Slot.Failed, part.index + 1);
    }
    Atomics.add(control, Slot.Done, 1);
    Atomics.notify(control, Slot.Done);
    // While the driver prepares the next command, warp the next step's images if it staged them.
    part.warpAhead(slot, () => reached(Atomics.load(control, Slot.Sequence), sequence + 1));
  }
}
