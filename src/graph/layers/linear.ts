/**
 * Linear (fully connected), forward and backward, in PyTorch's layout: w is (out,in).
 * Shapes: N batch, I in_features, O out_features.
 */
import { gemm, matmul } from '../nn-ops.js';
import { reduceSum } from '../ops.js';
import type { Value } from '../tape.js';

/** y = x·wᵀ + b:  x (N,I), w (O,I), b (O) → y (N,O). */
export function linearForward(x: Value, w: Value, b: Value): Value {
  return gemm(x, w, b, { transB: true });
}

export interface LinearGrads {
  readonly dx: Value;
  readonly dw: Value;
  readonly db: Value;
}

/**
 * In the forward pass this was: y = x·wᵀ + b.
 * dx = dy·w        (N,I)
 * dw = dyᵀ·x       (O,I)
 * db = Σ_n dy      (O)
 */
export function linearBackward(dy: Value, x: Value, w: Value): LinearGrads {
  return {
    dx: matmul(dy, w),
    dw: gemm(dy, x, undefined, { transA: true }),
    db: reduceSum(dy, [0]),
  };
}
