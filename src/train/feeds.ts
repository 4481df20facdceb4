/**
 * Feeds for one run of the train-step model (`lenet.train.onnx`) from host arrays: its state (each
 * parameter, Adam's m and v), the step's Adam scalars, a batch of images and labels, as
 * onnxruntime-node tensors. For callers that drive the model themselves (tests, benchmarks, tools); the
 * trainer's runners carry their tensors from step to step instead (train/step).
 */
import { ADAM, BIAS_CORRECTION2_SQRT, IMAGE, IMAGE_SIZE, LABEL, STEP_SIZE, adamM, adamScalars, adamV } from '../graph/contract.js';
import { modelValueSpecs } from '../graph/export.js';
import { buildTrainStepModel } from '../graph/models.js';
import type { Params } from '../graph/params.js';
import { nodeBinding } from '../runtime/binding/node.js';
import type { Feeds } from '../runtime/binding/types.js';
import { type TensorSpec, initialState, stateFeeds, trainStepSignature } from './step/state.js';

export type { Feeds };

export interface TrainFeedOptions {
  readonly params: Params;
  /** Adam's moments; zeros (a first step) when omitted. */
  readonly m?: Params;
  readonly v?: Params;
  /** 1-based Adam step (default 1) and learning rate (default ADAM.lr). */
  readonly step?: number;
  readonly lr?: number;
  /** n·784 pixels in [0,1] and n labels. */
  readonly images: ArrayLike<number>;
  readonly labels: ArrayLike<number>;
  readonly n: number;
}

let lenetState: readonly TensorSpec[] | undefined;

/** The state inputs of LeNet's train-step model, read from the model itself (built once). */
export function lenetStateSpecs(): readonly TensorSpec[] {
  if (!lenetState) {
    const io = modelValueSpecs(buildTrainStepModel());
    lenetState = trainStepSignature(io.inputs, io.outputs.map((o) => o.name)).state;
  }
  return lenetState;
}

/** `values` renamed by `rename` (Adam's moments under their input names). */
const renamed = (values: Params | undefined, rename: (name: string) => string): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(values ?? {}).map(([name, data]) => [rename(name), data]));

export function trainStepFeeds(o: TrainFeedOptions): Feeds {
  const state = initialState(lenetStateSpecs(), { params: { ...o.params, ...renamed(o.m, adamM), ...renamed(o.v, adamV) } });
  const s = adamScalars(o.step ?? 1, o.lr ?? ADAM.lr);
  const f32 = (dims: readonly number[], data: ArrayLike<number>) => nodeBinding.float32(Float32Array.from(data), dims);
  return {
    ...stateFeeds(nodeBinding, state),
    [STEP_SIZE]: f32([], [s.stepSize]),
    [BIAS_CORRECTION2_SQRT]: f32([], [s.biasCorrection2Sqrt]),
    [IMAGE]: f32([o.n, 1, IMAGE_SIZE, IMAGE_SIZE], o.images),
    [LABEL]: nodeBinding.int32(Int32Array.from(o.labels), [o.n]),
  };
}
