/**
 * Element-wise, reduction and shape ops. Each checks its arguments, records one node on the tape of its
 * first value argument and returns the result value. A plain number stands for a float32 scalar constant.
 */
import { type DType, dataTypeCode } from './dtype.js';
import { type Dim, broadcastShapes, formatShape, shapeError } from './shape.js';
import type { Value } from './tape.js';

export type Operand = Value | number;

function tapeOf(op: string, ...xs: Operand[]): Value['tape'] {
  const v = xs.find((x): x is Value => typeof x !== 'number');
  if (!v) shapeError(op, 'needs at least one graph value');
  return v.tape;
}

function lift(op: string, x: Operand, like: Value['tape']): Value {
  return typeof x === 'number' ? like.constant([x]) : x;
}

function binary(op: string, a: Operand, b: Operand, outType?: DType): Value {
  const tape = tapeOf(op, a, b);
  const va = lift(op, a, tape);
  const vb = lift(op, b, tape);
  if (va.dtype !== vb.dtype) shapeError(op, `operand types differ: ${va.dtype} vs ${vb.dtype}`);
  const shape = broadcastShapes(va.shape, vb.shape);
  if (!shape) shapeError(op, `shapes ${formatShape(va.shape)} and ${formatShape(vb.shape)} do not broadcast`);
  return tape.node(op, [va, vb], [{ dtype: outType ?? va.dtype, shape }])[0];
}

function unary(op: string, x: Value, attributes: Record<string, number> = {}): Value {
  if (x.dtype !== 'float32') shapeError(op, `expects float32, got ${x.dtype}`);
  return x.tape.node(op, [x], [{ dtype: x.dtype, shape: x.shape }], attributes)[0];
}

export const add = (a: Operand, b: Operand): Value => binary('Add', a, b);
export const sub = (a: Operand, b: Operand): Value => binary('Sub', a, b);
export const mul = (a: Operand, b: Operand): Value => binary('Mul', a, b);
export const div = (a: Operand, b: Operand): Value => binary('Div', a, b);
export const equal = (a: Operand, b: Operand): Value => binary('Equal', a, b, 'bool');
export const greater = (a: Operand, b: Operand): Value => binary('Greater', a, b, 'bool');

export const relu = (x: Value): Value => unary('Relu', x);
export const exp = (x: Value): Value => unary('Exp', x);
export const log = (x: Value): Value => unary('Log', x);
export const sqrt = (x: Value): Value => unary('Sqrt', x);
export const neg = (x: Value): Value => unary('Neg', x);

/** `cond ? a : b`, broadcasting all three. */
export function where(cond: Value, a: Operand, b: Operand): Value {
  if (cond.dtype !== 'bool') shapeError('Where', `condition must be bool, got ${cond.dtype}`);
  const va = lift('Where', a, cond.tape);
  const vb = lift('Where', b, cond.tape);
  if (va.dtype !== vb.dtype) shapeError('Where', `branch types differ: ${va.dtype} vs ${vb.dtype}`);
  const ab = broadcastShapes(va.shape, vb.shape);
  const shape = ab && broadcastShapes(cond.shape, ab);
  if (!shape) shapeError('Where', `shapes ${formatShape(cond.shape)}, ${formatShape(va.shape)}, ${formatShape(vb.shape)} do not broadcast`);
  return cond.tape.node('Where', [cond, va, vb], [{ dtype: va.dtype, shape }])[0];
}

export function cast(x: Value, to: DType): Value {
  return x.tape.node('Cast', [x], [{ dtype: to, shape: x.shape }], { to: dataTypeCode(to) })[0];
}

function normaliseAxes(op: string, x: Value, axes: readonly number[]): number[] {
  return axes.map((a) => {
    const axis = a < 0 ? a + x.shape.length : a;
    if (axis < 0 || axis >= x.shape.length) shapeError(op, `axis ${a} is out of range for ${formatShape(x.shape)}`);
    return axis;
  });
}

function reducedShape(x: Value, axes: readonly number[], keepdims: boolean): Dim[] {
  const out: Dim[] = [];
  x.shape.forEach((d, i) => {
    if (!axes.includes(i)) out.push(d);
    else if (keepdims) out.push(1);
  });
  return out;
}

/** Sum over `axes` (all axes when omitted). Opset 17 takes the axes as an int64 input. */
export function reduceSum(x: Value, axes?: readonly number[], keepdims = false): Value {
  const ax = axes ? normaliseAxes('ReduceSum', x, axes) : x.shape.map((_, i) => i);
  const inputs = axes ? [x, x.tape.int64s(ax)] : [x];
  return x.tape.node('ReduceSum', inputs, [{ dtype: x.dtype, shape: reducedShape(x, ax, keepdims) }], { keepdims: keepdims ? 1 : 0 })[0];
}

