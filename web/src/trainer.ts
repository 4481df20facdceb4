/**
 * Trains LeNet from scratch in the page with the same train-step layer as Node (src/train/step): the
 * train-step model (`lenet.train.onnx`, one Adam step per run) in an onnxruntime-web session, its state
 * derived from the model's own inputs and outputs and fed back step after step, batches from the same
 * seeded batch order (src/data/batches.ts), weights from `initParameters(seed)` — PyTorch's
 * initialisation, as the Node trainer draws it; the data order comes from a second MT19937 seeded alike
 * (batch-order.ts, with the optional random shifts). A run's whole state can be taken out (`save`) and
 * a new trainer started from it (`TrainConfig.from`) to continue it exactly.
 */
import { adamScalars } from '../../src/graph/contract.js';
import { asParams, initParameters, type Params } from '../../src/graph/params.js';
import { webBinding } from '../../src/runtime/binding/web.js';
import { TrainStepSession } from '../../src/train/step/session-step.js';
import { type HostState, modelState } from '../../src/train/step/state.js';
import { BatchOrder, type OrderState } from './batch-order.js';
import type { DigitSplit } from './dataset.js';
import type { Backend } from './runtime.js';

export interface TrainConfig {
  readonly steps: number;
  readonly batchSize: number;
  /** Adam's learning rate (the step size before bias correction; `adamScalars`). */
  readonly learningRate: number;
  readonly seed: number;
  readonly backend: Backend;
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

export class BrowserTrainer {
  private step: number;
  private busyMs = 0;
  private readonly firstStep: number;

  private constructor(private readonly session: TrainStepSession, private readonly order: BatchOrder, private readonly config: TrainConfig) {
    this.step = config.from?.step ?? 0;
    this.firstStep = this.step;
  }

  static async create(trainModel: Uint8Array, data: DigitSplit, config: TrainConfig): Promise<BrowserTrainer> {
    if (config.batchSize > data.count) throw new RangeError(`batch size ${config.batchSize} exceeds the ${data.count} training images`);
    if (!(config.learningRate > 0) || !Number.isFinite(config.learningRate)) throw new RangeError(`learning rate must be a positive number, got ${config.learningRate}`);
    const { from } = config;
    if (from && from.order.batchSize !== config.batchSize) throw new RangeError(`the saved run trains with batch ${from.order.batchSize}, not ${config.batchSize}`);
    const order = from ? BatchOrder.restore(data, from.order) : BatchOrder.create(data, config.batchSize, config.seed);
    const session = await TrainStepSession.create(webBinding, trainModel, from ? { state: from.state } : { params: initParameters(config.seed) }, { executionProvider: config.backend });
    return new BrowserTrainer(session, order, config);
  }

  get stepsDone(): number {
    return this.step;
  }

  /** Runs one Adam step on the next mini-batch (a new epoch, reshuffled, after the last one). */
  async trainStep(): Promise<StepReport> {
    const start = performance.now();
    const batch = this.order.next(this.config.augment ?? 0);
    const scalars = adamScalars(this.step + 1, this.config.learningRate);
    const result = await this.session.step(batch, scalars.stepSize, scalars.biasCorrection2Sqrt);
    this.step++;
    this.busyMs += performance.now() - start;
    return { step: this.step, loss: result.loss, batchAccuracy: result.correct / batch.size, imagesPerSecond: ((this.step - this.firstStep) * batch.size) / (this.busyMs / 1000) };
  }

  /** The whole state (copies), to continue later with `TrainConfig.from`. */
  async save(): Promise<TrainerState> {
    return { state: await this.session.readState(), step: this.step, order: this.order.state };
  }

  /** The current parameters (copies), e.g. to write into an inference model. */
  async parameters(): Promise<Params> {
    return asParams(modelState(await this.session.readState()));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
