/**
 * The page's data-parallel training on the CPU: the Node CPU trainer's step (src/train/step/parallel)
 * with every part in a Web Worker (train-worker.ts), each on its own onnxruntime-web instance with one
 * WASM thread. Each batch is split into one contiguous share per worker, each worker computes its share
 * of the gradient, then updates its slice of the flat parameters with the shares summed in worker order;
 * the page's thread only hands over the batch and waits (coordinator.ts): a step is one fused command
 * (the workers wait for each other's gradients on shared memory), and no messages; with two batch slots
 * the page hands step k + 1 over while step k runs, so the workers go straight on. Needs cross-origin
 * isolation (SharedArrayBuffer).
 *
 * Numbers: the same parts as Node's runner with as many threads, so the same sums in the same order.
 */
import { PIXELS, gradOf } from '../../src/graph/contract.js';
import { webBinding } from '../../src/runtime/binding/web.js';
import { GRADIENT_MODEL_URL } from '../../src/serve/model-urls.js';
import { PartCoordinator, sharedState } from '../../src/train/step/parallel/coordinator.js';
import { flatLayout } from '../../src/train/step/parallel/layout.js';
import { Slot } from '../../src/train/step/parallel/shared.js';
import type { StepResult, TrainStepRunner } from '../../src/train/step/runner.js';
import type { Batch } from '../../src/data/batches.js';
import { type HostState, type StateSource, dataInputOf, pairedInputs } from '../../src/train/step/state.js';
import type { TrainWorkerMessage, TrainWorkerSetup } from './train-worker.js';
import { fetchBytes } from './view.js';

/** The most workers the page starts. */
export const MAX_WORKERS = 16;
/** onnxruntime-web for the workers: the WASM-only bundle (no WebGPU), from the folder the page serves it in. */
const WORKER_ORT = { module: '/ort/ort.wasm.min.mjs', wasmPaths: '/ort/' } as const;
/** The page's thread runs no part itself: it sleeps on the Done counter right away instead of taking a core from a worker. */
const SPIN_POLLS = 0;
/** How long release() waits for the workers to exit before terminating them. */
const EXIT_TIMEOUT_MS = 2_000;


/** Whether this page can run training workers: Web Workers and SharedArrayBuffer (cross-origin isolation). */
export function workersAvailable(): boolean {
  return typeof Worker !== 'undefined' && typeof SharedArrayBuffer !== 'undefined' && globalThis.crossOriginIsolated === true;
}

/** One worker per logical core, at most one per image of the batch and MAX_WORKERS. */
export function defaultWorkers(batchSize: number): number {
  const cores = typeof navigator !== 'undefined' && navigator.hardwareConcurrency > 0 ? navigator.hardwareConcurrency : 1;
  return Math.max(1, Math.min(cores, batchSize, MAX_WORKERS));
}

interface Handle {
  readonly worker: Worker;
  readonly index: number;
  /** Messages of failed commands, oldest first. */
  readonly errors: string[];
  readonly ready: Promise<void>;
  readonly exited: Promise<void>;
}

interface Life {
  error?: Error;
}

const workerName = (index: number): string => `training worker ${index}`;

function startWorker(setup: TrainWorkerSetup, life: Life, control: Int32Array): Handle {
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: workerName(setup.index) });
  const errors: string[] = [];
  let ready!: { resolve: () => void; reject: (e: Error) => void };
  let exited!: () => void;
  const handle: Handle = {
    worker, index: setup.index, errors,
    ready: new Promise<void>((resolve, reject) => { ready = { resolve, reject }; }),
    exited: new Promise<void>((resolve) => { exited = resolve; }),
  };
  worker.onmessage = (event: MessageEvent<TrainWorkerMessage>) => {
    const message = event.data;
    if (message.kind === 'ready') ready.resolve();
    else if (message.kind === 'exited') exited();
    else {
      errors.push(message.message);
      ready.reject(new Error(`${workerName(setup.index)}: ${message.message}`));
    }
  };
  // A worker that crashed never counts itself done: record why and wake the page's wait.
  worker.onerror = (event) => {
    event.preventDefault();
    const error = new Error(`${workerName(setup.index)} crashed: ${event.message || 'the worker script failed to load'}`);
    life.error ??= error;
    ready.reject(error);
    exited();
    Atomics.notify(control, Slot.Done);
  };
  worker.postMessage(setup);
  return handle;
}

