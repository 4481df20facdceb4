/**
 * Trains LeNet from scratch in the page with the same train-step layer as Node (src/train/step), batches
 * from the same seeded batch order (src/data/batches.ts), weights from `initParameters(seed)` — PyTorch's
 * initialisation, as the Node trainer draws it; the data order comes from a second MT19937 seeded alike.
 *
 * Which runner: on WASM in a cross-origin-isolated page, Node's CPU data-parallel step with every share
 * of the batch in a Web Worker (worker-runner.ts; `workers`, by default one per core); on WebGPU, or with
 * `workers: 0`, or without isolation, one session of the train-step model (`lenet.train.onnx`, one Adam
 * step per run) on the page's thread, its state fed back step after step (on WebGPU kept on the GPU).
 */
import { BatchIterator, type Batch } from '../../src/data/batches.js';
import { adamScalars } from '../../src/graph/contract.js';
import { asParams, initParameters, type Params } from '../../src/graph/params.js';
import { webBinding } from '../../src/runtime/binding/web.js';
import type { TrainStepRunner } from '../../src/train/step/runner.js';
import { TrainStepSession } from '../../src/train/step/session-step.js';
import { type StateSource, modelState } from '../../src/train/step/state.js';
import { Mt19937 } from '../../src/util/rng.js';
import type { DigitSplit } from './dataset.js';
import type { Backend } from './runtime.js';
import { WorkerStepRunner, defaultWorkers, workersAvailable } from './worker-runner.js';

export interface TrainConfig {
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly backend: Backend;
  /**
   * WASM only: Web Workers each batch is split across (default defaultWorkers(batchSize): one per core,
   * at most one per image); 0 trains in one session on the page's thread. Ignored on WebGPU.
   */
  readonly workers?: number;
}

export interface StepReport {
  readonly step: number;
  readonly loss: number;
  /** Share of the batch predicted right (from the model's `correct` output). */
  readonly batchAccuracy: number;
  /** Training throughput so far: images per second of time spent in steps (batch assembly + run). */
  readonly imagesPerSecond: number;
}

export class BrowserTrainer {
  private batches: Iterator<Batch>;
  private step = 0;
  private busyMs = 0;

  private constructor(private readonly session: TrainStepRunner, private readonly order: BatchIterator, private readonly config: TrainConfig) {
    this.batches = order.epoch();
  }

  /**
   * `trainModel` is the one-session step (WebGPU, `workers: 0`, no isolation); the workers fetch their
   * models from the server (src/serve/model-urls.ts).
   */
  static async create(trainModel: Uint8Array, data: DigitSplit, config: TrainConfig): Promise<BrowserTrainer> {
    if (config.batchSize > data.count) throw new RangeError(`batch size ${config.batchSize} exceeds the ${data.count} training images`);
    const from: StateSource = { params: initParameters(config.seed) };
    const workers = config.backend === 'wasm' && workersAvailable() ? config.workers ?? defaultWorkers(config.batchSize) : 0;
    const session = workers > 0
      ? await WorkerStepRunner.create(from, { workers, maxBatch: config.batchSize })
      : await TrainStepSession.create(webBinding, trainModel, from, { executionProvider: config.backend });
    return new BrowserTrainer(session, new BatchIterator(data, config.batchSize, { shuffle: true, rng: new Mt19937(config.seed) }), config);
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

  /** Runs one Adam step on the next mini-batch (a new epoch, reshuffled, after the last one). */
  async trainStep(): Promise<StepReport> {
    const start = performance.now();
    let next = this.batches.next();
    if (next.done) {
      this.batches = this.order.epoch();
      next = this.batches.next();
    }
    const batch = next.value as Batch;
    const scalars = adamScalars(this.step + 1, this.config.learningRate);
    const result = await this.session.step(batch, scalars.stepSize, scalars.biasCorrection2Sqrt);
    this.step++;
    this.busyMs += performance.now() - start;
    return { step: this.step, loss: result.loss, batchAccuracy: result.correct / batch.size, imagesPerSecond: (this.step * batch.size) / (this.busyMs / 1000) };
  }

  /** The current parameters (copies), e.g. to write into an inference model. */
  async parameters(): Promise<Params> {
    return asParams(modelState(await this.session.readState()));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
