/**
 * The arithmetic of one LeNet-5 training step, counted from the layer shapes (a multiply-add = 2 FLOPs).
 * Forward: every conv/linear layer; backward: the weight gradient of every layer (same count as its
 * forward) plus the input gradient of every layer but conv1 (nothing needs d image); Adam: the 13
 * element-wise operations per parameter that the graph performs. ReLU, pooling, loss and bias terms
 * are listed apart: they are memory-bound and small.
 */
import { PARAM_COUNT } from '../../src/graph/params.js';

interface Layer {
  readonly name: string;
  /** multiply-adds per image in the forward pass */
  readonly macs: number;
  readonly needsInputGrad: boolean;
}

const LAYERS: readonly Layer[] = [
  { name: 'conv1', macs: 6 * 28 * 28 * (1 * 5 * 5), needsInputGrad: false },
  { name: 'conv2', macs: 16 * 10 * 10 * (6 * 5 * 5), needsInputGrad: true },
  { name: 'fc1', macs: 120 * 400, needsInputGrad: true },
  { name: 'fc2', macs: 84 * 120, needsInputGrad: true },
  { name: 'fc3', macs: 10 * 84, needsInputGrad: true },
];

/** Element-wise ops per parameter in the Adam update (adam.ts): 3 for m, 4 for v, 3 for denom, 3 for p. */
export const ADAM_OPS_PER_PARAM = 13;

export interface StepFlops {
  readonly forward: number;
  readonly backward: number;
  readonly adam: number;
  /** element-wise work of ReLU, pooling (forward and backward), normalisation and loss: ~1 FLOP per element */
  readonly elementwise: number;
  readonly total: number;
}

/** Elements touched by the element-wise layers per image (activation sizes), forward + backward. */
const ELEMENTWISE_PER_IMAGE = 2 * (784 + 6 * 784 * 2 + 6 * 196 + 16 * 100 * 2 + 16 * 25 + 120 + 84 + 10 * 6);

export function trainStepFlops(batch: number): StepFlops {
  const forward = 2 * batch * LAYERS.reduce((n, l) => n + l.macs, 0);
  const backward = 2 * batch * LAYERS.reduce((n, l) => n + l.macs * (l.needsInputGrad ? 2 : 1), 0);
  const adam = ADAM_OPS_PER_PARAM * PARAM_COUNT;
  const elementwise = batch * ELEMENTWISE_PER_IMAGE;
  return { forward, backward, adam, elementwise, total: forward + backward + adam + elementwise };
}

/** Forward FLOPs of `batch` images (inference). */
export const inferenceFlops = (batch: number): number => 2 * batch * LAYERS.reduce((n, l) => n + l.macs, 0);
