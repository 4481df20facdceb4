/**
 * MaxPool (PyTorch's first-maximum rule), AveragePool (count_include_pad both ways), GlobalAveragePool.
 *
 * Window backward in portable ops, for any kernel, stride, padding and dilation (windows may overlap):
 * each kernel offset q picks, with a strided Slice, the input element it covers in every window
 * (N,C,…out); the per-offset gradients are stacked as (N·C, K, …out), one plane per image and channel,
 * and scattered back by one ConvTranspose with group 1, K input channels and one output channel whose
 * kernel for channel q is one-hot at q (stride and dilation as in the forward), which also sums what
 * overlapping windows send to one element. Padding is cut off by a final Slice.
 *
 * Not the same scatter as (N, C·K, …out) with group C: ONNX Runtime 1.30's WebGPU provider computes that
 * grouped form wrong for a 2×2 kernel (4 channels a group; docs/webgpu.md, tools/webgpu-pool-grad-repro.ts),
 * the group-1 form right on WebGPU and the CPU alike.
 */
import { add, cast, concat, div, equal, mul, reshape, sub } from '../../graph/ops.js';
import type { Value } from '../../graph/tape.js';
import { float32Tensor } from '../../graph/tensor.js';
import { type NodeContext, type OpRule } from '../rule.js';
import { type Window, spatialOf, windowOf, windowOutput } from './conv.js';

const LOWEST = -3.4028234663852886e38;

function offsets(kernel: readonly number[]): number[][] {
  return kernel.reduce<number[][]>((acc, k) => acc.flatMap((o) => Array.from({ length: k }, (_, i) => [...o, i])), [[]]);
}

function poolNode(ctx: NodeContext, op: string, x: Value, extra: Record<string, number> = {}): { y: Value; win: Window } {
  ctx.only('storage_order', [0]);
  const spatial = spatialOf(ctx, x);
  if (spatial.length !== 2) ctx.fail('only 2-D pooling is supported');
  const kernel = ctx.ints('kernel_shape', undefined);
  if (!kernel) ctx.fail('kernel_shape is missing');
  const win = windowOf(ctx, spatial.length, kernel);
  if (op === 'AveragePool' && win.dilations.some((d) => d !== 1)) ctx.fail('dilations are not supported');
  const attrs = { kernel_shape: win.kernel, strides: win.strides, pads: win.pads, ...(op === 'MaxPool' ? { dilations: win.dilations } : {}), ...extra };
  const y = x.tape.node(op, [x], [{ dtype: 'float32', shape: [x.shape[0], x.shape[1], ...windowOutput(ctx, spatial, win)] }], attrs)[0];
  return { y, win };
}

/** Element at kernel offset `q` of every window of the padded x: (N,C,…out). */
function atOffset(xp: Value, q: readonly number[], win: Window, out: readonly number[]): Value {
  const starts = q.map((o, i) => o * win.dilations[i]);
  const ends = starts.map((s, i) => s + (out[i] - 1) * win.strides[i] + 1);
  const t = xp.tape;
  return t.node('Slice', [xp, t.int64s(starts), t.int64s(ends), t.int64s([2, 3]), t.int64s(win.strides)], [{ dtype: 'float32', shape: [xp.shape[0], xp.shape[1], ...out] }])[0];
}

/** Σ over offsets and windows of parts[q] placed where offset q of each window lies, in x's (unpadded) shape. */
function scatter(parts: readonly Value[], x: Value, win: Window, out: readonly number[]): Value {
  const t = x.tape;
  const [c, h, w] = x.shape.slice(1) as number[];
  const k = parts.length;
  const n = x.shape[0];
  const planes = typeof n === 'number' ? n * c : `${n}*${c}`;
  const stacked = t.node('Reshape', [concat(parts.map((p) => reshape(p, [-1, c, 1, ...out])), 2), t.int64s([-1, k, ...out])],
    [{ dtype: 'float32', shape: [planes, k, ...out] }])[0];
  const ones = new Float32Array(k * win.kernel[0] * win.kernel[1]);
  offsets(win.kernel).forEach(([i, j], q) => { ones[(q * win.kernel[0] + i) * win.kernel[1] + j] = 1; });
  const full = out.map((o, i) => (o - 1) * win.strides[i] + win.dilations[i] * (win.kernel[i] - 1) + 1);
  const planar = t.node('ConvTranspose', [stacked, t.tensor(float32Tensor([k, 1, ...win.kernel], ones))], [{ dtype: 'float32', shape: [planes, 1, ...full] }], {
    kernel_shape: win.kernel, strides: win.strides, dilations: win.dilations, group: 1,
  })[0];
  let r = t.node('Reshape', [planar, t.int64s([-1, c, ...full])], [{ dtype: 'float32', shape: [n, c, ...full] }])[0];
  const padded = [h + win.pads[0] + win.pads[2], w + win.pads[1] + win.pads[3]];
  if (padded.some((p, i) => p > full[i])) {
    r = t.node('Pad', [r, t.int64s([0, 0, 0, 0, 0, 0, padded[0] - full[0], padded[1] - full[1]])], [{ dtype: 'float32', shape: [x.shape[0], c, ...padded] }], { mode: 'constant' })[0];
  }
  if (win.pads.some((p) => p > 0)) {
    r = t.node('Slice', [r, t.int64s([win.pads[0], win.pads[1]]), t.int64s([win.pads[0] + h, win.pads[1] + w]), t.int64s([2, 3])], [{ dtype: 'float32', shape: x.shape }])[0];
  }
  return r;
}

