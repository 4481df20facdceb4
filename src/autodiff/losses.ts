/**
 * The losses make-trainable puts on a model's output, forward and gradient, in portable operators:
 *
 * - cross-entropy (torch.nn.CrossEntropyLoss, mean): the output is logits (N,K); `label` int32 (N);
 *   `correct` counts rows whose label logit is the row maximum;
 * - mse (torch.nn.MSELoss, mean over all elements): `label` float32 of the output's shape; `correct` is 0
 *   (the contract has the output; a regression has nothing to count). The eval model's `loss_sum` is the
 *   sum over the batch of each example's mean, so that loss_sum / examples is the mean over all elements.
 */
import { LABEL } from '../graph/contract.js';
import { crossEntropyBackward, crossEntropyForward } from '../graph/layers/loss.js';
import { add, cast, div, greater, mul, reduceSum, sub } from '../graph/ops.js';
import { formatShape } from '../graph/shape.js';
import type { Tape, Value } from '../graph/tape.js';

export const LOSSES = ['cross-entropy', 'mse'] as const;
export type LossName = (typeof LOSSES)[number];

export interface TrainLoss {
  /** mean loss of the batch () */
  readonly loss: Value;
  readonly correct: Value;
  /** d loss / d output */
  readonly seed: Value;
}

export interface EvalLoss {
  readonly lossSum: Value;
  readonly correct: Value;
}

function checkOutput(loss: LossName, output: Value, data: Value, where: string): void {
  const ok = output.shape.length >= 1 && output.shape[0] === data.shape[0];
  if (loss === 'cross-entropy' && (!ok || output.shape.length !== 2)) {
    throw new Error(`${where} ${formatShape(output.shape)} is not logits of shape [${String(data.shape[0])},classes]`);
  }
  if (!ok) throw new Error(`${where} ${formatShape(output.shape)} does not have the batch axis [${String(data.shape[0])},…] first`);
}

/** The number of elements of `x`: a constant, or counted in the graph (Σ 1) when a dimension is symbolic. */
function elementCount(x: Value): Value | number {
  if (x.shape.every((d) => typeof d === 'number')) return x.shape.reduce<number>((a, d) => a * (d as number), 1);
  return reduceSum(add(cast(greater(x, x), 'float32'), 1));      // Greater(x, x) is false even for NaN
}

function squaredError(tape: Tape, output: Value): { diff: Value; sq: Value } {
  const diff = sub(output, tape.input(LABEL, 'float32', output.shape));
  return { diff, sq: mul(diff, diff) };
}

const zero = (tape: Tape): Value => tape.constant([0]);

/** The train step's loss on `output` (its label input declared on `tape`). */
export function trainLoss(loss: LossName, tape: Tape, output: Value, data: Value, where: string): TrainLoss {
  checkOutput(loss, output, data, where);
  if (loss === 'cross-entropy') {
    const f = crossEntropyForward(output, tape.input(LABEL, 'int32', [data.shape[0]]));
    return { loss: f.loss, correct: f.correct, seed: crossEntropyBackward(f) };
  }
  const { diff, sq } = squaredError(tape, output);
  const n = elementCount(output);
  // loss = Σ (y − label)² / n;   dy = (y − label) · 2/n   (as torch's mse_loss_backward)
  return { loss: div(reduceSum(sq), n), correct: zero(tape), seed: mul(diff, typeof n === 'number' ? 2 / n : div(2, n)) };
}

/** The eval model's summed loss and correct count. */
export function evalLoss(loss: LossName, tape: Tape, output: Value, data: Value, where: string): EvalLoss {
  checkOutput(loss, output, data, where);
  if (loss === 'cross-entropy') {
    const f = crossEntropyForward(output, tape.input(LABEL, 'int32', [data.shape[0]]));
    return { lossSum: f.lossSum, correct: f.correct };
  }
  const { sq } = squaredError(tape, output);
  const axes = output.shape.slice(1).map((_, i) => i + 1);
  const perExample = axes.length === 0 ? sq
    : tape.node('ReduceMean', [sq], [{ dtype: 'float32', shape: [output.shape[0]] }], { axes, keepdims: 0 })[0];
  return { lossSum: reduceSum(perExample), correct: zero(tape) };
}
