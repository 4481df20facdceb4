/**
 * 2×2 max pooling, forward and backward, with PyTorch's tie rule.
 *
 * The normalised MNIST background is exactly −1, so windows with several equal maxima are everywhere.
 * PyTorch sends a window's gradient to its first maximum in scan order; a plain "equals the max" mask
 * would send it to every tied element (double counting). Here each window position gets a rank
 * (4, 3, 2, 1 in scan order); among the maxima the largest rank — the first one — is kept.
 * Everything stays 4-D (MaxPool, nearest upsampling, Equal, masks as 0/1 floats): no Indices output, no
 * MaxUnpool. Full-size masks are applied by Cast + Mul, which ONNX Runtime's CPU kernels run ~1.7× faster
 * than a broadcasting Where (docs/benchmarks.md); masked-out entries become ±0, which sums to the same.
 */
import { maxPool, upsampleNearest } from '../nn-ops.js';
import { cast, equal, greater, mul, where } from '../ops.js';
import type { Value } from '../tape.js';
import { float32Tensor } from '../tensor.js';

/** y = maxpool2(x):  (N,C,H,W) → (N,C,H/2,W/2). */
export function maxPoolForward(x: Value): Value {
  return maxPool(x, 2);
}

/** (1,1,H,W) constant: rank of each position inside its 2×2 window, first in scan order highest. */
function windowRanks(x: Value): Value {
  const [h, w] = x.shape.slice(2) as number[];
  const data = new Float32Array(h * w);
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) data[i * w + j] = 4 - 2 * (i % 2) - (j % 2);
  return x.tape.tensor(float32Tensor([1, 1, h, w], data));
}

/**
 * In the forward pass this was: y = maxpool2(x).
 * isMax = x == up(y)                    every maximum of its window          (N,C,H,W)
 * rank  = isMax · ranks                 ranks where maximal, 0 elsewhere
 * first = rank == up(maxpool2(rank))    only the first maximum of each window
 * dx    = first · up(dy)
 */
export function maxPoolBackward(dy: Value, x: Value, y: Value): Value {
  const isMax = equal(x, upsampleNearest(y, 2));
  const rank = mul(cast(isMax, 'float32'), windowRanks(x));
  const first = equal(rank, upsampleNearest(maxPool(rank, 2), 2));
  return mul(cast(first, 'float32'), upsampleNearest(dy, 2));
}

/**
 * In the forward pass this was: y = maxpool2(r), r = relu(z).
 * dz = relu'(r) · maxpool2'(dy). Only a window's first maximum receives gradient, and that element is > 0
 * exactly when y > 0, so the ReLU mask is applied to dy at the pooled size (a quarter of the elements)
 * instead of to the full-size result: same numbers as threshold_backward after max_pool2d_backward.
 * dz = maxPoolBackward(y > 0 ? dy : 0, r, y)
 */
export function reluMaxPoolBackward(dy: Value, r: Value, y: Value): Value {
  return maxPoolBackward(where(greater(y, 0), dy, 0), r, y);
}
