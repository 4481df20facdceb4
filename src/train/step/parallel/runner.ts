/**
 * The CPU trainer's step, data-parallel across threads: each batch is split into one contiguous share
 * per thread, every thread computes its share of the gradient with its own ONNX Runtime session (one
 * intra-op thread each), and each thread then runs Adam on its own slice of the flat parameter vector
 * with the shares summed in thread order. The main thread is part 0; the others are worker threads
 * driven through shared memory (shared.ts; the driving side is coordinator.ts, shared with the page's Web
 * Workers), so a step costs two short barriers and no messages.
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
import { PIXELS, gradOf } from '../../../graph/contract.js';
import { buildFlatAdamModel, buildGradientModel } from '../../../graph/models.js';
import { type ModelProto, encodeModel } from '../../../graph/proto.js';
import { modelValueSpecs } from '../../../graph/export.js';
import type { Batch } from '../../../data/batches.js';
import { loadBinding } from '../../../runtime/binding/load.js';
import { BINDING_KINDS, type BindingKind } from '../../../runtime/binding/types.js';
import { checkThreads, defaultThreads } from '../../../runtime/threads.js';
import { trace } from '../../../util/trace.js';
import type { BatchWarp, StepResult, TrainStepRunner, UpcomingBatch } from '../runner.js';
import { type HostState, type StateSource, dataInputOf, pairedInputs } from '../state.js';
import { PartCoordinator, sharedState } from './coordinator.js';
import { flatLayout } from './layout.js';
import { Part } from './part.js';
import { Slot, paramSlice } from './shared.js';
import type { WorkerMessage, WorkerSetup } from './worker.js';

/** Polls of the Done counter before the main thread sleeps on it: it ran part 0, and the parts usually finish together. */
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

  private constructor(private readonly coordinator: PartCoordinator, private readonly main: Part,
    private readonly workers: readonly WorkerHandle[],
    /** `closing` once release (or a failed create) begins, when worker exits are expected; `error` once a worker crashed. */
    private readonly life: Life) {}

  get threads(): number {
    return this.coordinator.shared.parts;
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
    const shared = sharedState(from, layout, parts, options.maxBatch, 'the CPU trainer');
    const gradient = encodeModel(gradientModel);
    // onnxruntime-web's parts update their slices in JavaScript (part.ts PartModels.adam)
    const adamFor = (k: number): Uint8Array | undefined => {
      if (backend === 'web') return undefined;
      const slice = paramSlice(layout.total, parts, k);
      return encodeModel(buildFlatAdamModel(slice.end - slice.start, parts));
    };

    trace('parallel runner: models built');
    const url = parts > 1 ? workerUrl() : undefined;
    const life: Life = { closing: false };
    const control = new Int32Array(shared.control);
    const started = Array.from({ length: parts - 1 }, (_, i) => startWorker(url!, { index: i + 1, shared, models: { gradient, adam: adamFor(i + 1), layout, data }, backend }, life, control));
    const mainPart = loadBinding(backend, { wasmThreads: 1 }).then((b) => Part.create(0, shared, { gradient, adam: adamFor(0), layout, data }, b));
    const [main, ...workers] = await Promise.allSettled([mainPart, ...started.map((w) => w.ready)]);
    trace('parallel runner: sessions and workers ready');
    const failed = [main, ...workers].find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (main.status === 'fulfilled' && !failed) {
      const handles = started.map((w) => w.handle);
      const coordinator = new PartCoordinator(shared, layout, main.value, {
        count: handles.length,
        failure: () => life.error,
        messageOf: (index) => errorOf(handles.find((h) => h.index === index)),
      }, { spinPolls: SPIN_POLLS, what: 'the CPU step runner', partName: (index) => `CPU training thread ${index}` });
      return new ParallelCpuRunner(coordinator, main.value, handles, life);
    }
    life.closing = true;
    await Promise.all(started.map((w) => w.handle.worker.terminate()));
    if (main.status === 'fulfilled') await main.value.release();
    throw failed?.reason;
  }

  /**
   * One Adam step on `batch` (at most maxBatch images) with the given step size and bias correction;
   * with `warp`, every part warps its own share of the images first (the main thread only its own);
   * `upcoming` is warped by the threads while they wait for each other (TrainStepRunner.step).
   */
  step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number, warp?: BatchWarp, upcoming?: UpcomingBatch): Promise<StepResult> {
    return this.coordinator.step(batch, stepSize, biasCorrection2Sqrt, warp, upcoming);
  }

  /** The state in the train-step model's order: parameters, then Adam's m, then v. */
  readState(): Promise<HostState> {
    return this.coordinator.readState();
  }

  async release(): Promise<void> {
    if (this.life.closing) return;
    this.life.closing = true;
    const exited = this.workers.filter((h) => !h.exited).map((h) => new Promise<void>((resolve) => {
      const timer = setTimeout(() => { void h.worker.terminate().then(() => resolve()); }, EXIT_TIMEOUT_MS);
      h.worker.once('exit', () => { clearTimeout(timer); resolve(); });
    }));
    this.coordinator.close();
    await Promise.all(exited);
    await this.main.release();
  }
}

/** The message a failed worker sent (it is posted just before the failure is flagged). */
async function errorOf(handle: WorkerHandle | undefined): Promise<string> {
  if (!handle) return 'unknown error';
  for (let i = 0; i < 100 && handle.errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  return handle.errors.shift() ?? 'no message';
}
