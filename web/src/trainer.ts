/**
 * Trains LeNet from scratch in the page with the same train-step layer as Node (src/train/step), batches
 * from the same seeded batch order (src/data/batches.ts, through batch-order.ts with the optional random
 * shifts), weights from `initParameters(seed)` — PyTorch's initialisation, as the Node trainer draws it;
 * the data order comes from a second MT19937 seeded alike.
 *
 * Which runner: on WASM in a cross-origin-isolated page, Node's CPU data-parallel step with every share
 * of the batch in a Web Worker (worker-runner.ts; `workers`, by default one per core); on WebGPU, or with
 * `workers: 0`, or without isolation, one session of the train-step model (`lenet.train.onnx`, one Adam
 * step per run) on the page's thread, its state fed back step after step (on WebGPU kept on the GPU).
 * Either way a run's whole state can be taken out (`save`) and a new trainer started from it
 * (`TrainConfig.from`) to continue it exactly.
 */
import { adamScalars } from '../../src/graph/contract.js';
import { asParams, initParameters, type Params } from '../../src/graph/params.js';
import { webBinding } from '../../src/runtime/binding/web.js';
import type { StepResult, TrainStepRunner } from '../../src/train/step/runner.js';
import { TrainStepSession } from '../../src/train/step/session-step.js';
import { type HostState, type StateSource, modelState } from '../../src/train/step/state.js';
import { BatchOrder, type OrderState } from './batch-order.js';
import type { DigitSplit } from './dataset.js';
import type { Backend } from './runtime.js';
import { WorkerStepRunner, defaultWorkers, workersAvailable } from './worker-runner.js';

export interface TrainConfig {
  readonly steps: number;
  readonly batchSize: number;
  /** Adam's learning rate (the step size before bias correction; `adamScalars`). */
  readonly learningRate: number;
  readonly seed: number;
  readonly backend: Backend;
  /**
   * WASM only: Web Workers each batch is split across (default defaultWorkers(batchSize): one per core,
   * at most one per image); 0 trains in one session on the page's thread. Ignored on WebGPU.
   */
  readonly workers?: number;
  /** Shift every training image by up to this many pixels in x and y (src/train/augment.ts); 0 or absent: off. */
  readonly augment?: number;
  /** Continue a saved run (its batch size must be `batchSize`); `seed` then only names the run. */
  readonly from?: TrainerState;
}

/** Everything a run needs to continue: parameters with Adam's moments, the step, the batch order. */
export interface TrainerState {
  readonly state: HostState;
  readonly step: number;
  readonly order: OrderState;
}

export interface StepReport {
  readonly step: number;
  readonly loss: number;
  /** Share of the batch predicted right (from the model's `correct` output). */
  readonly batchAccuracy: number;
  /** Training throughput so far: images per second of time spent in steps (batch assembly + run). */
  readonly imagesPerSecond: number;
}

/** A step handed to the runner: its result to come, and its batch size. */
interface HandedOver {
  readonly result: Promise<StepResult>;
  readonly size: number;
}

export class BrowserTrainer {
  private step: number;
  private busyMs = 0;
  private readonly firstStep: number;
  /** The step after `step`, handed over early (trainStep's `prefetch`), if any. */
  private ahead: HandedOver | undefined;
  /** Steps handed to the runner so far (`step`, or one more while one is ahead). */
  private handedOver: number;

  private constructor(private readonly session: TrainStepRunner, private readonly order: BatchOrder, private readonly config: TrainConfig) {
    this.step = config.from?.step ?? 0;
    this.firstStep = this.step;
    this.handedOver = this.step;
  }

