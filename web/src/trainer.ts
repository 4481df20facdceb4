/**
 * Trains LeNet from scratch in the page: the train-step model (`lenet.train.onnx`, one Adam step per
 * `session.run`) in onnxruntime-web, fed its own outputs back as the next step's state. The weights start
 * from `initParameters(seed)` — the same PyTorch-equivalent initialisation the Node trainer uses.
 */
import {
  BIAS_CORRECTION2_SQRT, CORRECT, IMAGE, LABEL, LOSS, STATE_NAMES, STEP_SIZE, adamM, adamScalars, adamV, next,
} from '../../src/graph/contract.js';
import { PARAMS, PARAM_NAMES, initParameters, zerosLikeParams, type Params } from '../../src/graph/params.js';
import { Mt19937 } from '../../src/util/rng.js';
import { type DigitSplit, gatherImages } from './dataset.js';
import { type Backend, createSession, ort } from './runtime.js';

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

/** Initial state: parameters, Adam m and v (zeros), keyed by the train-step model's input names. */
function initialState(seed: number): Map<string, Float32Array> {
  const params = initParameters(seed);
  const state = new Map<string, Float32Array>();
  for (const name of PARAM_NAMES) state.set(name, params[name]);
  const [m, v] = [zerosLikeParams(), zerosLikeParams()];
  for (const name of PARAM_NAMES) state.set(adamM(name), m[name]);
  for (const name of PARAM_NAMES) state.set(adamV(name), v[name]);
  return state;
}

/** Shape of every state input: a parameter's, shared by its Adam m and v. */
const SHAPES = new Map<string, readonly number[]>(PARAMS.flatMap((p) => [p.name, adamM(p.name), adamV(p.name)].map((name) => [name, p.shape] as const)));

/** Shuffled mini-batches over `count` examples, reshuffled every epoch from one seeded stream. */
class BatchOrder {
  private order: Uint32Array;
  private position: number;

  constructor(private readonly count: number, private readonly batchSize: number, private readonly rng: Mt19937) {
    this.order = Uint32Array.from({ length: count }, (_, i) => i);
    this.position = count;
  }

  next(): Uint32Array {
    if (this.position + this.batchSize > this.count) {
      this.rng.shuffle(this.order);
      this.position = 0;
    }
    const batch = this.order.subarray(this.position, this.position + this.batchSize);
    this.position += this.batchSize;
    return batch;
  }
}

export class BrowserTrainer {
  private state: Map<string, Float32Array>;
  private readonly batches: BatchOrder;
  private step = 0;
  private busyMs = 0;

  private constructor(private readonly session: ort.InferenceSession, private readonly data: DigitSplit, private readonly config: TrainConfig) {
    if (config.batchSize > data.count) throw new RangeError(`batch size ${config.batchSize} exceeds the ${data.count} training images`);
    this.state = initialState(config.seed);
    this.batches = new BatchOrder(data.count, config.batchSize, new Mt19937(config.seed));
  }

  static async create(trainModel: Uint8Array, data: DigitSplit, config: TrainConfig): Promise<BrowserTrainer> {
    return new BrowserTrainer(await createSession(trainModel, config.backend), data, config);
  }

  get stepsDone(): number {
    return this.step;
  }

  /** Runs one Adam step on the next mini-batch. */
  async trainStep(): Promise<StepReport> {
    const start = performance.now();
    const indices = this.batches.next();
    const n = indices.length;
    const scalars = adamScalars(this.step + 1, this.config.learningRate);
    const feeds: Record<string, ort.Tensor> = {
      [IMAGE]: new ort.Tensor('float32', gatherImages(this.data, indices), [n, 1, 28, 28]),
      [LABEL]: new ort.Tensor('int32', Int32Array.from(indices, (i) => this.data.labels[i]), [n]),
      [STEP_SIZE]: new ort.Tensor('float32', Float32Array.of(scalars.stepSize), []),
      [BIAS_CORRECTION2_SQRT]: new ort.Tensor('float32', Float32Array.of(scalars.biasCorrection2Sqrt), []),
    };
    for (const [name, data] of this.state) feeds[name] = new ort.Tensor('float32', data, SHAPES.get(name));
    const out = await this.session.run(feeds);
    const nextState = new Map<string, Float32Array>();
    for (const name of STATE_NAMES) nextState.set(name, (await out[next(name)].getData()) as Float32Array);
    this.state = nextState;
    this.step++;
    const loss = ((await out[LOSS].getData()) as Float32Array)[0];
    const correct = ((await out[CORRECT].getData()) as Float32Array)[0];
    for (const tensor of Object.values(out)) tensor.dispose();
    this.busyMs += performance.now() - start;
    return { step: this.step, loss, batchAccuracy: correct / n, imagesPerSecond: (this.step * n) / (this.busyMs / 1000) };
  }

  /** The current parameters (copies), e.g. to write into an inference model. */
  parameters(): Params {
    const params = {} as Params;
    for (const name of PARAM_NAMES) params[name] = this.state.get(name)!.slice();
    return params;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
