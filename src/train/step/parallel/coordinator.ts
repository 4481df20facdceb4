/**
 * The driving side of the data-parallel step, whatever runs the parts: it fills the shared buffers with
 * the initial state, hands each step's batch and Adam scalars over, gives every part its commands through
 * the shared control array (shared.ts) and waits for them, adds up the parts' loss and correct counts in
 * part order, and reads the state back. In Node the main thread also runs part 0 (`main`) and worker
 * threads the others (runner.ts); in the page every part is a Web Worker and the page's thread only
 * drives them (web/src/worker-runner.ts). Pure code: the page loads this file too.
 */
import type { Batch } from '../../../data/batches.js';
import { PIXELS, adamM, adamV } from '../../../graph/contract.js';
import type { BatchWarp, StepResult } from '../runner.js';
import { type HostState, type StateSource, type TensorSpec, initialState } from '../state.js';
import { type FlatLayout, flattenInto, viewOf } from './layout.js';
import type { Part } from './part.js';
import {
  BC2_SLOT, Command, STEP_SIZE_SLOT, type SharedBuffers, Slot, allocateShared, batchShare, correctSlot, lossSumSlot,
} from './shared.js';

/** Atomics.waitAsync (Node ≥ 16, Chromium ≥ 87), which the ES2022 library typings do not describe yet. */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** The driver sleeps on the Done counter at most this long before looking again (a safety net). */
const WAIT_SLICE_MS = 1_000;

/** The threads that run the parts the driver does not run itself. */
export interface PartThreads {
  /** How many parts they run (all but part 0 in Node, all of them in the page). */
  readonly count: number;
  /** Why one of them stopped unexpectedly, once one did. */
  failure(): Error | undefined;
  /** The message part `index` sent about its failed command. */
  messageOf(index: number): Promise<string>;
}

export interface CoordinatorOptions {
  /** Polls of the Done counter before sleeping on it: worth it when the driver ran a part itself. */
  readonly spinPolls: number;
  /** Names the runner in errors, e.g. 'the CPU step runner'. */
  readonly what: string;
  /** Names part `index` in errors, e.g. 'CPU training thread 1'. */
  readonly partName: (index: number) => string;
  /**
   * One Step command per step instead of Gradients then Adam: the parts wait for each other between the
   * halves. Only without `main` (a part on the driving thread would block it).
   */
  readonly fused?: boolean;
}

/** The state of a runner over `layout` in the train-step model's order: parameters, then Adam's m, then v. */
function stateSpecsOf(layout: FlatLayout): TensorSpec[] {
  return [...layout.specs, ...layout.specs.map((p) => ({ ...p, name: adamM(p.name) })), ...layout.specs.map((p) => ({ ...p, name: adamV(p.name) }))];
}

/** Shared buffers for `parts` parts and batches of up to `maxBatch`, holding the initial state from `from`. */
export function sharedState(from: StateSource, layout: FlatLayout, parts: number, maxBatch: number, what: string): SharedBuffers {
  const initial = new Map(initialState(stateSpecsOf(layout), from, what).map((t) => [t.name, t.data]));
  const shared = allocateShared(parts, maxBatch, layout.total);
  flattenInto(layout, (name) => initial.get(name)!, new Float32Array(shared.params));
  flattenInto(layout, (name) => initial.get(adamM(name))!, new Float32Array(shared.m));
  flattenInto(layout, (name) => initial.get(adamV(name))!, new Float32Array(shared.v));
  return shared;
}

export class PartCoordinator {
  private parity: 0 | 1 = 0;
  private closed = false;
  private readonly control: Int32Array;
  private readonly scalars: Float32Array;
  private readonly images: Float32Array;
  private readonly labels: Int32Array;
  private readonly warp: Float64Array;
  private readonly stateSpecs: readonly TensorSpec[];

  /** `main`: part 0, run by the driver's own thread (Node); without it the threads run every part (the page). */
  constructor(readonly shared: SharedBuffers, private readonly layout: FlatLayout, private readonly main: Part | undefined,
    private readonly threads: PartThreads, private readonly options: CoordinatorOptions) {
    this.control = new Int32Array(shared.control);
    this.scalars = new Float32Array(shared.scalars);
    this.images = new Float32Array(shared.images);
    this.labels = new Int32Array(shared.labels);
    this.warp = new Float64Array(shared.warp);
    this.stateSpecs = stateSpecsOf(layout);
    if (main && options.fused) throw new RangeError('a fused step needs every part on a thread of its own');
    if (threads.count + (main ? 1 : 0) !== shared.parts) throw new RangeError(`${shared.parts} parts, but ${threads.count} threads${main ? ' and the driver' : ''} to run them`);
  }

