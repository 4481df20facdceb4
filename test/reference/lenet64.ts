/**
 * Independent float64 reference of the seed's LeNet-5 (forward, hand-written backward, Adam) that the
 * ONNX training graph is tested against. Plain TypeScript loops; reads only the parameter table.
 */
import { PARAMS, PARAM_NAMES, paramSize, type ParamName, type Params } from '../../src/graph/params.js';
import {
  conv2dBackward, conv2dForward, crossEntropyBackward, crossEntropyForward, linearBackward, linearForward,
  maxpool2Backward, maxpool2Forward, reluBackward, reluForward,
} from './layers64.js';

export type Params64 = Record<ParamName, Float64Array>;

export interface Forward64 {
  /** (N,10) */
  readonly logits: Float64Array;
  /** Mean cross-entropy over the batch. */
  readonly loss: number;
  readonly lossSum: number;
  /** Count of argmax(logits) == label, first maximum wins. */
  readonly correct: number;
  /** (N,10) softmax of the logits. */
  readonly probabilities: Float64Array;
}

/** Every intermediate tensor of one forward pass, kept for the backward. */
export interface Activations64 extends Forward64 {
  readonly n: number;
  readonly x: Float64Array; //      (N,1,28,28) normalised input
  readonly c1: Float64Array; //     (N,6,28,28) conv1 + bias
  readonly r1: Float64Array; //     (N,6,28,28) relu
  readonly p1: Float64Array; //     (N,6,14,14) maxpool
  readonly p1Idx: Int32Array; //    (N,6,14,14) flat index into r1 of each window's chosen element
  readonly c2: Float64Array; //     (N,16,10,10)
  readonly r2: Float64Array; //     (N,16,10,10)
  readonly p2: Float64Array; //     (N,16,5,5) = flatten (N,400), index c*25+h*5+w
  readonly p2Idx: Int32Array; //    (N,16,5,5)
  readonly f1: Float64Array; //     (N,120) fc1
  readonly h1: Float64Array; //     (N,120) relu
  readonly f2: Float64Array; //     (N,84) fc2
  readonly h2: Float64Array; //     (N,84) relu
}

function checkInputs(params: Params64, images: Float64Array, labels: ArrayLike<number>, n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`batch size must be an integer ≥ 1, got ${n}`);
  if (images.length < n * 784) throw new RangeError(`need ${n * 784} pixels, got ${images.length}`);
  if (labels.length < n) throw new RangeError(`need ${n} labels, got ${labels.length}`);
  for (const spec of PARAMS) {
    const t = params[spec.name];
    if (t === undefined || t.length !== paramSize(spec)) {
      throw new RangeError(`${spec.name} must hold ${paramSize(spec)} values`);
    }
  }
}

type Features64 = Pick<Activations64, 'x' | 'c1' | 'r1' | 'p1' | 'p1Idx' | 'c2' | 'r2' | 'p2' | 'p2Idx'>;
type Head64 = Omit<Activations64, keyof Features64 | 'n'>;

/** The convolutional trunk: images (N,784) pixels in [0,1] → features p2 (N,16,5,5). */
export function features64(params: Params64, images: Float64Array, n: number): Features64 {
  const x = new Float64Array(n * 784);
  for (let i = 0; i < x.length; i++) x[i] = (images[i] - 0.5) / 0.5;
  const c1 = new Float64Array(n * 6 * 784);
  conv2dForward(c1, x, params['conv1.weight'], params['conv1.bias'], n, 1, 28, 28, 6, 5, 2);
  const r1 = new Float64Array(c1.length);
  reluForward(r1, c1);
  const p1 = new Float64Array(n * 6 * 196);
  const p1Idx = new Int32Array(p1.length);
  maxpool2Forward(p1, p1Idx, r1, n, 6, 28, 28);
  const c2 = new Float64Array(n * 16 * 100);
  conv2dForward(c2, p1, params['conv2.weight'], params['conv2.bias'], n, 6, 14, 14, 16, 5, 0);
  const r2 = new Float64Array(c2.length);
  reluForward(r2, c2);
  const p2 = new Float64Array(n * 400);
  const p2Idx = new Int32Array(p2.length);
  maxpool2Forward(p2, p2Idx, r2, n, 16, 10, 10);
  return { x, c1, r1, p1, p1Idx, c2, r2, p2, p2Idx };
}

