/**
 * Feeds for one run of the train-step model (`lenet.train.onnx`) from host arrays: every parameter,
 * Adam's m and v, the step's Adam scalars, a batch of images and labels — the model's input contract
 * (contract.ts) as onnxruntime-node tensors. For callers that drive the model themselves (tests,
 * benchmarks, other tools); the trainer's StepRunner reuses its tensors between steps instead.
 */
import * as ort from 'onnxruntime-node';
import { BIAS_CORRECTION2_SQRT, IMAGE, IMAGE_SIZE, LABEL, STEP_SIZE, adamM, adamScalars, adamV } from '../graph/contract.js';
import { PARAMS, type Params, zerosLikeParams } from '../graph/params.js';

export type Feeds = Record<string, ort.Tensor>;

export interface TrainFeedOptions {
  readonly params: Params;
  /** Adam's moments; zeros (a first step) when omitted. */
  readonly m?: Params;
  readonly v?: Params;
  /** 1-based Adam step (default 1) and learning rate (default 1e-3). */
  readonly step?: number;
  readonly lr?: number;
  /** n·784 pixels in [0,1] and n labels. */
  readonly images: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly n: number;
}

export function trainStepFeeds(o: TrainFeedOptions): Feeds {
  const zeros = o.m && o.v ? undefined : zerosLikeParams();
  const f32 = (dims: readonly number[], data: ArrayLike<number>): ort.Tensor => new ort.Tensor('float32', Float32Array.from(data), [...dims]);
  const feeds: Feeds = {
    [IMAGE]: f32([o.n, 1, IMAGE_SIZE, IMAGE_SIZE], o.images),
    [LABEL]: new ort.Tensor('int32', Int32Array.from(o.labels), [o.n]),
  };
  for (const spec of PARAMS) {
    feeds[spec.name] = f32(spec.shape, o.params[spec.name]);
    feeds[adamM(spec.name)] = f32(spec.shape, (o.m ?? zeros!)[spec.name]);
    feeds[adamV(spec.name)] = f32(spec.shape, (o.v ?? zeros!)[spec.name]);
  }
  const s = adamScalars(o.step ?? 1, o.lr ?? 1e-3);
  feeds[STEP_SIZE] = f32([], [s.stepSize]);
  feeds[BIAS_CORRECTION2_SQRT] = f32([], [s.biasCorrection2Sqrt]);
  return feeds;
}