  /**
   * `trainModel` is the one-session step (WebGPU, `workers: 0`, no isolation); the workers fetch their
   * models from the server (src/serve/model-urls.ts).
   */
  static async create(trainModel: Uint8Array, data: DigitSplit, config: TrainConfig): Promise<BrowserTrainer> {
    if (config.batchSize > data.count) throw new RangeError(`batch size ${config.batchSize} exceeds the ${data.count} training images`);
    if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) throw new RangeError(`learning rate must be a positive number, got ${config.learningRate}`);
    const saved = config.from;
    if (saved && saved.order.batchSize !== config.batchSize) throw new RangeError(`the saved run trains with batch ${saved.order.batchSize}, not ${config.batchSize}`);
    const order = saved ? BatchOrder.restore(data, saved.order) : BatchOrder.create(data, config.batchSize, config.seed);
    const from: StateSource = saved ? { state: saved.state } : { params: initParameters(config.seed) };
    const workers = config.backend === 'wasm' && workersAvailable() ? config.workers ?? defaultWorkers(config.batchSize) : 0;
    const session = workers > 0
      ? await WorkerStepRunner.create(from, { workers, maxBatch: config.batchSize })
      : await TrainStepSession.create(webBinding, trainModel, from, { executionProvider: config.backend });
    return new BrowserTrainer(session, order, config);
  }

  get stepsDone(): number {
    return this.step;
  }

  /** Web Workers each batch is split across; 0 when one session on the page's thread trains. */
  get workers(): number {
    return this.session instanceof WorkerStepRunner ? this.session.threads : 0;
  }

  /** How this trainer runs, for the page: "2 Web Workers × 1 WASM thread" or "one WebGPU session". */
  get runner(): string {
    const n = this.workers;
    if (n > 0) return `${n} Web Worker${n === 1 ? '' : 's'} × 1 WASM thread`;
    return `one ${this.config.backend === 'webgpu' ? 'WebGPU' : 'WASM'} session${this.config.backend === 'wasm' && !workersAvailable() ? ' (not cross-origin isolated)' : ''}`;
  }

  /**
   * Runs one Adam step on the next mini-batch (a new epoch, reshuffled, after the last one) and reports it.
   * With `prefetch` (the default) and the page's workers, the step after it is handed over before this one
   * ends, so the workers go straight on to it: call `settle()` to collect that one before reading the
   * state (`save`, `parameters`) or stopping. Elsewhere `prefetch` does nothing. After a failed step the
   * trainer is spent: release it.
   */
  async trainStep(options: { readonly prefetch?: boolean } = {}): Promise<StepReport> {
    const start = performance.now();
    const current = this.ahead ?? this.handOver();
    this.ahead = undefined;
    if ((options.prefetch ?? true) && this.session instanceof WorkerStepRunner) this.ahead = this.handOver();
    return this.report(current, start);
  }

  /** Collects the step handed over early, if any (see trainStep): its report, or undefined. */
  async settle(): Promise<StepReport | undefined> {
    const ahead = this.ahead;
    if (!ahead) return undefined;
    this.ahead = undefined;
    return this.report(ahead, performance.now());
  }

  /** The whole state (copies), to continue later with `TrainConfig.from`. */
  async save(): Promise<TrainerState> {
    this.checkSettled('save');
    return { state: await this.session.readState(), step: this.step, order: this.order.state };
  }

  /** The current parameters (copies), e.g. to write into an inference model. */
  async parameters(): Promise<Params> {
    this.checkSettled('read the parameters');
    return asParams(modelState(await this.session.readState()));
  }

  /** Takes the next batch and hands its step to the runner (the batch is copied before this returns). */
  private handOver(): HandedOver {
    const batch = this.order.next(this.config.augment ?? 0);
    const scalars = adamScalars(++this.handedOver, this.config.learningRate);
    const runner = this.session;
    const result = runner instanceof WorkerStepRunner
      ? runner.submit(batch, scalars.stepSize, scalars.biasCorrection2Sqrt)
      : runner.step(batch, scalars.stepSize, scalars.biasCorrection2Sqrt);
    result.catch(() => undefined); // a step handed over early may fail before anyone awaits it: not unhandled
    return { result, size: batch.size };
  }

  private async report(step: HandedOver, start: number): Promise<StepReport> {
    const result = await step.result;
    this.step++;
    this.busyMs += performance.now() - start;
    return { step: this.step, loss: result.loss, batchAccuracy: result.correct / step.size, imagesPerSecond: ((this.step - this.firstStep) * step.size) / (this.busyMs / 1000) };
  }

  private checkSettled(what: string): void {
    if (this.ahead) throw new Error(`cannot ${what} with a step still in flight: settle() first`);
  }

  async release(): Promise<void> {
    await this.settle().catch(() => undefined); // its failure, if any, is not this call's news
    await this.session.release();
  }
}
