/**
 * The CPU trainer's step, data-parallel across threads: each batch is split into one contiguous share
 * per thread, every thread computes its share of the gradient with its own ONNX Runtime session (one
 * intra-op thread each), and each thread then runs Adam on its own slice of the flat parameter vector
 * with the shares summed in thread order. The main thread is part 0; the others are worker threads
 * driven through shared memory (shared.ts), so a step costs two short barriers and no messages.
 *
 * Why: ONNX Runtime's intra-op threads split each of ~200 small operators and synchronise after every
 * one, which on LeNet's sizes made 2 threads slower than 1 (docs/benchmarks.md); two independent halves
 * of the batch keep both cores busy for the whole step.
 *
 * Numbers: with one thread the result is the train-step model's, bit for bit. With K threads each
 * gradient is the same sum in a different order (K partial sums added in order), so runs agree to
 * float32 rounding across thread counts and are bit-identical for the same thread count.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { PIXELS, adamM, adamV, gradOf } from '../../../graph/contract.js';
import { buildFlatAdamModel, buildGradientModel } from '../../../graph/models.js';
import { type ModelProto, encodeModel } from '../../../graph/proto.js';
import { modelValueSpecs } from '../../../graph/export.js';
import type { Batch } from '../../../data/batches.js';
import { BINDING_KINDS, type BindingKind } from '../../../runtime/binding/types.js';
import { checkThreads, defaultThreads } from '../../../runtime/threads.js';
import { trace } from '../../../util/trace.js';
import type { BatchWarp, StepResult, TrainStepRunner } from '../runner.js';
import { type HostState, type StateSource, type TensorSpec, dataInputOf, initialState, pairedInputs } from '../state.js';
import { type FlatLayout, flatLayout, flattenInto, viewOf } from './layout.js';
import { Part } from './part.js';
import {
  BC2_SLOT, Command, STEP_SIZE_SLOT, type SharedBuffers, Slot, allocateShared, batchShare, correctSlot, lossSumSlot, paramSlice,
} from './shared.js';
import type { WorkerMessage, WorkerSetup } from './worker.js';

/** Atomics.waitAsync (Node ≥ 16), which the ES2022 library typings do not describe yet. */
const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number, timeoutMs: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

/** The main thread sleeps on the Done counter at most this long before looking again (a safety net). */
const WAIT_SLICE_MS = 1_000;

/** Polls of the Done counter before the main thread sleeps on it: the parts usually finish together. */
const SPIN_POLLS = 20_000;
const EXIT_TIMEOUT_MS = 5_000;

/**
 * The compiled worker module beside this one, or the file `ONNX_LENET_CPU_WORKER` names: a worker thread
 * cannot load TypeScript, so the test runner (which runs these sources as TypeScript) points it at dist/.
 */
function workerUrl(): URL {
  const override = process.env.ONNX_LENET_CPU_WORKER;
  const url = override ? new URL(`file://${override}`) : new URL('./worker.js', import.meta.url);
  if (!existsSync(fileURLToPath(url))) throw new Error(`the CPU training worker ${fileURLToPath(url)} is missing; run 'npm run build'`);
  return url;
}

export interface ParallelCpuOptions {
  /** Threads, i.e. parts each batch is split into (default defaultThreads()). */
  readonly threads?: number;
  /** The largest batch a step will be given (sizes the shared batch buffers). */
  readonly maxBatch: number;
  /** ONNX Runtime binding every part runs on (default 'node'; 'web' is onnxruntime-web's WASM build). */
  readonly backend?: BindingKind;
  /**
   * The gradient model (default LeNet's, buildGradientModel): make-trainable's `<stem>.grad.onnx` for
   * `train --model`. Its parameters are its inputs X with an output `grad.X`; its data input is found
   * as the train step's (state.ts dataInputOf).
   */
  readonly gradient?: ModelProto;
}

interface Life {
  closing: boolean;
  error?: Error;
}

interface WorkerHandle {
  readonly worker: Worker;
  readonly index: number;
  /** Messages of failed commands, oldest first. */
  readonly errors: string[];
  exited: boolean;
}