async function errorOf(handle: Handle | undefined): Promise<string> {
  if (!handle) return 'unknown error';
  for (let i = 0; i < 100 && handle.errors.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  return handle.errors.shift() ?? 'no message';
}

export class WorkerStepRunner implements TrainStepRunner {
  readonly ep = 'wasm' as const;

  private constructor(private readonly coordinator: PartCoordinator, private readonly handles: readonly Handle[]) {}

  /** Workers, i.e. shares each batch is split into. */
  get threads(): number {
    return this.handles.length;
  }

  /** `workers` Web Workers over LeNet's gradient model (from the server) for batches of up to `maxBatch`, starting from `from`. */
  static async create(from: StateSource, options: { readonly workers: number; readonly maxBatch: number }): Promise<WorkerStepRunner> {
    const { workers, maxBatch } = options;
    if (!Number.isInteger(workers) || workers < 1 || workers > MAX_WORKERS) throw new RangeError(`workers must be an integer from 1 to ${MAX_WORKERS}, got ${workers}`);
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError(`maxBatch must be an integer ≥ 1, got ${maxBatch}`);
    if (!workersAvailable()) throw new Error('training workers need Web Workers and SharedArrayBuffer: serve the page cross-origin isolated (COOP/COEP), as onnx-lenet serve does');
    const gradient = await fetchBytes(GRADIENT_MODEL_URL, 'the gradient model');
    // The layout and data input come from the model itself, read from a session on the page's thread.
    const probe = await webBinding.createSession(gradient);
    const [inputs, outputs] = [probe.inputs, probe.outputNames];
    await probe.release();
    const data = dataInputOf(inputs, PIXELS, 'the gradient model');
    const layout = flatLayout(pairedInputs(inputs, outputs, gradOf, 'the gradient model'));
    // Two batch slots: the page hands the next step over while one runs (submit).
    const shared = sharedState(from, layout, workers, maxBatch, 'the page\'s trainer', 2);
    const life: Life = {};
    const control = new Int32Array(shared.control);
    // no flat Adam model: the workers update their slices in JavaScript, faster than onnxruntime-web (part.ts)
    const handles = Array.from({ length: workers }, (_, index) => startWorker({ index, shared, models: { gradient, layout, data }, ort: WORKER_ORT }, life, control));
    const started = await Promise.allSettled(handles.map((h) => h.ready));
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      for (const h of handles) h.worker.terminate();
      throw failed.reason;
    }
    const coordinator = new PartCoordinator(shared, layout, undefined, {
      count: handles.length,
      failure: () => life.error,
      messageOf: (index) => errorOf(handles.find((h) => h.index === index)),
    }, { spinPolls: SPIN_POLLS, what: 'the page\'s training workers', partName: workerName, fused: true });
    return new WorkerStepRunner(coordinator, handles);
  }

  /** One Adam step on `batch` (at most maxBatch images) with the given step size and bias correction. */
  step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number): Promise<StepResult> {
    return this.coordinator.step(batch, stepSize, biasCorrection2Sqrt);
  }

  /**
   * Hands the step over and returns its result's promise at once (the batch is copied first): with one
   * step already running, the workers start this one the moment it ends, without waiting for the page's
   * thread to wake. At most 2 steps in flight.
   */
  submit(batch: Batch, stepSize: number, biasCorrection2Sqrt: number): Promise<StepResult> {
    return this.coordinator.submit(batch, stepSize, biasCorrection2Sqrt);
  }

  /** The state in the train-step model's order: parameters, then Adam's m, then v. */
  readState(): Promise<HostState> {
    return this.coordinator.readState();
  }

  /** Tells the workers to release their sessions and end, then ends any that has not within 2 s. */
  async release(): Promise<void> {
    await this.coordinator.settle();
    if (!this.coordinator.close()) return;
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, EXIT_TIMEOUT_MS));
    await Promise.race([Promise.all(this.handles.map((h) => h.exited)), timeout]);
    for (const h of this.handles) h.worker.terminate();
  }
}
