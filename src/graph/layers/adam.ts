/**
 * One torch.optim.Adam step (lr, betas 0.9/0.999, eps 1e-8, bias correction, no weight decay), in the
 * order PyTorch's single-tensor CPU path evaluates it, so float32 results agree to rounding.
 * The step-dependent scalars come in as graph inputs (see adamScalars in contract.ts).
 */
import { ADAM } from '../contract.js';
import { add, div, mul, sqrt, sub } from '../ops.js';
import type { Value } from '../tape.js';

export interface AdamState {
  readonly param: Value;
  readonly m: Value;
  readonly v: Value;
}

export interface AdamScalarValues {
  /** lr / (1 − β1^t), float32 () */
  readonly stepSize: Value;
  /** √(1 − β2^t), float32 () */
  readonly biasCorrection2Sqrt: Value;
}

export function adamUpdate(state: AdamState, grad: Value, scalars: AdamScalarValues): AdamState {
  const { beta1, beta2, eps } = ADAM;
  const m = add(mul(state.m, beta1), mul(grad, 1 - beta1));          // m = β1·m + (1−β1)·g
  const v = add(mul(state.v, beta2), mul(mul(grad, 1 - beta2), grad)); // v = β2·v + (1−β2)·g·g
  const denom = add(div(sqrt(v), scalars.biasCorrection2Sqrt), eps);  // √v / √(1−β2^t) + eps
  const param = sub(state.param, div(mul(m, scalars.stepSize), denom)); // p − step_size·m / denom
  return { param, m, v };
}