/** The fully connected head and the loss: features p2 (N,400) → logits (N,10), loss, correct. */
export function head64(params: Params64, p2: Float64Array, labels: ArrayLike<number>, n: number): Head64 {
  const f1 = new Float64Array(n * 120);
  linearForward(f1, p2, params['fc1.weight'], params['fc1.bias'], n, 400, 120);
  const h1 = new Float64Array(f1.length);
  reluForward(h1, f1);
  const f2 = new Float64Array(n * 84);
  linearForward(f2, h1, params['fc2.weight'], params['fc2.bias'], n, 120, 84);
  const h2 = new Float64Array(f2.length);
  reluForward(h2, f2);
  const logits = new Float64Array(n * 10);
  linearForward(logits, h2, params['fc3.weight'], params['fc3.bias'], n, 84, 10);
  const probabilities = new Float64Array(n * 10);
  const { losses, correct } = crossEntropyForward(probabilities, logits, labels, n, 10);
  let lossSum = 0;
  for (let i = 0; i < n; i++) lossSum += losses[i];
  return { f1, h1, f2, h2, logits, probabilities, lossSum, loss: lossSum / n, correct };
}

/** The forward pass, keeping every activation. images (N,784) pixels in [0,1]. */
export function forwardActivations64(
  params: Params64, images: Float64Array, labels: ArrayLike<number>, n: number,
): Activations64 {
  checkInputs(params, images, labels, n);
  const features = features64(params, images, n);
  return { n, ...features, ...head64(params, features.p2, labels, n) };
}

/** Logits, mean loss, summed loss, correct count and probabilities of a batch. */
export function forward64(params: Params64, images: Float64Array, labels: ArrayLike<number>, n: number): Forward64 {
  const a = forwardActivations64(params, images, labels, n);
  return { logits: a.logits, loss: a.loss, lossSum: a.lossSum, correct: a.correct, probabilities: a.probabilities };
}

/** The analytic gradient of the mean loss w.r.t. every parameter. */
export function backward64(
  params: Params64, images: Float64Array, labels: ArrayLike<number>, n: number,
): { loss: number; grads: Params64 } {
  const a = forwardActivations64(params, images, labels, n);
  const grads = zeros64();
  const dlogits = new Float64Array(n * 10); //                                   (N,10)
  crossEntropyBackward(dlogits, a.probabilities, labels, n, 10);
  const dh2 = new Float64Array(n * 84); //                                       (N,84)
  linearBackward(dh2, grads['fc3.weight'], grads['fc3.bias'], dlogits, a.h2, params['fc3.weight'], n, 84, 10);
  const df2 = new Float64Array(n * 84);
  reluBackward(df2, dh2, a.h2);
  const dh1 = new Float64Array(n * 120); //                                      (N,120)
  linearBackward(dh1, grads['fc2.weight'], grads['fc2.bias'], df2, a.h1, params['fc2.weight'], n, 120, 84);
  const df1 = new Float64Array(n * 120);
  reluBackward(df1, dh1, a.h1);
  const dp2 = new Float64Array(n * 400); //                                      (N,16,5,5)
  linearBackward(dp2, grads['fc1.weight'], grads['fc1.bias'], df1, a.p2, params['fc1.weight'], n, 400, 120);
  const dr2 = new Float64Array(n * 1600); //                                     (N,16,10,10)
  maxpool2Backward(dr2, dp2, a.p2Idx);
  const dc2 = new Float64Array(n * 1600);
  reluBackward(dc2, dr2, a.r2);
  const dp1 = new Float64Array(n * 6 * 196); //                                  (N,6,14,14)
  conv2dBackward(dp1, grads['conv2.weight'], grads['conv2.bias'], dc2, a.p1, params['conv2.weight'], n, 6, 14, 14, 16, 5, 0);
  const dr1 = new Float64Array(n * 6 * 784); //                                  (N,6,28,28)
  maxpool2Backward(dr1, dp1, a.p1Idx);
  const dc1 = new Float64Array(n * 6 * 784);
  reluBackward(dc1, dr1, a.r1);
  conv2dBackward(null, grads['conv1.weight'], grads['conv1.bias'], dc1, a.x, params['conv1.weight'], n, 1, 28, 28, 6, 5, 2);
  return { loss: a.loss, grads };
}

