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
import type { BatchWarp, StepResult, UpcomingBatch } from '../runner.js';
import { type HostState, type StateSource, type TensorSpec, initialState } from '../state.js';
import { type FlatLayout, flattenInto, viewOf } from './layout.js';
import type { Part } from './part.js';
import {
  BC2_SLOT, Command, Field, ImageState, STAGING_AREAS, STEP_SIZE_SLOT, type SharedBuffers, Slot, type SlotViews, type StagingViews, allocateShared,
  batchShare, correctSlot, fieldSlot, lossSumSlot, reached, slotViews, stagingViews,
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
   * halves. Only without `main` (a part on the driving thread would block it). With two batch slots
   * (SharedBuffers.slots) the next step can be handed over while one runs (`submit`).
   */
  readonly fused?: boolean;
}

/** The state of a runner over `layout` in the train-step model's order: parameters, then Adam's m, then v. */
function stateSpecsOf(layout: FlatLayout): TensorSpec[] {
  return [...layout.specs, ...layout.specs.map((p) => ({ ...p, name: adamM(p.name) })), ...layout.specs.map((p) => ({ ...p, name: adamV(p.name) }))];
}

/** Shared buffers for `parts` parts and batches of up to `maxBatch`, holding the initial state from `from`. */
export function sharedState(from: StateSource, layout: FlatLayout, parts: number, maxBatch: number, what: string, slots: 1 | 2 = 1): SharedBuffers {
  const initial = new Map(initialState(stateSpecsOf(layout), from, what).map((t) => [t.name, t.data]));
  const shared = allocateShared(parts, maxBatch, layout.total, slots);
  flattenInto(layout, (name) => initial.get(name)!, new Float32Array(shared.params));
  flattenInto(layout, (name) => initial.get(adamM(name))!, new Float32Array(shared.m));
  flattenInto(layout, (name) => initial.get(adamV(name))!, new Float32Array(shared.v));
  return shared;
}

export class PartCoordinator {
  private parity: 0 | 1 = 0;
  private closed = false;
  /** Commands given so far (the Sequence counter's value). */
  private sequence = 0;
  /** Steps handed over whose results are not in yet (at most `shared.slots`). */
  private readonly inFlight: Promise<StepResult>[] = [];
  /** True while a command (Gradients, Adam, Publish) runs: no step may be handed over meanwhile. */
  private commandRunning = false;
  private readonly control: Int32Array;
  private readonly slots: readonly SlotViews[];
  private readonly staging: readonly StagingViews[];
  /** The batch the previous step staged for this one (its area, warp stride and labels, to recognise it), if any. */
  private staged: { readonly area: number; readonly stride: number; readonly labels: Int32Array } | undefined;
  /** The staging area used last (the areas take turns). */
  private lastArea = 1;
  private readonly stateSpecs: readonly TensorSpec[];

  /** `main`: part 0, run by the driver's own thread (Node); without it the threads run every part (the page). */
  constructor(readonly shared: SharedBuffers, private readonly layout: FlatLayout, private readonly main: Part | undefined,
    private readonly threads: PartThreads, private readonly options: CoordinatorOptions) {
    this.control = new Int32Array(shared.control);
    this.slots = Array.from({ length: shared.slots }, (_, k) => slotViews(shared, k));
    this.staging = Array.from({ length: STAGING_AREAS }, (_, k) => stagingViews(shared, k));
    this.stateSpecs = stateSpecsOf(layout);
    if (main && options.fused) throw new RangeError('a fused step needs every part on a thread of its own');
    if (shared.slots > 1 && !options.fused) throw new RangeError('two batch slots need fused steps');
    if (threads.count + (main ? 1 : 0) !== shared.parts) throw new RangeError(`${shared.parts} parts, but ${threads.count} threads${main ? ' and the driver' : ''} to run them`);
  }

