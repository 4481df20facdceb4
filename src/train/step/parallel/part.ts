/**
 * One part of the CPU trainer's data-parallel step, as run by one thread (in Node the main thread is
 * part 0 and each worker thread one more; in the page every part is a Web Worker): its own gradient
 * session and flat-Adam session (one thread each, on either binding: runtime/binding; or, without an Adam
 * model, flat-adam.ts's loop), its private copy of the parameters, and its slice of Adam's state. Pure
 * code: the page's workers load this file too.
 *
 * A step is two commands (or one, `Step`, that runs both with a wait on the other parts between them,
 * when every part has a thread of its own, as in the page). Gradients: take this part's share of the batch, compute its share of the
 * gradient, and publish the entries the other parts update. Adam: add up every part's share of this
 * part's slice (in part order, so the sum does not depend on timing), update the slice, and publish the
 * new values, which every part copies in before its next Gradients.
 *
 * Augmentation: a part warps its share of the batch before its gradient. When the driver staged the next
 * step's batch with this one (shared.ts staging areas), any part that would otherwise wait (for the other
 * parts' gradients, or for the next command) warps that batch's images in place meanwhile, one at a time,
 * claimed atomically; next step each part warps only what is left of its share. Who warps an image never
 * changes its pixels, so the run is the same bit for bit.
 */
import {
  BATCH_COUNT, BIAS_CORRECTION2_SQRT, CORRECT, FLAT_M, FLAT_PARAM, FLAT_V, LABEL, LOSS_SUM, PIXELS,
  STEP_SIZE, gradOf, next,
} from '../../../graph/contract.js';
import { warpImages, warpImagesInto } from '../../augment.js';
import { type FlatAdamSlice, flatAdam } from './flat-adam.js';
import type { Binding, BindingKind, BindingSession, Feeds, OutputArrays } from '../../../runtime/binding/types.js';
import type { DataInputSpec } from '../state.js';
import { type FlatLayout, viewOf } from './layout.js';
import {
  BC2_SLOT, Command, Field, ImageState, type Range, STAGING_AREAS, STEP_SIZE_SLOT, type SharedBuffers, Slot, type SlotViews, type StagingViews,
  batchShare, correctSlot, fieldSlot, lossSumSlot, paramSlice, reached, slotViews, stagingViews,
} from './shared.js';

/** Polls of the Arrived counter before sleeping on it: the parts usually finish their gradients together. */
const SPIN_POLLS = 20_000;

export interface PartModels {
  /** The gradient model (buildGradientModel), encoded; its parameter inputs are `layout`'s tensors. */
  readonly gradient: Uint8Array;
  /**
   * The flat Adam model for this part's slice (buildFlatAdamModel(slice length, parts)), encoded; without
   * it the part updates its slice in JavaScript (flat-adam.ts, the same arithmetic), which is faster than
   * onnxruntime-web's WASM kernels and slower than onnxruntime-node's.
   */
  readonly adam?: Uint8Array;
  /** The parameters of the gradient model, laid end to end. */
  readonly layout: FlatLayout;
  /** The gradient model's data input: LeNet's `image` [N,1,28,28], a make-trainable model's own (state.ts dataInputOf). */
  readonly data: DataInputSpec;
}

/** Warps image `i` of a staging area in place, unless a part (this one or another) has already taken it. */
function warpUnlessTaken(staging: StagingViews, i: number, stride: number): void {
  if (Atomics.compareExchange(staging.state, i, ImageState.Raw, ImageState.Warping) !== ImageState.Raw) return;
  warpImages(staging.images, staging.warp, stride, i, i + 1);
  Atomics.store(staging.state, i, ImageState.Warped);
}

export class Part {
  private readonly slice: Range;
  /** Every part's slice of the flat parameters (this one's is `slice`), fixed for the runner's life. */
  private readonly slices: readonly Range[];
  /** Two alternating copies of all parameters: a step reads set `parity` and writes its slice of the other. */
  private readonly params: [Float32Array, Float32Array];
  private readonly grad: Float32Array;
  private readonly m: [Float32Array, Float32Array];
  private readonly v: [Float32Array, Float32Array];
  /** The other parts' shares of this part's slice, copied in for Adam; this part's own is a view of `grad`. */
  private readonly shares: Float32Array[];
  private readonly images: Float32Array;
  private readonly labels: Int32Array;
  private readonly scalars = { stepSize: new Float32Array(1), bc2: new Float32Array(1), count: new Float32Array(1) };
  private readonly results = { lossSum: new Float32Array(1), correct: new Float32Array(1) };
  private readonly gradientFeeds: [Feeds, Feeds];
  private readonly gradientOutputs: OutputArrays;
  private readonly adamFeeds: [Feeds, Feeds];
  private readonly adamOutputs: [OutputArrays, OutputArrays];
  /** This part's slice of parameter set s and of Adam's m and v, s = 0, 1 (for flat-adam.ts). */
  private readonly adamSlices: [FlatAdamSlice, FlatAdamSlice];
  private readonly batchTensors = new Map<number, Feeds>();
  private readonly view: {
    control: Int32Array; params: Float32Array; m: Float32Array; v: Float32Array; grads: Float32Array[]; slots: SlotViews[]; staging: StagingViews[];
  };
  /** Step commands this part has run (the Arrived counter reaches parts × this at each one's barrier). */
  private steps = 0;

