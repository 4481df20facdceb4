/**
 * Shape ops. On float tensors they are differentiable (the gradient is reshaped, transposed or split
 * back). On integer tensors — torch.onnx.export's Shape → Gather → Unsqueeze → Concat chains — their
 * values are computed when the model is built (`known`), so that a Reshape fed by such a chain gets a
 * constant target and the chain itself is dropped as dead; they are never differentiated.
 */
import { concat, transpose } from '../../graph/ops.js';
import { type Dim, formatShape } from '../../graph/shape.js';
import type { Value } from '../../graph/tape.js';
import { int64Tensor } from '../../graph/tensor.js';
import { type NodeContext, type OpRule, axisOf, reshapeTarget, reshapeTo } from '../rule.js';

const product = (ds: readonly number[]): number => ds.reduce((a, b) => a * b, 1);

/** The shape a Reshape to `target` (ONNX semantics: 0 copies, one −1 is inferred) gives x. */
function reshapedShape(ctx: NodeContext, x: Value, target: readonly Dim[]): Dim[] {
  const dims = target.map((d, i) => (d === 0 ? x.shape[i] : d));
  const staticIn = product(x.shape.filter((d): d is number => typeof d === 'number'));
  const symIn = x.shape.filter((d): d is string => typeof d === 'string');
  const symOut = dims.filter((d): d is string => typeof d === 'string');
  const leftover = symIn.filter((s) => !symOut.includes(s));
  const staticOut = product(dims.filter((d): d is number => typeof d === 'number' && d !== -1));
  const holes = dims.filter((d) => d === -1).length;
  let fill: Dim | undefined;
  if (holes === 1 && leftover.length === 0 && staticIn % staticOut === 0) fill = staticIn / staticOut;
  else if (holes === 1 && leftover.length === 1 && staticIn === staticOut) fill = leftover[0];
  else if (holes === 0 && leftover.length === 0 && staticIn === staticOut) fill = undefined;
  else ctx.fail(`cannot reshape ${formatShape(x.shape)} to ${formatShape(target)}`);
  return dims.map((d) => (d === -1 ? (fill as Dim) : d));
}

function reshapeNode(ctx: NodeContext, x: Value, shape: readonly Dim[]): Value {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  return x.tape.node('Reshape', [x, x.tape.int64s(reshapeTarget(ctx, shape))], [{ dtype: x.dtype, shape }])[0];
}

/** Integer constant with known values, of shape `dims`. */
export function knownConstant(ctx: NodeContext, values: readonly Dim[], dims: readonly number[]): Value {
  const statics = values.map((d) => (typeof d === 'number' ? d : -1));
  return ctx.setKnown(ctx.tape.tensor(int64Tensor(dims, statics)), values);
}

const backReshape = (ctx: NodeContext, dy: Value | undefined, x: Value | undefined): Value | undefined => (dy && x ? reshapeTo(ctx, dy, x.shape) : undefined);

function axesInput(ctx: NodeContext, ins: readonly (Value | undefined)[], rank: number): number[] {
  const axes = ins[1] ? ctx.knownInts(ins[1], 'axes') : ctx.ints('axes', undefined);
  if (!axes) ctx.fail('axes are missing');
  return axes.map((a) => axisOf(ctx, a, rank));
}

