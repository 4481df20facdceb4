/**
 * Slice (steps, negative indices, axes), Split and Pad (constant mode). Their gradients put dy back where
 * the values came from, with zeros elsewhere: Pad for a contiguous range, zeros interleaved (Pad on a new
 * axis, then Reshape) for a step > 1, a reversed Slice for a negative step.
 */
import { add, concat, pad, reduceSum, slice, sub } from '../../graph/ops.js';
import type { Dim } from '../../graph/shape.js';
import type { Value } from '../../graph/tape.js';
import { type NodeContext, type OpRule, axisOf, reshapeTo } from '../rule.js';

/** One sliced axis: `count` elements from `start` every `step` (negative: backwards). */
interface Range { readonly axis: number; readonly size: number; readonly start: number; readonly step: number; readonly count: number }

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

function sliceRanges(ctx: NodeContext, ins: readonly (Value | undefined)[], x: Value): Range[] {
  const starts = ctx.knownInts(ins[1], 'starts');
  const ends = ctx.knownInts(ins[2], 'ends');
  const axes = ins[3] ? ctx.knownInts(ins[3], 'axes') : starts.map((_, i) => i);
  const steps = ins[4] ? ctx.knownInts(ins[4], 'steps') : starts.map(() => 1);
  if (ends.length !== starts.length || axes.length !== starts.length || steps.length !== starts.length) ctx.fail('starts, ends, axes and steps differ in length');
  return starts.map((s0, i) => {
    const axis = axisOf(ctx, axes[i], x.shape.length);
    const size = x.shape[axis];
    if (typeof size !== 'number') return ctx.fail(`sliced axis ${axis} must be static, got '${size}'`);
    const step = steps[i];
    if (step === 0) ctx.fail('a step of 0 is not allowed');
    const s = s0 < 0 ? s0 + size : s0;
    const e = ends[i] < 0 ? ends[i] + size : ends[i];
    const [start, end] = step > 0 ? [clamp(s, 0, size), clamp(e, 0, size)] : [clamp(s, 0, size - 1), clamp(e, -1, size - 1)];
    const count = Math.max(0, Math.ceil((end - start) / step));
    if (count === 0) ctx.fail(`the slice of axis ${axis} is empty`);
    return { axis, size, start, step, count };
  });
}

function sliceNode(x: Value, ranges: readonly Range[]): Value {
  const t = x.tape;
  const ends = ranges.map((r) => { const e = r.start + r.step * r.count; return e < 0 ? -r.size - 1 : e; });
  const shape: Dim[] = x.shape.map((d, i) => ranges.find((r) => r.axis === i)?.count ?? d);
  return t.node('Slice', [x, t.int64s(ranges.map((r) => r.start)), t.int64s(ends), t.int64s(ranges.map((r) => r.axis)), t.int64s(ranges.map((r) => r.step))],
    [{ dtype: x.dtype, shape }])[0];
}

/** Zero padding of `g` along one axis. */
function padAxis(g: Value, axis: number, before: number, after: number): Value {
  if (before === 0 && after === 0) return g;
  const pads = Array<number>(2 * g.shape.length).fill(0);
  pads[axis] = before;
  pads[axis + g.shape.length] = after;
  return pad(g, pads);
}

/** The gradient of one sliced axis: g (count along `axis`) placed back at its indices of an axis of `size`. */
function unslice(ctx: NodeContext, g: Value, r: Range): Value {
  let h = g;
  let low = r.start;
  const stride = Math.abs(r.step);
  if (r.step < 0) {
    const t = g.tape;
    h = t.node('Slice', [h, t.int64s([r.count - 1]), t.int64s([-r.count - 1]), t.int64s([r.axis]), t.int64s([-1])], [{ dtype: h.dtype, shape: h.shape }])[0];
    low = r.start + r.step * (r.count - 1);
  }
  if (stride > 1 && r.count > 1) {                                 // (…, n, …) → (…, n, 1, …) → pad → (…, n, s, …) → (…, n·s, …) → first (n−1)·s+1
    const opened = reshapeTo(ctx, h, [...h.shape.slice(0, r.axis + 1), 1, ...h.shape.slice(r.axis + 1)]);
    const spread = padAxis(opened, r.axis + 1, 0, stride - 1);
    const flat = reshapeTo(ctx, spread, h.shape.map((d, i) => (i === r.axis ? r.count * stride : d)));
    h = slice(flat, r.axis, 0, (r.count - 1) * stride + 1);
  }
  const length = h.shape[r.axis] as number;
  return padAxis(h, r.axis, low, r.size - low - length);
}