  private constructor(readonly index: number, private readonly shared: SharedBuffers, private readonly binding: Binding,
    private readonly gradient: BindingSession, private readonly adam: BindingSession | undefined, layout: FlatLayout, private readonly data: DataInputSpec) {
    const parts = shared.parts;
    const total = shared.paramCount;
    this.params = [new Float32Array(total), new Float32Array(total)];
    this.grad = new Float32Array(total);
    this.slices = Array.from({ length: parts }, (_, k) => paramSlice(total, parts, k));
    this.slice = this.slices[index];
    const length = this.slice.end - this.slice.start;
    this.view = {
      control: new Int32Array(shared.control),
      params: new Float32Array(shared.params), m: new Float32Array(shared.m), v: new Float32Array(shared.v),
      grads: Array.from({ length: parts }, (_, k) => new Float32Array(shared.grads, k * total * 4, total)),
      slots: Array.from({ length: shared.slots }, (_, k) => slotViews(shared, k)),
      staging: Array.from({ length: STAGING_AREAS }, (_, k) => stagingViews(shared, k)),
    };
    this.m = [this.view.m.slice(this.slice.start, this.slice.end), new Float32Array(length)];
    this.v = [this.view.v.slice(this.slice.start, this.slice.end), new Float32Array(length)];
    this.params[0].set(this.view.params);
    const most = batchShare(shared.maxBatch, parts, 0);
    this.images = new Float32Array((most.end - most.start) * PIXELS);
    this.labels = new Int32Array(most.end - most.start);
    this.shares = Array.from({ length: parts }, (_, k) => (k === index ? this.grad.subarray(this.slice.start, this.slice.end) : new Float32Array(length)));

    const scalar = (a: Float32Array): ReturnType<Binding['float32']> => binding.float32(a, []);
    const gradientFeeds = (set: Float32Array): Feeds => {
      const feeds: Feeds = { [BATCH_COUNT]: scalar(this.scalars.count) };
      layout.specs.forEach((spec, k) => { feeds[spec.name] = binding.float32(viewOf(layout, set, k), spec.shape); });
      return feeds;
    };
    this.gradientFeeds = [gradientFeeds(this.params[0]), gradientFeeds(this.params[1])];
    const gradientOutputs: Record<string, { data: Float32Array; dims: readonly number[] }> = {
      [LOSS_SUM]: { data: this.results.lossSum, dims: [] }, [CORRECT]: { data: this.results.correct, dims: [] },
    };
    layout.specs.forEach((spec, k) => { gradientOutputs[gradOf(spec.name)] = { data: viewOf(layout, this.grad, k), dims: spec.shape }; });
    this.gradientOutputs = gradientOutputs;
    const mine = (a: Float32Array): Float32Array => a.subarray(this.slice.start, this.slice.end);
    const adamFeeds = (s: 0 | 1): Feeds => {
      const feeds: Feeds = {
        [STEP_SIZE]: scalar(this.scalars.stepSize), [BIAS_CORRECTION2_SQRT]: scalar(this.scalars.bc2),
        [FLAT_PARAM]: binding.float32(mine(this.params[s]), [length]),
        [FLAT_M]: binding.float32(this.m[s], [length]), [FLAT_V]: binding.float32(this.v[s], [length]),
      };
      this.shares.forEach((share, k) => { feeds[gradOf(k)] = binding.float32(share, [length]); });
      return feeds;
    };
    const adamOutputs = (s: 0 | 1): OutputArrays => ({
      [next(FLAT_PARAM)]: { data: mine(this.params[1 - s]), dims: [length] },
      [next(FLAT_M)]: { data: this.m[1 - s], dims: [length] },
      [next(FLAT_V)]: { data: this.v[1 - s], dims: [length] },
    });
    this.adamFeeds = [adamFeeds(0), adamFeeds(1)];
    this.adamOutputs = [adamOutputs(0), adamOutputs(1)];
    // the same slices for flat-adam.ts, when there is no Adam model
    const adamSlice = (s: 0 | 1): FlatAdamSlice => ({ param: mine(this.params[s]), m: this.m[s], v: this.v[s] });
    this.adamSlices = [adamSlice(0), adamSlice(1)];
  }