export interface AdamHyper {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
}

/**
 * One torch.optim.Adam step (1.13, single-tensor path, no weight decay, no amsgrad), in float64, with
 * the same operation order as PyTorch's in-place kernels. `step` is 1-based. Returns new arrays.
 */
export function adamStep64(
  param: Float64Array, grad: Float64Array, m: Float64Array, v: Float64Array,
  step: number, lr: number, { beta1, beta2, eps }: AdamHyper,
): { param: Float64Array; m: Float64Array; v: Float64Array } {
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`Adam step must be an integer ≥ 1, got ${step}`);
  const len = param.length;
  if (grad.length !== len || m.length !== len || v.length !== len) throw new RangeError('Adam tensors differ in length');
  const stepSize = lr / (1 - beta1 ** step);
  const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
  const nextParam = new Float64Array(len);
  const nextM = new Float64Array(len);
  const nextV = new Float64Array(len);
  for (let i = 0; i < len; i++) {
    const g = grad[i];
    nextM[i] = m[i] * beta1 + (1 - beta1) * g; //          exp_avg.mul_(β1).add_(g, alpha=1−β1)
    nextV[i] = v[i] * beta2 + (1 - beta2) * g * g; //      exp_avg_sq.mul_(β2).addcmul_(g, g, value=1−β2)
    const denom = Math.sqrt(nextV[i]) / biasCorrection2Sqrt + eps;
    nextParam[i] = param[i] + -stepSize * (nextM[i] / denom); // param.addcdiv_(m, denom, value=−step_size)
  }
  return { param: nextParam, m: nextM, v: nextV };
}

/** Central difference (f(p+h) − f(p−h)) / 2h of params[name][index], on a deep copy. */
export function finiteDifference(
  f: (params: Params64) => number, params: Params64, name: ParamName, index: number, h: number,
): number {
  const copy = cloneParams64(params);
  const t = copy[name];
  if (!Number.isInteger(index) || index < 0 || index >= t.length) throw new RangeError(`${name}[${index}] out of range`);
  const original = t[index];
  t[index] = original + h;
  const plus = f(copy);
  t[index] = original - h;
  const minus = f(copy);
  t[index] = original;
  return (plus - minus) / (2 * h);
}

export function zeros64(): Params64 {
  const out = {} as Params64;
  for (const spec of PARAMS) out[spec.name] = new Float64Array(paramSize(spec));
  return out;
}

export function cloneParams64(params: Params64): Params64 {
  const out = {} as Params64;
  for (const name of PARAM_NAMES) out[name] = new Float64Array(params[name]);
  return out;
}

/** Float32 parameters (e.g. initParameters(seed)) widened exactly to float64. */
export function toFloat64Params(params: Params): Params64 {
  const out = {} as Params64;
  for (const name of PARAM_NAMES) out[name] = new Float64Array(params[name]);
  return out;
}

/** Float64 parameters rounded to float32 (round-to-nearest, as Math.fround). */
export function toFloat32Params(params: Params64): Params {
  const out = {} as Params;
  for (const name of PARAM_NAMES) out[name] = new Float32Array(params[name]);
  return out;
}
