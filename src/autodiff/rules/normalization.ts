/**
 * BatchNormalization, recorded in portable operators. The phase comes from the recording, not from the
 * node, as in PyTorch's train()/eval(): whether torch.onnx.export wrote the node in training form
 * (training_mode=1, outputs running_mean/running_var) or inference form,
 *
 * - the train step normalises with the batch's statistics over every axis but the channels (N and the
 *   spatial axes), the variance biased, and updates the running statistics as torch.nn.BatchNorm does:
 *   running = running·m + batch·(1−m) with the node's momentum m (ONNX's m is 1 − PyTorch's momentum),
 *   the variance unbiased (× n/(n−1)) for that update; the running statistics are state, not parameters;
 * - eval and inference normalise with the running statistics.
 */
import { add, cast, div, greater, mul, reduceSum, reshape, slice, sqrt, sub } from '../../graph/ops.js';
import { formatShape } from '../../graph/shape.js';
import type { Value } from '../../graph/tape.js';
import { type NodeContext, type OpRule, reshapeTo } from '../rule.js';

interface Batch { readonly xhat: Value; readonly inv: Value }
/** x̂ and 1/σ of each training-mode output y, for its backward. */
const saved = new WeakMap<Value, Batch>();

/** Mean over `axes`, kept as size 1 (ReduceMean is portable and takes symbolic sizes). */
function mean(x: Value, axes: readonly number[]): Value {
  return x.tape.node('ReduceMean', [x], [{ dtype: 'float32', shape: x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) }], { axes, keepdims: 1 })[0];
}

interface Parts { readonly x: Value; readonly scale: Value; readonly bias: Value; readonly axes: number[]; readonly perChannel: number[] }

function parts(ctx: NodeContext, ins: readonly (Value | undefined)[]): Parts {
  const x = ctx.input(ins, 0, 'X');
  const c = x.shape[1];
  if (x.shape.length < 2 || typeof c !== 'number') ctx.fail(`X must be (N,C,…) with a static C, got ${formatShape(x.shape)}`);
  for (const [i, what] of [[1, 'scale'], [2, 'B'], [3, 'input_mean'], [4, 'input_var']] as const) {
    const v = ctx.input(ins, i, what);
    if (v.shape.length !== 1 || v.shape[0] !== c) ctx.fail(`${what} ${formatShape(v.shape)} does not match ${c} channels`);
  }
  const perChannel = [c, ...x.shape.slice(2).map(() => 1)];          // (C,1,…) broadcasts against (N,C,…)
  const axes = [0, ...x.shape.slice(2).map((_, i) => i + 2)];
  return { x, scale: reshape(ins[1]!, perChannel), bias: reshape(ins[2]!, perChannel), axes, perChannel };
}

/** n, the number of values each channel's statistics are over: a constant, or counted when N is symbolic. */
function countOf(x: Value, axes: readonly number[]): Value | number {
  const sizes = axes.map((a) => x.shape[a]);
  if (sizes.every((d): d is number => typeof d === 'number')) return sizes.reduce((a, b) => a * b, 1);
  const first = slice(x, 1, 0, 1);
  return reduceSum(add(cast(greater(first, first), 'float32'), 1));     // Σ 1 over (N,1,…): Greater(x,x) is false even for NaN
}

export const NORMALIZATION_RULES: Readonly<Record<string, OpRule>> = {
  BatchNormalization: {
    forward: (ctx, ins) => {
      const eps = ctx.float('epsilon', 1e-5);
      const { x, scale, bias, axes } = parts(ctx, ins);
      const [runningMean, runningVar] = [ins[3]!, ins[4]!];
      if (!ctx.training) {                                         // y = x·a + (B − mean·a),  a = scale / √(var + ε)
        const a = div(scale, sqrt(add(reshapeTo(ctx, runningVar, scale.shape), eps)));
        return [add(mul(x, a), sub(bias, mul(reshapeTo(ctx, runningMean, scale.shape), a)))];
      }
      const mu = mean(x, axes);                                    // μ = mean over N and space   (1,C,1,…)
      const d = sub(x, mu);
      const variance = mean(mul(d, d), axes);                      // σ² = mean (x − μ)²  (biased)
      const inv = div(1, sqrt(add(variance, eps)));
      const xhat = mul(d, inv);                                    // x̂ = (x − μ) / √(σ² + ε)
      const y = add(mul(xhat, scale), bias);                       // y = x̂·scale + B
      saved.set(y, { xhat, inv });
      const m = ctx.float('momentum', 0.9);
      const n = countOf(x, axes);
      const unbiased = mul(variance, typeof n === 'number' ? n / Math.max(n - 1, 1) : div(n, sub(n, 1)));
      const nextMean = add(mul(runningMean, m), mul(reshapeTo(ctx, mu, runningMean.shape), 1 - m));   // running·m + batch·(1−m)
      const nextVar = add(mul(runningVar, m), mul(reshapeTo(ctx, unbiased, runningVar.shape), 1 - m));
      ctx.update(runningMean, nextMean);
      ctx.update(runningVar, nextVar);
      return [y, nextMean, nextVar];
    },
    // training:  dB = Σ dy,  dscale = Σ dy·x̂,  dx = scale/σ · (dy − mean dy − x̂·mean(dy·x̂))   (Σ, mean over N and space)
    // inference: dB = Σ dy,  dscale = Σ dy·(x − mean)/√(var + ε),  dx = dy · scale/√(var + ε)
    backward: (ctx, [dy], ins, [y], needs) => {
      if (!dy) return [];
      const { x, scale, axes } = parts(ctx, ins);
      const batch = saved.get(y!);
      const inv = batch ? batch.inv : div(1, sqrt(add(reshapeTo(ctx, ins[4]!, scale.shape), ctx.float('epsilon', 1e-5))));
      const xhat = batch ? batch.xhat : mul(sub(x, reshapeTo(ctx, ins[3]!, scale.shape)), inv);
      const perChannel = (v: Value): Value => reshapeTo(ctx, reduceSum(v, axes), ins[1]!.shape);
      let dx: Value | undefined;
      if (needs[0]) {
        const g = batch ? sub(sub(dy, mean(dy, axes)), mul(xhat, mean(mul(dy, xhat), axes))) : dy;
        dx = mul(g, mul(scale, inv));
      }
      return [dx, needs[1] ? perChannel(mul(dy, xhat)) : undefined, needs[2] ? perChannel(dy) : undefined];
    },
  },
};
