/**
 * Mean softmax cross-entropy (PyTorch's CrossEntropyLoss), forward and backward, from portable ops
 * only: no LogSoftmax, OneHot or SoftmaxCrossEntropyLoss, no int64.
 * Shapes: N batch, K = 10 classes.
 */
import { CLASSES } from '../contract.js';
import { cast, div, equal, exp, log, mul, neg, reduceMax, reduceSum, reshape, sub } from '../ops.js';
import type { Value } from '../tape.js';

export interface LossForward {
  /** float32 one-hot labels (N,K) */
  readonly onehot: Value;
  /** softmax(z) (N,K) */
  readonly probabilities: Value;
  /** Σ_n −log softmax(z)[label] () */
  readonly lossSum: Value;
  /** N as float32 () — the batch size, without a Shape op (which would be int64) */
  readonly count: Value;
  /** lossSum / N () */
  readonly loss: Value;
  /** number of rows whose label logit equals the row maximum () */
  readonly correct: Value;
}

/** labels int32 (N) → one-hot float32 (N,K), by comparing with the constant 0…K−1. */
export function oneHot(label: Value, count: number = CLASSES): Value {
  const classes = label.tape.constant(Array.from({ length: count }, (_, k) => k));  // (K)
  return cast(equal(reshape(cast(label, 'float32'), [-1, 1]), classes), 'float32');  // (N,K)
}

export function crossEntropyForward(z: Value, label: Value): LossForward {
  const onehot = oneHot(label, typeof z.shape[1] === 'number' ? z.shape[1] : CLASSES); // K from the logits (any model)
  const zmax = reduceMax(z, [1], true);                         // (N,1)
  const shifted = sub(z, zmax);                                  // (N,K)
  const e = exp(shifted);
  const sumExp = reduceSum(e, [1], true);                        // (N,1)
  const logp = sub(shifted, log(sumExp));                        // log softmax (N,K)
  const probabilities = div(e, sumExp);
  const lossSum = neg(reduceSum(mul(onehot, logp)));             // ()
  const count = reduceSum(onehot);                               // () = N
  // A row is correct when its label's logit is the row maximum (argmax without int64 ArgMax).
  const labelLogit = reduceSum(mul(onehot, z), [1], true);      // (N,1)
  const correct = reduceSum(cast(equal(labelLogit, zmax), 'float32'));
  return { onehot, probabilities, lossSum, count, loss: div(lossSum, count), correct };
}

/**
 * In the forward pass this was: loss = mean_n −log softmax(z)[label].
 * dz = (softmax(z) − onehot) / N        (N,K)
 * `count` replaces N when these rows are one part of a larger batch whose mean loss is differentiated.
 */
export function crossEntropyBackward(f: LossForward, count: Value = f.count): Value {
  return div(sub(f.probabilities, f.onehot), count);
}