/** Starts worker `setup.index`; `ready` settles when its sessions exist (or it failed to make them). */
function startWorker(url: URL, setup: WorkerSetup, life: Life, control: Int32Array): { handle: WorkerHandle; ready: Promise<void> } {
  const worker = new Worker(url, { workerData: setup });
  worker.unref();  // never keeps the process alive, even if release() is forgotten
  const handle: WorkerHandle = { worker, index: setup.index, errors: [], exited: false };
  const name = `CPU training thread ${setup.index}`;
  // A crashed worker never counts itself done: record why and wake the main thread's wait.
  const fail = (error: Error): void => {
    life.error ??= error;
    Atomics.notify(control, Slot.Done);
  };
  const ready = new Promise<void>((resolve, reject) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'ready') resolve();
      else {
        handle.errors.push(message.message);
        reject(new Error(`${name}: ${message.message}`));
      }
    });
    worker.on('error', (error) => {
      const e = new Error(`${name} crashed: ${error.message}`);
      reject(e);
      fail(e);
    });
    worker.on('exit', (code) => {
      handle.exited = true;
      const e = new Error(`${name} stopped unexpectedly (exit code ${code})`);
      reject(e);
      if (!life.closing) fail(e);
    });
  });
  return { handle, ready };
}

export class ParallelCpuRunner implements TrainStepRunner {
  readonly ep = 'cpu' as const;
  readonly warpsBatches = true;
  get backend(): BindingKind {
    return this.main.backend;
  }

  private parity: 0 | 1 = 0;
  private readonly control: Int32Array;
  private readonly scalars: Float32Array;
  private readonly sharedImages: Float32Array;
  private readonly sharedLabels: Int32Array;
  private readonly sharedWarp: Float64Array;

  private constructor(private readonly shared: SharedBuffers, private readonly main: Part,
    /** The parameters laid end to end, and the state in the train-step model's order (parameters, m, v). */
    private readonly layout: FlatLayout, private readonly stateSpecs: readonly TensorSpec[],
    private readonly workers: readonly WorkerHandle[],
    /** `closing` once release (or a failed create) begins, when worker exits are expected; `error` once a worker crashed. */
    private readonly life: Life) {
    this.control = new Int32Array(shared.control);
    this.scalars = new Float32Array(shared.scalars);
    this.sharedImages = new Float32Array(shared.images);
    this.sharedLabels = new Int32Array(shared.labels);
    this.sharedWarp = new Float64Array(shared.warp);
  }

  get threads(): number {
    return this.shared.parts;
  }

  /**
   * The runner for the gradient model's parameters (its inputs X with an output `grad.X`) and their Adam
   * moments, its initial state from `from`.
   */
  static async create(from: StateSource, options: ParallelCpuOptions): Promise<ParallelCpuRunner> {
    const parts = options.threads ?? defaultThreads();
    checkThreads(parts);
    if (!Number.isInteger(options.maxBatch) || options.maxBatch < 1) throw new RangeError(`maxBatch must be an integer ≥ 1, got ${options.maxBatch}`);
    const backend = options.backend ?? 'node';
    if (!BINDING_KINDS.includes(backend)) throw new RangeError(`backend must be one of ${BINDING_KINDS.join(', ')}; got '${String(backend)}'`);
    trace('parallel runner: building models');
    const gradientModel = options.gradient ?? buildGradientModel();
    const io = modelValueSpecs(gradientModel);
    const data = dataInputOf(io.inputs, PIXELS, 'the gradient model');
    const layout = flatLayout(pairedInputs(io.inputs, io.outputs.map((o) => o.name), gradOf, 'the gradient model'));
    const stateSpecs = [...layout.specs, ...layout.specs.map((p) => ({ ...p, name: adamM(p.name) })), ...layout.specs.map((p) => ({ ...p, name: adamV(p.name) }))];
    const initial = new Map(initialState(stateSpecs, from, 'the CPU trainer').map((t) => [t.name, t.data]));
    const shared = allocateShared(parts, options.maxBatch, layout.total);
    flattenInto(layout, (name) => initial.get(name)!, new Float32Array(shared.params));
    flattenInto(layout, (name) => initial.get(adamM(name))!, new Float32Array(shared.m));
    flattenInto(layout, (name) => initial.get(adamV(name))!, new Float32Array(shared.v));
    const gradient = encodeModel(gradientModel);
    const adamFor = (k: number): Uint8Array => {
      const slice = paramSlice(layout.total, parts, k);
      return encodeModel(buildFlatAdamModel(slice.end - slice.start, parts));
    };

    trace('parallel runner: models built');
    const url = parts > 1 ? workerUrl() : undefined;
    const life: Life = { closing: false };
    const control = new Int32Array(shared.control);
    const started = Array.from({ length: parts - 1 }, (_, i) => startWorker(url!, { index: i + 1, shared, models: { gradient, adam: adamFor(i + 1), layout, data }, backend }, life, control));
    const [main, ...workers] = await Promise.allSettled([Part.create(0, shared, { gradient, adam: adamFor(0), layout, data }, backend), ...started.map((w) => w.ready)]);
    trace('parallel runner: sessions and workers ready');
    const failed = [main, ...workers].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (main.status === 'fulfilled' && !failed) return new ParallelCpuRunner(shared, main.value, layout, stateSpecs, started.map((w) => w.handle), life);
    life.closing = true;
    await Promise.all(started.map((w) => w.handle.worker.terminate()));
    if (main.status === 'fulfilled') await main.value.release();
    throw failed?.reason;
  }