  /**
   * Part `index` of `shared.parts` on `binding`, its state taken from the shared parameters, m and v. Its
   * sessions use one thread each (onnxruntime-web's WASM threads are the caller's to set to 1): the
   * parallelism is across parts.
   */
  static async create(index: number, shared: SharedBuffers, models: PartModels, binding: Binding): Promise<Part> {
    const [gradient, adam] = await Promise.all([binding.createSession(models.gradient, { threads: 1 }), models.adam && binding.createSession(models.adam, { threads: 1 })]);
    return new Part(index, shared, binding, gradient, adam, models.layout, models.data);
  }

  /**
   * Runs command number `sequence` (from batch slot `slot`) for the step whose current state is set
   * `parity`; the batch (for Gradients) is read from `images`/`labels`, which are the slot's shared
   * buffers for workers and the batch itself for part 0.
   */
  async run(command: Command, slot: number, sequence: number, parity: 0 | 1, batchSize: number, images?: Float32Array, labels?: Int32Array): Promise<void> {
    const views = this.view.slots[slot];
    if (command === Command.Gradients) {
      await this.arrivingGradients(views, parity, batchSize, images ?? views.images, labels ?? views.labels, slot);
      const everyone = this.shared.parts * this.steps;
      this.warpAhead(slot, () => reached(Atomics.load(this.view.control, Slot.Arrived), everyone));
    } else if (command === Command.Adam) await this.update(views, parity);
    else if (command === Command.Step) {
      // A step handed over while the previous one ran starts from the parameters every part published at
      // its end: wait for all of them (at once when the driver waited for that step).
      this.waitForCount(Slot.Done, this.shared.parts * (sequence - 1));
      await this.arrivingGradients(views, parity, batchSize, images ?? views.images, labels ?? views.labels, slot);
      this.waitForCount(Slot.Arrived, this.shared.parts * this.steps);
      await this.update(views, parity);
    }
    else if (command === Command.Publish) this.publish(parity);
  }

  /** Batch slots of the shared buffers (SharedBuffers.slots): command number n uses slot n mod this. */
  get slots(): number {
    return this.shared.slots;
  }

  get backend(): BindingKind {
    return this.binding.kind;
  }

  async release(): Promise<void> {
    await this.gradient.release();
    await this.adam?.release();
  }

  /** gradients, then counts this part as arrived (on the Arrived counter), even after a failure, so that no part waits for it forever. */
  private async arrivingGradients(views: SlotViews, parity: 0 | 1, batchSize: number, images: Float32Array, labels: Int32Array, slot: number): Promise<void> {
    this.steps++;
    try {
      await this.gradients(views, parity, batchSize, images, labels, slot);
    } finally {
      this.arrive();
    }
  }

  /**
   * Until `stop()` (asked before each image), warps images of the next step's batch (staged with the step
   * of batch slot `slot`: Field.NextStaged) in place, one at a time, the other parts' shares first: for
   * time this part would otherwise spend waiting, for the other parts' gradients (run) or for the next
   * command (serve-part.ts). Whatever is left, each part warps for its own share next step.
   */
  warpAhead(slot: number, stop: () => boolean): void {
    const c = this.view.control;
    const area = Atomics.load(c, fieldSlot(slot, Field.NextStaged));
    const stride = Atomics.load(c, fieldSlot(slot, Field.WarpStride));
    if (area === 0 || stride === 0) return;
    const staging = this.view.staging[area - 1];
    const { parts } = this.shared;
    const size = Atomics.load(c, fieldSlot(slot, Field.NextBatchSize));
    for (let k = 1; k <= parts; k++) {
      const share = batchShare(size, parts, (this.index + k) % parts);
      for (let i = share.start; i < share.end; i++) {
        if (stop()) return;
        warpUnlessTaken(staging, i, stride);
      }
    }
  }

  /**
   * Makes images [start, end) of a staging area warped: warps those no part has taken, and waits for
   * those another part is warping (a few microseconds each).
   */
  private finishWarping(staging: StagingViews, start: number, end: number, stride: number): void {
    for (let i = start; i < end; i++) warpUnlessTaken(staging, i, stride);
    for (let i = start; i < end; i++) while (Atomics.load(staging.state, i) !== ImageState.Warped);
  }