function padded(x: Value, win: Window, value: number): Value {
  if (win.pads.every((p) => p === 0)) return x;
  const t = x.tape;
  const [h, w] = x.shape.slice(2) as number[];
  const shape = [x.shape[0], x.shape[1], h + win.pads[0] + win.pads[2], w + win.pads[1] + win.pads[3]];
  return t.node('Pad', [x, t.int64s([0, 0, win.pads[0], win.pads[1], 0, 0, win.pads[2], win.pads[3]]), t.constant([value])], [{ dtype: 'float32', shape }], { mode: 'constant' })[0];
}

export const POOL_RULES: Readonly<Record<string, OpRule>> = {
  MaxPool: {
    forward: (ctx, ins) => {                                       // y = max over each window of x (no Indices output)
      if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) ctx.fail("the Indices output is not supported");
      return [poolNode(ctx, 'MaxPool', ctx.input(ins, 0, 'X')).y];
    },
    // is_q    = x at offset q == y                      every maximum of its window
    // first_q = is_q · (1 − Σ_{p<q} first_p)            only the first in scan order (PyTorch)
    // dx      = scatter_q(first_q · dy)
    backward: (ctx, [dy], [x], [y]) => {
      if (!dy) return [];
      const { win } = poolNode(ctx, 'MaxPool', x!);
      const out = y!.shape.slice(2) as number[];
      const xp = padded(x!, win, LOWEST);
      let taken: Value | undefined;
      const parts = offsets(win.kernel).map((q) => {
        const is = cast(equal(atOffset(xp, q, win, out), y!), 'float32');
        const first = taken ? mul(is, sub(1, taken)) : is;
        taken = taken ? add(taken, first) : first;
        return mul(first, dy);
      });
      return [scatter(parts, x!, win, out)];
    },
  },
  AveragePool: {
    forward: (ctx, ins) => {                                       // y = mean over each window (padding counted if count_include_pad)
      const include = ctx.int('count_include_pad', 0);
      return [poolNode(ctx, 'AveragePool', ctx.input(ins, 0, 'X'), { count_include_pad: include }).y];
    },
    // dx = scatter_q(dy / count) for every offset q; count = k_h·k_w, or the window's unpadded size
    backward: (ctx, [dy], [x], [y]) => {
      if (!dy) return [];
      const { win } = poolNode(ctx, 'AveragePool', x!, { count_include_pad: ctx.int('count_include_pad', 0) });
      const out = y!.shape.slice(2) as number[];
      const [h, w] = x!.shape.slice(2) as number[];
      const counts = new Float32Array(out[0] * out[1]);
      for (let i = 0; i < out[0]; i++) for (let j = 0; j < out[1]; j++) {
        const span = (o: number, a: number, size: number): number => {
          const start = o * win.strides[a] - win.pads[a];
          return ctx.int('count_include_pad', 0) ? win.kernel[a] : Math.min(start + win.kernel[a], size) - Math.max(start, 0);
        };
        counts[i * out[1] + j] = span(i, 0, h) * span(j, 1, w);
      }
      const g = div(dy, dy.tape.tensor(float32Tensor([1, 1, ...out], counts)));
      return [scatter(offsets(win.kernel).map(() => g), x!, win, out)];
    },
  },
  GlobalAveragePool: {
    forward: (ctx, ins) => {                                       // y = mean over the spatial axes, kept as size 1 (ReduceMean)
      const x = ctx.input(ins, 0, 'X');
      const axes = spatialOf(ctx, x).map((_, i) => i + 2);
      return [x.tape.node('ReduceMean', [x], [{ dtype: 'float32', shape: [...x.shape.slice(0, 2), ...axes.map(() => 1)] }], { axes, keepdims: 1 })[0]];
    },
    backward: (ctx, [dy], [x]) => {                                // dx = expand(dy / (H·W))
      if (!dy) return [];
      const spatial = spatialOf(ctx, x!);
      const size = spatial.reduce((a, b) => a * b, 1);
      const t = dy.tape;
      return [t.node('Expand', [div(dy, size), t.int64s([1, 1, ...spatial])], [{ dtype: 'float32', shape: x!.shape }])[0]];
    },
  },
};