  /**
   * One Adam step on `batch` (at most maxBatch images) with the given step size and bias correction;
   * with `warp` (augment.ts), every part warps its own share of the images before its gradient.
   */
  async step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number, warp?: BatchWarp): Promise<StepResult> {
    const n = batch.size;
    if (n < 1 || n > this.shared.maxBatch) throw new RangeError(`batch of ${n} images does not fit this runner (1 to ${this.shared.maxBatch})`);
    if (warp && warp.params.length < n * warp.stride) throw new RangeError(`warp of ${warp.params.length} values does not cover ${n} images of ${warp.stride}`);
    if (warp) this.warp.set(warp.params.subarray(0, n * warp.stride));
    Atomics.store(this.control, Slot.WarpStride, warp ? warp.stride : 0);
    const parts = this.shared.parts;
    if (this.threads.count > 0) {
      // The threads' shares go through shared memory; a part the driver runs reads the batch itself.
      const first = this.main ? batchShare(n, parts, 1).start : 0;
      this.images.set(batch.images.subarray(first * PIXELS, n * PIXELS), first * PIXELS);
      this.labels.set(batch.labels.subarray(first, n), first);
    }
    this.scalars[STEP_SIZE_SLOT] = stepSize;
    this.scalars[BC2_SLOT] = biasCorrection2Sqrt;
    if (this.options.fused) await this.command(Command.Step, n);
    else {
      await this.command(Command.Gradients, n, batch);
      await this.command(Command.Adam, n);
    }
    this.parity = this.parity === 0 ? 1 : 0;
    let lossSum = 0;
    let correct = 0;
    for (let k = 0; k < parts; k++) {
      lossSum += this.scalars[lossSumSlot(k)];
      correct += this.scalars[correctSlot(k)];
    }
    return { loss: Math.fround(lossSum / n), correct };
  }

  /** The state in the train-step model's order: parameters, then Adam's m, then v. */
  async readState(): Promise<HostState> {
    await this.command(Command.Publish, 0);
    const flats = [this.shared.params, this.shared.m, this.shared.v].map((b) => new Float32Array(b));
    const count = this.layout.specs.length;
    return this.stateSpecs.map((spec, i) => ({ ...spec, data: viewOf(this.layout, flats[Math.floor(i / count)], i % count).slice() }));
  }

  /** Refuses further commands and tells the threads to exit; false when already closed. */
  close(): boolean {
    if (this.closed) return false;
    this.closed = true;
    if (this.threads.count > 0) {
      Atomics.store(this.control, Slot.Command, Command.Exit);
      Atomics.add(this.control, Slot.Sequence, 1);
      Atomics.notify(this.control, Slot.Sequence);
    }
    return true;
  }

  /** Runs `command` on every part (part 0 here when the driver runs it, the others in their threads) and waits for all of them. */
  private async command(command: Command, batchSize: number, batch?: Batch): Promise<void> {
    if (this.closed) throw new Error(`${this.options.what} was released`);
    const c = this.control;
    Atomics.store(c, Slot.Command, command);
    Atomics.store(c, Slot.Parity, this.parity);
    Atomics.store(c, Slot.BatchSize, batchSize);
    Atomics.store(c, Slot.Done, 0);
    Atomics.store(c, Slot.Arrived, 0);
    if (this.threads.count > 0) {
      Atomics.add(c, Slot.Sequence, 1);
      Atomics.notify(c, Slot.Sequence);
    }
    let own: unknown;
    try {
      await this.main?.run(command, this.parity, batchSize, batch?.images, batch?.labels);
    } catch (error) {
      own = error;
    }
    await this.waitForThreads();
    if (own !== undefined) throw own;
    const failed = Atomics.load(c, Slot.Failed);
    if (failed !== 0) throw new Error(`${this.options.partName(failed - 1)} failed: ${await this.threads.messageOf(failed - 1)}`);
  }

  private async waitForThreads(): Promise<void> {
    const want = this.threads.count;
    if (want === 0) return;
    const c = this.control;
    for (let i = 0; i < this.options.spinPolls && Atomics.load(c, Slot.Done) < want; i++);
    for (;;) {
      const error = this.threads.failure();
      if (error) throw error;
      const done = Atomics.load(c, Slot.Done);
      if (done >= want) return;
      const wait = waitAsync(c, Slot.Done, done, WAIT_SLICE_MS);
      if (wait.async) await wait.value;
    }
  }
}