  /**
   * One Adam step on `batch` (at most maxBatch images) with the given step size and bias correction;
   * with `warp` (augment.ts), every part warps its own share of the images before its gradient.
   * `upcoming` (unfused steps only; TrainStepRunner.step) is staged for the next step, whose batch must
   * then be that one: the parts warp it while they wait for each other during this step.
   */
  async step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number, warp?: BatchWarp, upcoming?: UpcomingBatch): Promise<StepResult> {
    if (this.options.fused) {
      if (upcoming) throw new Error('a fused step does not stage the next batch');
      return this.submit(batch, stepSize, biasCorrection2Sqrt, warp);
    }
    const current = this.takeStaged(batch, warp);
    const next = upcoming ? this.stage(upcoming) : undefined;
    const n = this.handOver(batch, stepSize, biasCorrection2Sqrt, warp, 0, current);
    const c = this.control;
    Atomics.store(c, fieldSlot(0, Field.NextStaged), next ? next.area + 1 : 0);
    Atomics.store(c, fieldSlot(0, Field.NextBatchSize), next ? upcoming!.batch.size : 0);
    await this.command(Command.Gradients, n, batch);
    await this.command(Command.Adam, n);
    this.parity = this.parity === 0 ? 1 : 0;
    return this.results(0, n);
  }

  /**
   * Fused steps only: hands the step over and returns its result's promise without waiting for it; the
   * batch (and warp) are copied before this returns, so the caller may refill them. With two batch slots
   * a second step may be handed over while the first runs: the parts start it the moment the first ends,
   * without waiting for the driver. Throws when `shared.slots` steps are already in flight (collect one
   * first) or a command is running. After a failed step the runner is spent: later steps fail too.
   */
  submit(batch: Batch, stepSize: number, biasCorrection2Sqrt: number, warp?: BatchWarp): Promise<StepResult> {
    if (!this.options.fused) throw new Error('submit needs fused steps');
    this.checkOpen();
    if (this.commandRunning) throw new Error(`${this.options.what} is running a command: wait for it before handing a step over`);
    if (this.inFlight.length >= this.shared.slots) throw new Error(`${this.options.what} already has ${this.inFlight.length} step(s) in flight`);
    const sequence = this.sequence + 1;
    const slot = sequence % this.shared.slots;
    const n = this.handOver(batch, stepSize, biasCorrection2Sqrt, warp, slot);
    this.post(Command.Step, n, slot);
    this.parity = this.parity === 0 ? 1 : 0;
    const done: Promise<StepResult> = this.waitFor(sequence).then(() => this.results(slot, n)).finally(() => this.inFlight.splice(this.inFlight.indexOf(done), 1));
    this.inFlight.push(done);
    return done;
  }

  /** The state in the train-step model's order: parameters, then Adam's m, then v. */
  async readState(): Promise<HostState> {
    await this.command(Command.Publish, 0);
    const flats = [this.shared.params, this.shared.m, this.shared.v].map((b) => new Float32Array(b));
    const count = this.layout.specs.length;
    return this.stateSpecs.map((spec, i) => ({ ...spec, data: viewOf(this.layout, flats[Math.floor(i / count)], i % count).slice() }));
  }

  /** Waits for every step in flight to end (whether it succeeded or not). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.inFlight);
  }

  /** Refuses further commands and tells the threads to exit; false when already closed. Settle first when steps are in flight. */
  close(): boolean {
    if (this.closed) return false;
    if (this.inFlight.length > 0) throw new Error(`${this.options.what}: close with ${this.inFlight.length} step(s) in flight (settle first)`);
    this.closed = true;
    if (this.threads.count > 0) this.post(Command.Exit, 0, (this.sequence + 1) % this.shared.slots);
    return true;
  }

  /**
   * The staging area holding `batch` when the previous step staged it (it must be that batch, with a warp
   * of the same stride), else undefined; either way nothing stays staged.
   */
  private takeStaged(batch: Batch, warp: BatchWarp | undefined): { area: number; stride: number } | undefined {
    const staged = this.staged;
    this.staged = undefined;
    if (!staged) return undefined;
    const same = staged.labels.length === batch.size && staged.labels.every((label, i) => label === batch.labels[i]) && staged.stride === (warp?.stride ?? 0);
    if (!same) throw new Error(`${this.options.what}: a step must bring the batch (and warp) staged by the step before it`);
    return staged;
  }

  /**
   * Copies `upcoming` (images, warp parameters, labels) into the other staging area than last time (the
   * current step's images may be in that one, and threads may still be warping in it), every image not
   * yet warped; returns that area.
   */
  private stage(upcoming: UpcomingBatch): { area: number } {
    const { batch, warp } = upcoming;
    const n = this.checkFits(batch, warp);
    const area = (this.lastArea = 1 - this.lastArea);
    const views = this.staging[area];
    views.images.set(batch.images.subarray(0, n * PIXELS));
    views.warp.set(warp.params.subarray(0, n * warp.stride));
    views.state.fill(ImageState.Raw, 0, n);
    this.staged = { area, stride: warp.stride, labels: batch.labels.slice(0, n) };
    return { area };
  }

  /** The batch's size, once it is known to fit this runner and `warp` to cover it. */
  private checkFits(batch: Batch, warp: BatchWarp | undefined): number {
    const n = batch.size;
    if (n < 1 || n > this.shared.maxBatch) throw new RangeError(`batch of ${n} images does not fit this runner (1 to ${this.shared.maxBatch})`);
    if (warp && warp.params.length < n * warp.stride) throw new RangeError(`warp of ${warp.params.length} values does not cover ${n} images of ${warp.stride}`);
    return n;
  }

  /**
   * Copies the batch, its warp and the Adam scalars into batch slot `slot`; returns the batch size. A
   * batch the previous step `staged` has its images and warp in that staging area already.
   */
  private handOver(batch: Batch, stepSize: number, biasCorrection2Sqrt: number, warp: BatchWarp | undefined, slot: number,
    staged?: { readonly area: number; readonly stride: number }): number {
    const n = this.checkFits(batch, staged ? undefined : warp);
    const views = this.slots[slot];
    if (warp && !staged) views.warp.set(warp.params.subarray(0, n * warp.stride));
    Atomics.store(this.control, fieldSlot(slot, Field.WarpStride), staged ? staged.stride : warp ? warp.stride : 0);
    Atomics.store(this.control, fieldSlot(slot, Field.Staged), staged ? staged.area + 1 : 0);
    if (this.threads.count > 0) {
      // The threads' shares go through shared memory; a part the driver runs reads the batch itself.
      const first = this.main ? batchShare(n, this.shared.parts, 1).start : 0;
      if (!staged) views.images.set(batch.images.subarray(first * PIXELS, n * PIXELS), first * PIXELS);
      views.labels.set(batch.labels.subarray(first, n), first);
    }
    views.scalars[STEP_SIZE_SLOT] = stepSize;
    views.scalars[BC2_SLOT] = biasCorrection2Sqrt;
    return n;
  }

  /** The step's loss (mean over the batch) and correct count, from the parts' sums in part order. */
  private results(slot: number, n: number): StepResult {
    const scalars = this.slots[slot].scalars;
    let lossSum = 0;
    let correct = 0;
    for (let k = 0; k < this.shared.parts; k++) {
      lossSum += scalars[lossSumSlot(k)];
      correct += scalars[correctSlot(k)];
    }
    return { loss: Math.fround(lossSum / n), correct };
  }

  private checkOpen(): void {
    if (this.closed) throw new Error(`${this.options.what} was released`);
  }

  /** Writes command number sequence + 1 into its batch slot and wakes the threads. */
  private post(command: Command, batchSize: number, slot: number): void {
    const c = this.control;
    Atomics.store(c, fieldSlot(slot, Field.Command), command);
    Atomics.store(c, fieldSlot(slot, Field.Parity), this.parity);
    Atomics.store(c, fieldSlot(slot, Field.BatchSize), batchSize);
    this.sequence++;
    if (this.threads.count > 0) {
      Atomics.store(c, Slot.Sequence, this.sequence);
      Atomics.notify(c, Slot.Sequence);
    }
  }

  /**
   * Runs `command` on every part (part 0 here when the driver runs it, the others in their threads) and
   * waits for all of them, after any step in flight.
   */
  private async command(command: Command, batchSize: number, batch?: Batch): Promise<void> {
    this.checkOpen();
    this.commandRunning = true;
    try {
      await this.settle();
      const sequence = this.sequence + 1;
      const slot = sequence % this.shared.slots;
      this.post(command, batchSize, slot);
      let own: unknown;
      try {
        await this.main?.run(command, slot, sequence, this.parity, batchSize, batch?.images, batch?.labels);
      } catch (error) {
        own = error;
      }
      await this.waitFor(sequence).catch((error: unknown) => { own ??= error; });
      if (own !== undefined) throw own;
    } finally {
      this.commandRunning = false;
    }
  }

  /** Waits until every thread has finished command number `sequence`; throws a part's failure. */
  private async waitFor(sequence: number): Promise<void> {
    const want = this.threads.count * sequence;
    const c = this.control;
    if (this.threads.count > 0) {
      for (let i = 0; i < this.options.spinPolls && !reached(Atomics.load(c, Slot.Done), want); i++);
      for (;;) {
        const error = this.threads.failure();
        if (error) throw error;
        const done = Atomics.load(c, Slot.Done);
        if (reached(done, want)) break;
        const wait = waitAsync(c, Slot.Done, done, WAIT_SLICE_MS);
        if (wait.async) await wait.value;
      }
    }
    const failed = Atomics.load(c, Slot.Failed);
    if (failed !== 0) throw new Error(`${this.options.partName(failed - 1)} failed: ${await this.threads.messageOf(failed - 1)}`);
  }
}