  private async gradients(views: SlotViews, parity: 0 | 1, batchSize: number, images: Float32Array, labels: Int32Array, slot: number): Promise<void> {
    const { parts } = this.shared;
    const set = this.params[parity];
    for (let k = 0; k < parts; k++) {
      if (k === this.index) continue;
      const other = this.slices[k];
      set.set(this.view.params.subarray(other.start, other.end), other.start);
    }
    const share = batchShare(batchSize, parts, this.index);
    const n = share.end - share.start;
    if (n > 0) {
      const stride = Atomics.load(this.view.control, fieldSlot(slot, Field.WarpStride));
      const staged = Atomics.load(this.view.control, fieldSlot(slot, Field.Staged));
      if (staged > 0) {
        // Handed over a step early: the parts have been warping it in place while they waited.
        const staging = this.view.staging[staged - 1];
        if (stride > 0) this.finishWarping(staging, share.start, share.end, stride);
        this.images.set(staging.images.subarray(share.start * PIXELS, share.end * PIXELS));
      } else {
        const own = images.subarray(share.start * PIXELS, share.end * PIXELS);
        // Augmentation: this part warps its own share into its buffer, by the parameters the main thread drew for it.
        if (stride > 0) warpImagesInto(own, views.warp.subarray(share.start * stride, share.end * stride), stride, n, this.images);
        else this.images.set(own);
      }
      this.labels.set(labels.subarray(share.start, share.end));
      this.scalars.count[0] = batchSize;
      await this.gradient.run({ ...this.gradientFeeds[parity], ...this.batchFeeds(n) }, this.gradientOutputs);
    } else {
      this.grad.fill(0);
      this.results.lossSum[0] = 0;
      this.results.correct[0] = 0;
    }
    views.scalars[lossSumSlot(this.index)] = this.results.lossSum[0];
    views.scalars[correctSlot(this.index)] = this.results.correct[0];
    const out = this.view.grads[this.index];
    for (let k = 0; k < parts; k++) {
      if (k === this.index) continue;
      const other = this.slices[k];
      out.set(this.grad.subarray(other.start, other.end), other.start);
    }
  }

  private async update(views: SlotViews, parity: 0 | 1): Promise<void> {
    const { start, end } = this.slice;
    this.shares.forEach((share, k) => { if (k !== this.index) share.set(this.view.grads[k].subarray(start, end)); });
    this.scalars.stepSize[0] = views.scalars[STEP_SIZE_SLOT];
    this.scalars.bc2[0] = views.scalars[BC2_SLOT];
    if (this.adam) await this.adam.run(this.adamFeeds[parity], this.adamOutputs[parity]);
    else flatAdam(this.adamSlices[parity], this.shares, this.scalars.stepSize[0], this.scalars.bc2[0], this.adamSlices[1 - parity]);
    if (this.shared.parts > 1) this.view.params.set(this.params[1 - parity].subarray(start, end), start);
  }

  /** Counts this part's gradient as published. */
  private arrive(): void {
    Atomics.add(this.view.control, Slot.Arrived, 1);
    Atomics.notify(this.view.control, Slot.Arrived);
  }

  /** Blocks until counter `slot` of the control array reaches `count` (Step): only in a worker, never on a page's thread. */
  private waitForCount(slot: number, count: number): void {
    const c = this.view.control;
    for (let i = 0; i < SPIN_POLLS && !reached(Atomics.load(c, slot), count); i++);
    for (let seen = Atomics.load(c, slot); !reached(seen, count); seen = Atomics.load(c, slot)) Atomics.wait(c, slot, seen);
  }

  private publish(parity: 0 | 1): void {
    const { start, end } = this.slice;
    this.view.params.set(this.params[parity].subarray(start, end), start);
    this.view.m.set(this.m[parity], start);
    this.view.v.set(this.v[parity], start);
  }

  /** Image and label tensors over the first `n` slots of this part's batch buffers, made once per size. */
  private batchFeeds(n: number): Feeds {
    let feeds = this.batchTensors.get(n);
    if (!feeds) {
      feeds = {
        [this.data.name]: this.binding.float32(this.images.subarray(0, n * PIXELS), [n, ...this.data.dims]),
        [LABEL]: this.binding.int32(this.labels.subarray(0, n), [n]),
      };
      this.batchTensors.set(n, feeds);
    }
    return feeds;
  }
}
