/**
 * Names and shapes of the three models' inputs and outputs: the contract between the graph builder,
 * the trainer (Node), the browser and anyone calling the models from another runtime.
 *
 * - `lenet.onnx` (inference): `image` float32 [N,1,28,28] in [0,1] → `logits`, `probabilities` [N,10].
 * - `lenet.train.onnx` (one Adam step): every parameter, `adam.m.<p>`, `adam.v.<p>`, `adam.step_size`,
 *   `adam.bias_correction2_sqrt`, `image`, `label` → `next.<p>`, `next.adam.m.<p>`, `next.adam.v.<p>`,
 *   `loss` (mean over the batch) and `correct` (count, as float32).
 * - `lenet.eval.onnx`: every parameter, `image`, `label` → `loss_sum`, `correct`.
 *
 * The CPU trainer splits each batch across threads (src/train/step/parallel) and runs two smaller models:
 * - gradient: every parameter, `image`, `label`, `batch_count` (float32, the whole batch's size) →
 *   `grad.<p>` (this part's share of the gradient of the batch's mean loss), `loss_sum`, `correct`;
 * - flat Adam over a slice of all parameters laid end to end (src/train/step/parallel/layout.ts): `param`,
 *   `adam.m`, `adam.v`, `grad.0` … `grad.<K−1>` (one per part, summed in order), the two Adam scalars →
 *   `next.param`, `next.adam.m`, `next.adam.v`.
 */

export const IMAGE = 'image';
export const LABEL = 'label';
export const LOGITS = 'logits';
export const PROBABILITIES = 'probabilities';
export const LOSS = 'loss';
export const LOSS_SUM = 'loss_sum';
export const CORRECT = 'correct';
export const STEP_SIZE = 'adam.step_size';
export const BATCH_COUNT = 'batch_count';
export const FLAT_PARAM = 'param';
export const FLAT_M = 'adam.m';
export const FLAT_V = 'adam.v';
export const BIAS_CORRECTION2_SQRT = 'adam.bias_correction2_sqrt';

export const IMAGE_SIZE = 28;
export const PIXELS = IMAGE_SIZE * IMAGE_SIZE;
export const CLASSES = 10;

/** torch.optim.Adam defaults, as in the seed (`lr` is the seed's learning rate and the trainer's default). */
export const ADAM = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** The learning rate itself, an input of AdamW's train step (for its decoupled weight decay). */
export const ADAM_LR = 'adam.lr';
/** The learning rate, the scalar input of SGD's train step. */
export const SGD_LR = 'sgd.lr';

const ADAM_M = 'adam.m.';
const ADAM_V = 'adam.v.';
const SGD_MOMENTUM = 'sgd.momentum.';
export const adamM = (p: string): string => `${ADAM_M}${p}`;
export const adamV = (p: string): string => `${ADAM_V}${p}`;
/** SGD's momentum buffer of parameter `p` (torch.optim.SGD's momentum_buffer). */
export const sgdMomentum = (p: string): string => `${SGD_MOMENTUM}${p}`;
/**
 * True for the optimizer's own state inputs (Adam's moments, SGD's momentum buffers), as opposed to the
 * model's parameters and running statistics; such state starts at zero.
 */
export const isOptimizerState = (name: string): boolean => name.startsWith(ADAM_M) || name.startsWith(ADAM_V) || name.startsWith(SGD_MOMENTUM);
/** Gradient output of a parameter (`grad.fc1.weight`), or the flat Adam model's input from part k (`grad.0`). */
export const gradOf = (name: string | number): string => `grad.${name}`;
/** Output name carrying the updated value of a train-step input (`next.conv1.weight`, …). */
export const next = (name: string): string => `next.${name}`;


export interface AdamScalars {
  /** lr / (1 − β1^t) */
  readonly stepSize: number;
  /** √(1 − β2^t) */
  readonly biasCorrection2Sqrt: number;
}

/**
 * The step-dependent Adam scalars for step `t` (1-based), in float64 as torch.optim.Adam computes them;
 * the graph receives them rounded to float32, as PyTorch's kernels use them.
 */
export function adamScalars(step: number, lr: number): AdamScalars {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`Adam step must be an integer ≥ 1, got ${step}`);
  if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`learning rate must be a positive number, got ${lr}`);
  return {
    stepSize: lr / (1 - ADAM.beta1 ** step),
    biasCorrection2Sqrt: Math.sqrt(1 - ADAM.beta2 ** step),
  };
}
