/**
 * LeNet-5 as in the seed, forward and backward, written once for all three models.
 *
 * Shape legend: N batch.
 *   image (N,1,28,28) in [0,1] → x = (image − 0.5) / 0.5
 *   conv1 (N,6,28,28) → relu → pool (N,6,14,14)
 *   conv2 (N,16,10,10) → relu → pool (N,16,5,5) → flatten (N,400)
 *   fc1 (N,120) → relu → fc2 (N,84) → relu → fc3 (N,10) = logits
 */
import type { ParamName } from './params.js';
import { convBackward, convForward, type Pads } from './layers/conv.js';
import { linearBackward, linearForward } from './layers/linear.js';
import { maxPoolForward, reluMaxPoolBackward } from './layers/pool.js';
import { reluBackward, reluForward } from './layers/relu.js';
import { div, reshape, sub } from './ops.js';
import type { Value } from './tape.js';

export type ParamValues = Record<ParamName, Value>;

const CONV1_PADS: Pads = [2, 2, 2, 2];
const CONV2_PADS: Pads = [0, 0, 0, 0];

/** Every activation the backward pass reads. */
export interface LenetActivations {
  readonly x: Value;      // (N,1,28,28) normalised input
  readonly r1: Value;     // (N,6,28,28) relu(conv1)
  readonly p1: Value;     // (N,6,14,14)
  readonly r2: Value;     // (N,16,10,10) relu(conv2)
  readonly p2: Value;     // (N,16,5,5)
  readonly f0: Value;     // (N,400) flattened
  readonly a1: Value;     // (N,120) relu(fc1)
  readonly a2: Value;     // (N,84) relu(fc2)
  readonly logits: Value; // (N,10)
}

export function lenetForward(image: Value, p: ParamValues): LenetActivations {
  const x = div(sub(image, 0.5), 0.5);                                  // Normalize((0.5,), (0.5,))
  const r1 = reluForward(convForward(x, p['conv1.weight'], p['conv1.bias'], CONV1_PADS));
  const p1 = maxPoolForward(r1);
  const r2 = reluForward(convForward(p1, p['conv2.weight'], p['conv2.bias'], CONV2_PADS));
  const p2 = maxPoolForward(r2);
  const f0 = reshape(p2, [-1, 400]);
  const a1 = reluForward(linearForward(f0, p['fc1.weight'], p['fc1.bias']));
  const a2 = reluForward(linearForward(a1, p['fc2.weight'], p['fc2.bias']));
  const logits = linearForward(a2, p['fc3.weight'], p['fc3.bias']);
  return { x, r1, p1, r2, p2, f0, a1, a2, logits };
}

/** The gradient of the loss w.r.t. every parameter, given dlogits; layers in reverse order. */
export function lenetBackward(act: LenetActivations, p: ParamValues, dlogits: Value): ParamValues {
  const fc3 = linearBackward(dlogits, act.a2, p['fc3.weight']);
  const fc2 = linearBackward(reluBackward(fc3.dx, act.a2), act.a1, p['fc2.weight']);
  const fc1 = linearBackward(reluBackward(fc2.dx, act.a1), act.f0, p['fc1.weight']);
  const dp2 = reshape(fc1.dx, [-1, 16, 5, 5]);
  const dz2 = reluMaxPoolBackward(dp2, act.r2, act.p2);                  // (N,16,10,10) through pool and ReLU
  const conv2 = convBackward(dz2, act.p1, p['conv2.weight'], CONV2_PADS, true);
  const dz1 = reluMaxPoolBackward(conv2.dx as Value, act.r1, act.p1);    // (N,6,28,28)
  const conv1 = convBackward(dz1, act.x, p['conv1.weight'], CONV1_PADS, false);
  return {
    'conv1.weight': conv1.dw, 'conv1.bias': conv1.db,
    'conv2.weight': conv2.dw, 'conv2.bias': conv2.db,
    'fc1.weight': fc1.dw, 'fc1.bias': fc1.db,
    'fc2.weight': fc2.dw, 'fc2.bias': fc2.db,
    'fc3.weight': fc3.dw, 'fc3.bias': fc3.db,
  };
}