export const SHAPE_RULES: Readonly<Record<string, OpRule>> = {
  Reshape: {
    forward: (ctx, ins) => {                                       // y = reshape(x, shape)
      ctx.only('allowzero', [0]);
      const x = ctx.input(ins, 0, 'data');
      const target = ctx.known(ins[1]);
      if (!target) return ctx.fail('the target shape must be a constant or computable from shapes when the model is built');
      const y = reshapeNode(ctx, x, reshapedShape(ctx, x, target));
      const k = ctx.known(x);
      return [k ? ctx.setKnown(y, k) : y];
    },
    backward: (ctx, [dy], [x]) => [backReshape(ctx, dy, x)],      // dx = reshape(dy, shape(x))
  },
  Flatten: {
    forward: (ctx, ins) => {                                       // y = reshape(x, [Π shape[:axis], Π shape[axis:]])
      const x = ctx.input(ins, 0, 'input');
      const axis = axisOf(ctx, ctx.int('axis', 1), x.shape.length + 1);
      const part = (ds: readonly Dim[]): Dim => (ds.every((d) => typeof d === 'number') ? product(ds as number[])
        : ds.length === 1 ? ds[0] : ctx.fail(`cannot flatten ${formatShape(x.shape)}: symbolic dimensions beside others`));
      return [reshapeNode(ctx, x, [part(x.shape.slice(0, axis)), part(x.shape.slice(axis))])];
    },
    backward: (ctx, [dy], [x]) => [backReshape(ctx, dy, x)],      // dx = reshape(dy, shape(x))
  },
  Squeeze: {
    forward: (ctx, ins) => {                                       // y = x without the given size-1 axes
      const x = ctx.input(ins, 0, 'data');
      const axes = ins[1] || ctx.ints('axes', undefined) ? axesInput(ctx, ins, x.shape.length) : x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
      const y = reshapeNode(ctx, x, x.shape.filter((_, i) => !axes.includes(i)));
      const k = ctx.known(x);
      return [k ? ctx.setKnown(y, k) : y];
    },
    backward: (ctx, [dy], [x]) => [backReshape(ctx, dy, x)],      // dx = reshape(dy, shape(x))
  },
  Unsqueeze: {
    forward: (ctx, ins) => {                                       // y = x with size-1 axes inserted
      const x = ctx.input(ins, 0, 'data');
      const axes = axesInput(ctx, ins, x.shape.length + (ctx.known(ins[1])?.length ?? ctx.ints('axes', [])?.length ?? 0));
      const shape: Dim[] = [];
      for (let i = 0, j = 0; i < x.shape.length + axes.length; i++) shape.push(axes.includes(i) ? 1 : x.shape[j++]);
      const y = reshapeNode(ctx, x, shape);
      const k = ctx.known(x);
      return [k ? ctx.setKnown(y, k) : y];
    },
    backward: (ctx, [dy], [x]) => [backReshape(ctx, dy, x)],      // dx = reshape(dy, shape(x))
  },
  Transpose: {
    forward: (ctx, ins) => {                                       // y = transpose(x, perm)
      const x = ctx.input(ins, 0, 'data');
      return [transpose(x, ctx.ints('perm', undefined) ?? [...x.shape.keys()].reverse())];
    },
    backward: (ctx, [dy], [x]) => {                                // dx = transpose(dy, perm⁻¹)
      const perm = ctx.ints('perm', undefined) ?? [...x!.shape.keys()].reverse();
      const inverse = perm.map((_, i) => perm.indexOf(i));
      return [dy && transpose(dy, inverse)];
    },
  },
  Concat: {
    forward: (ctx, ins) => {                                       // y = concat(x₁, x₂, …; axis)
      const xs = ins.filter((v): v is Value => v !== undefined);
      const axis = axisOf(ctx, ctx.int('axis', 0), xs[0].shape.length);
      const ks = xs.map((x) => ctx.known(x));
      if (xs[0].dtype !== 'float32') {
        if (ks.some((k) => !k)) ctx.fail('integer Concat of values not known when the model is built');
        const values = ks.flatMap((k) => k as Dim[]);
        return [knownConstant(ctx, values, [values.length])];
      }
      return [concat(xs, axis)];
    },
    backward: (ctx, [dy], ins, _o, needs) => {                     // dxᵢ = the slice of dy where xᵢ went
      if (!dy) return [];
      const axis = axisOf(ctx, ctx.int('axis', 0), dy.shape.length);
      let start = 0;
      return ins.map((x, i) => {
        const size = x!.shape[axis] as number;
        const s = start;
        start += size;
        if (!needs[i]) return undefined;
        const t = dy.tape;
        return t.node('Slice', [dy, t.int64s([s]), t.int64s([s + size]), t.int64s([axis])], [{ dtype: dy.dtype, shape: x!.shape }])[0];
      });
    },
  },
  // Integer shape arithmetic: evaluated at build time, never differentiated.
  Shape: {
    forward: (ctx, ins) => {                                       // y = shape(x)[start:end]
      const x = ctx.input(ins, 0, 'data');
      const dims = x.shape.slice(ctx.int('start', 0), ctx.node.attributes.end === undefined ? undefined : ctx.int('end', 0));
      return [knownConstant(ctx, dims, [dims.length])];
    },
  },
  Gather: {
    forward: (ctx, ins) => {                                       // y = data[indices] along axis 0, integer data only
      const [data, indices] = [ctx.known(ins[0]), ctx.known(ins[1])];
      if (!data || !indices || ctx.int('axis', 0) !== 0 || (ins[0]?.shape.length ?? 0) !== 1) return ctx.fail('only Gather of shape values known when the model is built is supported');
      const picked = indices.map((i) => data[axisOf(ctx, i as number, data.length)]);
      return [knownConstant(ctx, picked, ins[1]!.shape as number[])];
    },
  },
  Cast: {
    forward: (ctx, ins) => {                                       // y = cast(x): integer values carried through; float → float is the identity
      const x = ctx.input(ins, 0, 'input');
      const k = ctx.known(x);
      if (k) return [knownConstant(ctx, k, ctx.staticShape(x, 'input'))];
      if (x.dtype === 'float32' && ctx.int('to', 1) === 1) return [x];
      return ctx.fail('only casts of float32 to float32 and of known integers are supported');
    },
    backward: (_c, [dy]) => [dy],                                  // dx = dy (float → float)
  },
  Constant: {
    forward: (ctx) => {                                            // y = value
      const t = ctx.tensor('value');
      if (!t) return ctx.fail('only the tensor form (value) is supported');
      const v = ctx.tape.tensor(t);
      if (t.dtype === 'int64' || t.dtype === 'int32') ctx.setKnown(v, Array.from(t.data as ArrayLike<number | bigint>, Number));
      return [v];
    },
  },
};

