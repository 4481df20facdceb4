/** Conv (any spatial rank, stride, pads, dilation, group). */
import { reduceSum, reshape, transpose } from '../../graph/ops.js';
import { formatShape } from '../../graph/shape.js';
import type { Value } from '../../graph/tape.js';
import { type NodeContext, type OpRule, reshapeTo } from '../rule.js';

export interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly pads: readonly number[];
  readonly dilations: readonly number[];
}

/** Kernel, strides, pads and dilations of a Conv or pooling node over `rank` spatial axes. */
export function windowOf(ctx: NodeContext, rank: number, kernel: readonly number[]): Window {
  ctx.only('auto_pad', ['NOTSET']);
  ctx.only('ceil_mode', [0]);
  const ones = Array<number>(rank).fill(1);
  const w = {
    kernel,
    strides: ctx.ints('strides', ones) ?? ones,
    pads: ctx.ints('pads', Array<number>(2 * rank).fill(0)) ?? [],
    dilations: ctx.ints('dilations', ones) ?? ones,
  };
  if (w.strides.length !== rank || w.pads.length !== 2 * rank || w.dilations.length !== rank) ctx.fail(`strides, pads or dilations do not match ${rank} spatial axes`);
  return w;
}

/** Spatial output extents of a window sliding over `spatial`. */
export function windowOutput(ctx: NodeContext, spatial: readonly number[], w: Window): number[] {
  const r = spatial.length;
  return spatial.map((size, i) => {
    const out = Math.floor((size + w.pads[i] + w.pads[i + r] - w.dilations[i] * (w.kernel[i] - 1) - 1) / w.strides[i]) + 1;
    if (out < 1) ctx.fail(`window ${w.kernel[i]} does not fit spatial size ${size}`);
    return out;
  });
}

function convNode(x: Value, w: Value, b: Value | undefined, win: Window, group: number, shape: readonly (number | string)[]): Value {
  return x.tape.node('Conv', b ? [x, w, b] : [x, w], [{ dtype: 'float32', shape }], {
    kernel_shape: win.kernel, strides: win.strides, pads: win.pads, dilations: win.dilations, group,
  })[0];
}

/** The spatial extents of x (N,C,…), which must be static. */
export function spatialOf(ctx: NodeContext, x: Value): number[] {
  const spatial = x.shape.slice(2);
  if (x.shape.length < 3 || spatial.some((d) => typeof d !== 'number')) ctx.fail(`X must be (N,C,…) with static spatial size, got ${formatShape(x.shape)}`);
  return spatial as number[];
}

interface ConvParts { readonly x: Value; readonly w: Value; readonly win: Window; readonly group: number; readonly spatial: number[] }

function parts(ctx: NodeContext, ins: readonly (Value | undefined)[]): ConvParts {
  const x = ctx.input(ins, 0, 'X');
  const w = ctx.input(ins, 1, 'W');
  const ws = ctx.staticShape(w, 'the weight');
  const spatial = spatialOf(ctx, x);
  const group = ctx.int('group', 1);
  if (x.shape.length < 3 || ws.length !== x.shape.length) ctx.fail(`X ${formatShape(x.shape)} and W ${formatShape(ws)} do not make a convolution`);
  if (x.shape[1] !== ws[1] * group || ws[0] % group !== 0) ctx.fail(`X ${formatShape(x.shape)} and W ${formatShape(ws)} do not match group ${group}`);
  const kernel = ctx.ints('kernel_shape', ws.slice(2)) ?? ws.slice(2);
  return { x, w, win: windowOf(ctx, spatial.length, kernel), group, spatial };
}

export const CONV_RULES: Readonly<Record<string, OpRule>> = {
  Conv: {
    // y = conv(x, w, b):  x (N,C,…), w (M,C/g,k…), b (M) → (N,M,…out)
    forward: (ctx, ins) => {
      const { x, w, win, group, spatial } = parts(ctx, ins);
      const b = ins[2];
      if (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[0])) ctx.fail(`bias ${formatShape(b.shape)} does not match ${w.shape[0]} output channels`);
      return [convNode(x, w, b, win, group, [x.shape[0], w.shape[0], ...windowOutput(ctx, spatial, win)])];
    },
    // dx = convTranspose(dy, w) with the same window, output_padding making up what the stride floored away
    // dw = conv(xᵀ, dyᵀ)ᵀ: x as (C/g, g·N, …) ⊛ dy as (M, N, …out) with group g, stride ↔ dilation,
    //      cut to the kernel: (C/g, M, k…) → (M, C/g, k…)
    // db = Σ_{n,spatial} dy
    backward: (ctx, [dy], ins, _o, needs) => {
      if (!dy) return [];
      const { x, w, win, group, spatial } = parts(ctx, ins);
      const r = spatial.length;
      const out = dy.shape.slice(2) as number[];
      let dx: Value | undefined;
      if (needs[0]) {
        const full = out.map((o, i) => (o - 1) * win.strides[i] + win.dilations[i] * (win.kernel[i] - 1) + 1 - win.pads[i] - win.pads[i + r]);
        dx = dy.tape.node('ConvTranspose', [dy, w], [{ dtype: 'float32', shape: x.shape }], {
          kernel_shape: win.kernel, strides: win.strides, pads: win.pads, dilations: win.dilations, group,
          output_padding: spatial.map((s, i) => s - full[i]),
        })[0];
      }
      let dw: Value | undefined;
      if (needs[1]) {
        const cg = x.shape[1] as number / group;
        const axes = [...Array(r).keys()].map((i) => i + 2);
        const xT = group === 1 ? transpose(x, [1, 0, ...axes])
          : reshape(transpose(reshape(x, [-1, group, cg, ...spatial]), [2, 1, 0, ...axes.map((a) => a + 1)]), [cg, -1, ...spatial]);
        const dyT = transpose(dy, [1, 0, ...axes]);                                       // (M, N, …out)
        const reach = spatial.map((s, i) => Math.floor((s + win.pads[i] + win.pads[i + r] - win.strides[i] * (out[i] - 1) - 1) / win.dilations[i]) + 1);
        const dwFull = convNode(xT, dyT, undefined, { kernel: out, strides: win.dilations, pads: win.pads, dilations: win.strides }, group,
          [cg, w.shape[0], ...reach]);                                                   // (C/g, M, reach…) ⊇ (C/g, M, k…)
        const cut = reach.some((k, i) => k !== win.kernel[i])
          ? dy.tape.node('Slice', [dwFull, dy.tape.int64s(win.kernel.map(() => 0)), dy.tape.int64s(win.kernel), dy.tape.int64s(axes)],
            [{ dtype: 'float32', shape: [cg, w.shape[0], ...win.kernel] }])[0]
          : dwFull;
        dw = reshapeTo(ctx, transpose(cut, [1, 0, ...axes]), w.shape);
      }
      const db = needs[2] ? reduceSum(dy, [0, ...[...Array(r).keys()].map((i) => i + 2)]) : undefined;
      return [dx, dw, db];
    },
  },
};
