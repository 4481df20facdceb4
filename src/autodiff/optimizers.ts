/**
 * The optimizers make-trainable puts in the train step, each as torch.optim computes it (float32, the
 * step-dependent scalars as inputs computed on the host in float64 by `optimizerInputs`):
 *
 * - adam (torch.optim.Adam, no weight decay): state `adam.m.<p>`, `adam.v.<p>`; inputs `adam.step_size`
 *   = lr / (1 − β1^t) and `adam.bias_correction2_sqrt` = √(1 − β2^t), as lenet.train.onnx;
 * - adamw (torch.optim.AdamW): the same, after the decoupled decay p ← p·(1 − lr·wd), wd a constant of the
 *   graph (default 0.01 as torch); one more input, `adam.lr` = lr;
 * - sgd (torch.optim.SGD, no dampening or Nesterov): buf ← μ·buf + g, p ← p − lr·buf, μ a constant of the
 *   graph (default 0.9; 0 gives plain SGD and no state); state `sgd.momentum.<p>` starting at zero, which
 *   makes the first step's buf = g exactly as torch's; input `sgd.lr` = lr.
 */
import { ADAM_LR, BIAS_CORRECTION2_SQRT, SGD_LR, STEP_SIZE, adamM, adamScalars, adamV, sgdMomentum } from '../graph/contract.js';
import { adamUpdate } from '../graph/layers/adam.js';
import { add, mul, sub } from '../graph/ops.js';
import type { Tape, Value } from '../graph/tape.js';

export const OPTIMIZERS = ['adam', 'adamw', 'sgd'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface OptimizerSettings {
  /** AdamW's decoupled weight decay; default 0.01 (torch.optim.AdamW) */
  readonly weightDecay?: number;
  /** SGD's momentum; default 0.9 */
  readonly momentum?: number;
}

export const ADAMW_WEIGHT_DECAY = 0.01;
export const SGD_MOMENTUM = 0.9;

export interface TrainedTensor {
  readonly name: string;
  readonly param: Value;
  readonly grad: Value;
}

export interface OptimizerStep {
  /** next value of each trained parameter, by name */
  readonly params: ReadonlyMap<string, Value>;
  /** [state input name, its next value], for every optimizer state input */
  readonly state: readonly (readonly [string, Value])[];
}

function setting(value: number | undefined, fallback: number, what: string, max: number): number {
  const v = value ?? fallback;
  if (!Number.isFinite(v) || v < 0 || v >= max) throw new RangeError(`${what} must be a number in [0, ${max}), got ${String(value)}`);
  return v;
}

/** Checks that `settings` apply to `optimizer`; an error naming the one that does not. */
export function checkOptimizerSettings(optimizer: OptimizerName, settings: OptimizerSettings): void {
  if (settings.weightDecay !== undefined && optimizer !== 'adamw') throw new Error(`weight decay is an AdamW setting, not ${optimizer}'s`);
  if (settings.momentum !== undefined && optimizer !== 'sgd') throw new Error(`momentum is an SGD setting, not ${optimizer}'s`);
  if (optimizer === 'adamw') setting(settings.weightDecay, ADAMW_WEIGHT_DECAY, 'weight decay', 1);
  if (optimizer === 'sgd') setting(settings.momentum, SGD_MOMENTUM, 'momentum', 1);
}

/** One optimizer step over `trained` on `tape`, declaring its state and scalar inputs. */
export function recordOptimizer(tape: Tape, optimizer: OptimizerName, settings: OptimizerSettings, trained: readonly TrainedTensor[]): OptimizerStep {
  checkOptimizerSettings(optimizer, settings);
  const params = new Map<string, Value>();
  if (optimizer === 'sgd') {
    const momentum = setting(settings.momentum, SGD_MOMENTUM, 'momentum', 1);
    const lr = tape.input(SGD_LR, 'float32', []);
    const state: (readonly [string, Value])[] = [];
    for (const t of trained) {
      let step = t.grad;
      if (momentum > 0) {
        step = add(mul(tape.input(sgdMomentum(t.name), 'float32', t.param.shape), momentum), t.grad);  // buf = μ·buf + g
        state.push([sgdMomentum(t.name), step]);
      }
      params.set(t.name, sub(t.param, mul(step, lr)));                                        // p − lr·buf
    }
    return { params, state };
  }
  const m = trained.map((t) => tape.input(adamM(t.name), 'float32', t.param.shape));
  const v = trained.map((t) => tape.input(adamV(t.name), 'float32', t.param.shape));
  const scalars = { stepSize: tape.input(STEP_SIZE, 'float32', []), biasCorrection2Sqrt: tape.input(BIAS_CORRECTION2_SQRT, 'float32', []) };
  const decay = optimizer === 'adamw'                                                           // 1 − lr·wd
    ? sub(1, mul(tape.input(ADAM_LR, 'float32', []), setting(settings.weightDecay, ADAMW_WEIGHT_DECAY, 'weight decay', 1)))
    : undefined;
  const updated = trained.map((t, i) => adamUpdate({ param: decay ? mul(t.param, decay) : t.param, m: m[i], v: v[i] }, t.grad, scalars));
  trained.forEach((t, i) => params.set(t.name, updated[i].param));
  return {
    params,
    state: [...trained.map((t, i) => [adamM(t.name), updated[i].m] as const), ...trained.map((t, i) => [adamV(t.name), updated[i].v] as const)],
  };
}

/** The scalar inputs of `optimizer`'s train step for step `t` (1-based) at learning rate `lr`, by input name. */
export function optimizerInputs(optimizer: OptimizerName, step: number, lr: number): Record<string, number> {
  if (optimizer === 'sgd') {
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`learning rate must be a positive number, got ${lr}`);
    return { [SGD_LR]: lr };
  }
  const s = adamScalars(step, lr);
  const adam = { [STEP_SIZE]: s.stepSize, [BIAS_CORRECTION2_SQRT]: s.biasCorrection2Sqrt };
  return optimizer === 'adamw' ? { ...adam, [ADAM_LR]: lr } : adam;
}

