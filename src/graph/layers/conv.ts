/**
 * Conv2d, forward and backward.
 * Shapes: N batch, C input channels, M output channels, H×W input, Ho×Wo output, k kernel.
 */
import { conv, convTranspose } from '../nn-ops.js';
import { reduceSum, reshape, transpose } from '../ops.js';
import type { Value } from '../tape.js';

export type Pads = readonly [number, number, number, number];

/** y = x ⊛ w + b:  x (N,C,H,W), w (M,C,k,k), b (M) → y (N,M,Ho,Wo). */
export function convForward(x: Value, w: Value, b: Value, pads: Pads): Value {
  return conv(x, w, b, { pads });
}

export interface ConvGrads {
  readonly dx?: Value;
  readonly dw: Value;
  readonly db: Value;
}

/**
 * In the forward pass this was: y = conv(x, w, b, pads).
 * dx = convTranspose(dy, w)            the input gradient, (N,C,H,W); skipped for the first layer
 * dw = conv(xᵀ, dyᵀ)ᵀ                  batch-as-channels: x as (C,N,H,W) convolved with dy as (M,N,Ho,Wo)
 *                                      gives (C,M,k,k), the sum over the batch of every patch × dy
 * db = Σ_{n,h,w} dy                    (M)
 */
export function convBackward(dy: Value, x: Value, w: Value, pads: Pads, needInputGrad: boolean): ConvGrads {
  const channels = x.shape[1];
  // With one input channel, (N,1,H,W) → (1,N,H,W) is a free Reshape instead of a Transpose copy.
  const xT = channels === 1 ? reshape(x, [1, -1, ...(x.shape.slice(2) as number[])]) : transpose(x, [1, 0, 2, 3]);
  const dyT = transpose(dy, [1, 0, 2, 3]);                                     // (M,N,Ho,Wo)
  const dwT = conv(xT, dyT, undefined, { pads });                              // (C,M,k,k)
  const dw = channels === 1 ? reshape(dwT, w.shape as number[]) : transpose(dwT, [1, 0, 2, 3]); // (M,C,k,k)
  const db = reduceSum(dy, [0, 2, 3]);                                         // (M)
  const dx = needInputGrad ? convTranspose(dy, w, { pads }) : undefined;       // (N,C,H,W)
  return { dx, dw, db };
}