  /**
   * One Adam step on `batch` (at most maxBatch images) with the given step size and bias correction;
   * with `warp`, every part warps its own share of the images first (the main thread only its own).
   */
  async step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number, warp?: BatchWarp): Promise<StepResult> {
    const n = batch.size;
    if (n < 1 || n > this.shared.maxBatch) throw new RangeError(`batch of ${n} images does not fit this runner (1 to ${this.shared.maxBatch})`);
    if (warp && warp.params.length < n * warp.stride) throw new RangeError(`warp of ${warp.params.length} values does not cover ${n} images of ${warp.stride}`);
    if (warp) this.sharedWarp.set(warp.params.subarray(0, n * warp.stride));
    Atomics.store(this.control, Slot.WarpStride, warp ? warp.stride : 0);
    const parts = this.shared.parts;
    if (parts > 1) {
      const first = batchShare(n, parts, 1).start;  // the workers' shares go through shared memory
      this.sharedImages.set(batch.images.subarray(first * PIXELS, n * PIXELS), first * PIXELS);
      this.sharedLabels.set(batch.labels.subarray(first, n), first);
    }
    this.scalars[STEP_SIZE_SLOT] = stepSize;
    this.scalars[BC2_SLOT] = biasCorrection2Sqrt;
    await this.command(Command.Gradients, n, batch);
    await this.command(Command.Adam, n);
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

  async release(): Promise<void> {
    if (this.life.closing) return;
    this.life.closing = true;
    if (this.workers.length > 0) {
      const exited = this.workers.filter((h) => !h.exited).map((h) => new Promise<void>((resolve) => {
        const timer = setTimeout(() => { void h.worker.terminate().then(() => resolve()); }, EXIT_TIMEOUT_MS);
        h.worker.once('exit', () => { clearTimeout(timer); resolve(); });
      }));
      Atomics.store(this.control, Slot.Command, Command.Exit);
      Atomics.add(this.control, Slot.Sequence, 1);
      Atomics.notify(this.control, Slot.Sequence);
      await Promise.all(exited);
    }
    await this.main.release();
  }

  /** Runs `command` on every part (part 0 here, the others in their threads) and waits for all of them. */
  private async command(command: Command, batchSize: number, batch?: Batch): Promise<void> {
    if (this.life.closing) throw new Error('the CPU step runner was released');
    const c = this.control;
    Atomics.store(c, Slot.Command, command);
    Atomics.store(c, Slot.Parity, this.parity);
    Atomics.store(c, Slot.BatchSize, batchSize);
    Atomics.store(c, Slot.Done, 0);
    if (this.workers.length > 0) {
      Atomics.add(c, Slot.Sequence, 1);
      Atomics.notify(c, Slot.Sequence);
    }
    let own: unknown;
    try {
      await this.main.run(command, this.parity, batchSize, batch?.images, batch?.labels);
    } catch (error) {
      own = error;
    }
    await this.waitForWorkers();
    if (own !== undefined) throw own;
    const failed = Atomics.load(c, Slot.Failed);
    if (failed !== 0) throw new Error(`CPU training thread ${failed} failed: ${await this.errorOf(this.workers.find((h) => h.index === failed))}`);
  }

  private async waitForWorkers(): Promise<void> {
    const want = this.workers.length;
    if (want === 0) return;
    const c = this.control;
    for (let i = 0; i < SPIN_POLLS && Atomics.load(c, Slot.Done) < want; i++);
    for (;;) {
      if (this.life.error) throw this.life.error;
      const done = Atomics.load(c, Slot.Done);
      if (done >= want) return;
      const wait = waitAsync(c, Slot.Done, done, WAIT_SLICE_MS);
      if (wait.async) await wait.value;
    }
  }

  /** The message a failed worker sent (it is posted just before the failure is flagged). */
  private async errorOf(handle: WorkerHandle | undefined): Promise<string> {
    if (!handle) return 'unknown error';
    for (let i = 0; i < 100 && handle.errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    return handle.errors.shift() ?? 'no message';
  }
}