export const SLICING_RULES: Readonly<Record<string, OpRule>> = {
  Slice: {
    forward: (ctx, ins) => {                                       // y = x[start:end:step] on the given axes
      const x = ctx.input(ins, 0, 'data');
      return [sliceNode(x, sliceRanges(ctx, ins, x))];
    },
    backward: (ctx, [dy], ins) => {                                // dx = zeros with dy at the sliced positions
      if (!dy) return [];
      return [sliceRanges(ctx, ins, ins[0]!).reduce((g, r) => unslice(ctx, g, r), dy)];
    },
  },
  Split: {
    forward: (ctx, ins) => {                                       // yₖ = x[offsetₖ : offsetₖ + splitₖ] along axis
      const x = ctx.input(ins, 0, 'input');
      return splitParts(ctx, ins, x).map(([start, length]) => slice(x, axisOf(ctx, ctx.int('axis', 0), x.shape.length), start, start + length));
    },
    backward: (ctx, dys, ins, outs) => {                           // dx = concat(dy₁, dy₂, …), zeros for an unused yₖ
      const x = ins[0]!;
      const axis = axisOf(ctx, ctx.int('axis', 0), x.shape.length);
      if (dys.length === outs.length && dys.every(Boolean)) return [concat(dys as Value[], axis)];
      const size = x.shape[axis] as number;
      const parts = splitParts(ctx, ins, x);
      const placed = dys.flatMap((g, k) => (g ? [padAxis(g, axis, parts[k][0], size - parts[k][0] - parts[k][1])] : []));
      return [placed.reduce((a, b) => add(a, b))];
    },
  },
  Pad: {
    forward: (ctx, ins) => {                                       // y = x with constant_value around it (pads: begins, then ends)
      ctx.only('mode', ['constant']);
      const x = ctx.input(ins, 0, 'data');
      const pads = padsOf(ctx, ins, x);
      if (!ins[2]) return [pad(x, pads)];
      const zeros = pad(x, pads);                                  // the shape, checked (symbolic axes cannot be padded)
      return [x.tape.node('Pad', [x, x.tape.int64s(pads), ins[2]], [{ dtype: x.dtype, shape: zeros.shape }], { mode: 'constant' })[0]];
    },
    backward: (ctx, [dy], ins, _o, needs) => {                     // dx = dy inside the padding;  d constant_value = Σ dy − Σ dx
      if (!dy) return [];
      const x = ins[0]!;
      const pads = padsOf(ctx, ins, x);
      const dx = x.shape.reduce<Value>((g, d, i) => (pads[i] + pads[i + x.shape.length] === 0 ? g : slice(g, i, pads[i], pads[i] + (d as number))), dy);
      const dc = needs[2] && ins[2] ? reshapeTo(ctx, sub(reduceSum(dy), reduceSum(dx)), ins[2].shape) : undefined;
      return [dx, undefined, dc];
    },
  },
};

/** [start, length] of each output of a Split. */
function splitParts(ctx: NodeContext, ins: readonly (Value | undefined)[], x: Value): [number, number][] {
  const axis = axisOf(ctx, ctx.int('axis', 0), x.shape.length);
  const size = x.shape[axis];
  if (typeof size !== 'number') return ctx.fail(`the split axis ${axis} must be static`);
  const k = ctx.node.outputs.length;
  const given = ins[1] ? ctx.knownInts(ins[1], 'split') : ctx.ints('split', undefined);
  if (!given && size % k !== 0) ctx.fail(`axis ${axis} of size ${size} does not split into ${k} equal parts`);
  const lengths = given ?? Array<number>(k).fill(size / k);
  if (lengths.length !== k || lengths.reduce((a, b) => a + b, 0) !== size || lengths.some((l) => l <= 0)) ctx.fail(`split [${lengths.join(',')}] does not divide ${size} into ${k} parts`);
  let start = 0;
  return lengths.map((l) => { const s = start; start += l; return [s, l]; });
}

function padsOf(ctx: NodeContext, ins: readonly (Value | undefined)[], x: Value): number[] {
  if (ins[3]) ctx.fail('the axes input is not supported');
  const pads = ctx.knownInts(ins[1], 'pads');
  if (pads.length !== 2 * x.shape.length) ctx.fail(`needs ${2 * x.shape.length} pads, got ${pads.length}`);
  if (pads.some((p) => p < 0)) ctx.fail('negative pads (cropping) are not supported');
  return pads;
}