/** Max over `axes`. Opset 17 still takes them as an attribute. */
export function reduceMax(x: Value, axes: readonly number[], keepdims = false): Value {
  const ax = normaliseAxes('ReduceMax', x, axes);
  return x.tape.node('ReduceMax', [x], [{ dtype: x.dtype, shape: reducedShape(x, ax, keepdims) }], { axes: ax, keepdims: keepdims ? 1 : 0 })[0];
}

/** Reshape to `dims`; a single -1 is inferred, and may stand for a symbolic dimension such as N. */
export function reshape(x: Value, dims: readonly number[]): Value {
  const symbolic = x.shape.filter((d): d is string => typeof d === 'string');
  const staticIn = x.shape.reduce<number>((n, d) => (typeof d === 'number' ? n * d : n), 1);
  const known = dims.reduce((n, d) => (d === -1 ? n : n * d), 1);
  const holes = dims.filter((d) => d === -1).length;
  let fill: Dim | undefined;
  if (holes === 1 && symbolic.length === 1 && staticIn === known) fill = symbolic[0];
  else if (holes === 1 && symbolic.length === 0 && staticIn % known === 0) fill = staticIn / known;
  else if (holes === 0 && symbolic.length === 0 && staticIn === known) fill = undefined;
  else shapeError('Reshape', `cannot reshape ${formatShape(x.shape)} to ${formatShape(dims)}`);
  const shape: Dim[] = dims.map((d) => (d === -1 ? (fill as Dim) : d));
  return x.tape.node('Reshape', [x, x.tape.int64s(dims)], [{ dtype: x.dtype, shape }])[0];
}

export function transpose(x: Value, perm: readonly number[]): Value {
  const sorted = [...perm].sort((a, b) => a - b);
  if (perm.length !== x.shape.length || sorted.some((p, i) => p !== i)) {
    shapeError('Transpose', `perm ${formatShape(perm)} is not a permutation of the axes of ${formatShape(x.shape)}`);
  }
  return x.tape.node('Transpose', [x], [{ dtype: x.dtype, shape: perm.map((p) => x.shape[p]) }], { perm })[0];
}

/** Constant zero padding; `pads` as ONNX orders them: all begins, then all ends. */
export function pad(x: Value, pads: readonly number[]): Value {
  const rank = x.shape.length;
  if (pads.length !== 2 * rank) shapeError('Pad', `needs ${2 * rank} pads for ${formatShape(x.shape)}, got ${pads.length}`);
  const shape = x.shape.map((d, i) => {
    if (pads[i] === 0 && pads[i + rank] === 0) return d;
    if (typeof d !== 'number') shapeError('Pad', `cannot pad symbolic dimension '${d}'`);
    return d + pads[i] + pads[i + rank];
  });
  return x.tape.node('Pad', [x, x.tape.int64s(pads)], [{ dtype: x.dtype, shape }], { mode: 'constant' })[0];
}

/** x[…, start:end, …] along one axis (static bounds, step 1). */
export function slice(x: Value, axis: number, start: number, end: number): Value {
  const [ax] = normaliseAxes('Slice', x, [axis]);
  const size = x.shape[ax];
  if (typeof size !== 'number' || start < 0 || end > size || start >= end) {
    shapeError('Slice', `cannot take [${start}, ${end}) of axis ${axis} of ${formatShape(x.shape)}`);
  }
  const shape = x.shape.map((d, i) => (i === ax ? end - start : d));
  const inputs = [x, x.tape.int64s([start]), x.tape.int64s([end]), x.tape.int64s([ax])];
  return x.tape.node('Slice', inputs, [{ dtype: x.dtype, shape }])[0];
}

export function concat(xs: readonly Value[], axis: number): Value {
  const [first] = xs;
  if (!first) shapeError('Concat', 'needs at least one input');
  const shape: Dim[] = [...first.shape];
  let total = 0;
  for (const x of xs) {
    if (x.shape.length !== first.shape.length || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
      shapeError('Concat', `${formatShape(x.shape)} does not match ${formatShape(first.shape)} outside axis ${axis}`);
    }
    const d = x.shape[axis];
    if (typeof d !== 'number') shapeError('Concat', `axis ${axis} must be static`);
    total += d;
  }
  shape[axis] = total;
  return first.tape.node('Concat', xs, [{ dtype: first.dtype, shape }], { axis })[0];
}
