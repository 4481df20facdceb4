/** Feeds for the train-step model (onnxruntime-node tensors), shared by the numerics tests. */
import { BIAS_CORRECTION2_SQRT, IMAGE, LABEL, STEP_SIZE, adamM, adamScalars, adamV } from '../../src/graph/contract.js';
import { PARAMS, type Params, zerosLikeParams } from '../../src/graph/params.js';
import { type Feeds, f32, i32 } from './ort.js';

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
  const zeros = zerosLikeParams();
  const feeds: Feeds = { [IMAGE]: f32([o.n, 1, 28, 28], o.images), [LABEL]: i32([o.n], o.labels) };
  for (const spec of PARAMS) {
    feeds[spec.name] = f32(spec.shape, o.params[spec.name]);
    feeds[adamM(spec.name)] = f32(spec.shape, (o.m ?? zeros)[spec.name]);
    feeds[adamV(spec.name)] = f32(spec.shape, (o.v ?? zeros)[spec.name]);
  }
  const s = adamScalars(o.step ?? 1, o.lr ?? 1e-3);
  feeds[STEP_SIZE] = f32([], [s.stepSize]);
  feeds[BIAS_CORRECTION2_SQRT] = f32([], [s.biasCorrection2Sqrt]);
  return feeds;
}
