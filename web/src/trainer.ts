/**
 * Trains LeNet from scratch in the page with the same train-step layer as Node (src/train/step): the
 * train-step model (`lenet.train.onnx`, one Adam step per run) in an onnxruntime-web session, its state
 * derived from the model's own inputs and outputs and fed back step after step, batches from the same
 * seeded batch order (src/data/batches.ts), weights from `initParameters(seed)` — PyTorch's
 * initialisation, as the Node trainer draws it; the data order comes from a second MT19937 seeded alike.
 */
import { BatchIterator, type Batch } from '../../src/data/batches.js';
import { adamScalars } from '../../src/graph/contract.js';
import { asParams, initParameters, type Params } from '../../src/graph/params.js';
import { webBinding } from '../../src/runtime/binding/web.js';
import { TrainStepSession } from '../../src/train/step/session-step.js';
import { modelState } from '../../src/train/step/state.js';
import { Mt19937 } from '../../src/util/rng.js';
import type { DigitSplit } from './dataset.js';
import type { Backend } from './runtime.js';

export interface TrainConfig {
  readonly steps: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly backend: Backend;
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

  private constructor(private readonly session: TrainStepSession, private readonly order: BatchIterator, private readonly config: TrainConfig) {
    this.batches = order.epoch();
  }

  static async create(trainModel: Uint8Array, data: DigitSplit, config: TrainConfig): Promise<BrowserTrainer> {
    if (config.batchSize > data.count) throw new RangeError(`batch size ${config.batchSize} exceeds the ${data.count} training images`);
    const session = await TrainStepSession.create(webBinding, trainModel, { params: initParameters(config.seed) }, { executionProvider: config.backend });
    return new BrowserTrainer(session, new BatchIterator(data, config.batchSize, { shuffle: true, rng: new Mt19937(config.seed) }), config);
  }

  get stepsDone(): number {
    return this.step;
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
