/** Softmax, LogSoftmax (recorded as portable ops), ReduceSum, ReduceMean. */
import { div, exp, log, mul, reduceMax, reduceSum, sub } from '../../graph/ops.js';
import type { Dim } from '../../graph/shape.js';
import type { Value } from '../../graph/tape.js';
import { type NodeContext, type OpRule, axisOf } from '../rule.js';

function reduceAxes(ctx: NodeContext, ins: readonly (Value | undefined)[], x: Value, fromInput: boolean): number[] {
  const given = fromInput ? (ins[1] ? ctx.knownInts(ins[1], 'axes') : undefined) : ctx.ints('axes', undefined);
  if (!given || given.length === 0) {
    if (ctx.int('noop_with_empty_axes', 0)) ctx.fail('noop_with_empty_axes is not supported');
    return [...x.shape.keys()];
  }
  return given.map((a) => axisOf(ctx, a, x.shape.length));
}

/** dy spread back over the reduced axes of x: dy with the axes kept, expanded to x's shape (those axes must be static). */
function spread(ctx: NodeContext, dy: Value, x: Value, axes: readonly number[]): Value {
  const kept: Dim[] = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  let g = dy;
  if (dy.shape.length !== kept.length) {
    const target = kept.map((d) => (typeof d === 'number' ? d : -1));
    g = dy.tape.node('Reshape', [dy, dy.tape.int64s(target)], [{ dtype: 'float32', shape: kept }])[0];
  }
  const sizes = axes.map((a) => x.shape[a]);
  if (sizes.some((d) => typeof d !== 'number')) ctx.fail('reducing over a symbolic axis is not supported');
  const target = x.shape.map((d, i) => (axes.includes(i) ? (d as number) : 1));
  return dy.tape.node('Expand', [g, dy.tape.int64s(target)], [{ dtype: 'float32', shape: x.shape }])[0];
}

const count = (x: Value, axes: readonly number[]): number => axes.reduce((n, a) => n * (x.shape[a] as number), 1);

export const REDUCE_RULES: Readonly<Record<string, OpRule>> = {
  Softmax: {
    forward: (ctx, ins) => {                                       // y = exp(x) / Σ_axis exp(x)
      const x = ctx.input(ins, 0, 'input');
      const axis = axisOf(ctx, ctx.int('axis', -1), x.shape.length);
      return [x.tape.node('Softmax', [x], [{ dtype: 'float32', shape: x.shape }], { axis })[0]];
    },
    backward: (ctx, [dy], [x], [y]) => {                           // dx = y · (dy − Σ_axis dy·y)
      const axis = axisOf(ctx, ctx.int('axis', -1), x!.shape.length);
      return [dy && mul(y!, sub(dy, reduceSum(mul(dy, y!), [axis], true)))];
    },
  },
  LogSoftmax: {
    forward: (ctx, ins) => {                                       // y = s − log Σ_axis exp(s),  s = x − max_axis x  (LogSoftmax is not portable)
      const x = ctx.input(ins, 0, 'input');
      const axis = axisOf(ctx, ctx.int('axis', -1), x.shape.length);
      const s = sub(x, reduceMax(x, [axis], true));
      return [sub(s, log(reduceSum(exp(s), [axis], true)))];
    },
    backward: (ctx, [dy], [x], [y]) => {                           // dx = dy − exp(y) · Σ_axis dy
      const axis = axisOf(ctx, ctx.int('axis', -1), x!.shape.length);
      return [dy && sub(dy, mul(exp(y!), reduceSum(dy, [axis], true)))];
    },
  },
  ReduceSum: {
    forward: (ctx, ins) => {                                       // y = Σ_axes x
      const x = ctx.input(ins, 0, 'data');
      return [reduceSum(x, reduceAxes(ctx, ins, x, true), ctx.int('keepdims', 1) === 1)];
    },
    backward: (ctx, [dy], ins) => [dy && spread(ctx, dy, ins[0]!, reduceAxes(ctx, ins, ins[0]!, true))], // dx = expand(dy)
  },
  ReduceMean: {
    forward: (ctx, ins) => {                                       // y = Σ_axes x / count
      const x = ctx.input(ins, 0, 'data');
      const axes = reduceAxes(ctx, ins, x, false);
      if (axes.some((a) => typeof x.shape[a] !== 'number')) ctx.fail('reducing over a symbolic axis is not supported');
      return [div(reduceSum(x, axes, ctx.int('keepdims', 1) === 1), count(x, axes))];
    },
    backward: (ctx, [dy], ins) => {                                // dx = expand(dy / count)
      const x = ins[0]!;
      const axes = reduceAxes(ctx, ins, x, false);
      return [dy && spread(ctx, div(dy, count(x, axes)), x, axes)];
    },
  },
};
