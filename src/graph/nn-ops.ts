/**
 * Convolution, pooling, matrix and resampling ops, with the shape checks that catch a wrong layer
 * wiring at build time (the message names the op and the shapes involved).
 */
import { type Dim, formatShape, shapeError, windowOut } from './shape.js';
import type { Value } from './tape.js';

export interface ConvOptions {
  /** [top, left, bottom, right], ONNX order. Default no padding. */
  readonly pads?: readonly [number, number, number, number];
  readonly strides?: readonly [number, number];
}

function check4d(op: string, what: string, x: Value): readonly Dim[] {
  if (x.shape.length !== 4) shapeError(op, `${what} must be 4-D [N,C,H,W], got ${formatShape(x.shape)}`);
  if (x.dtype !== 'float32') shapeError(op, `${what} must be float32, got ${x.dtype}`);
  return x.shape;
}

function staticDim(op: string, what: string, d: Dim): number {
  if (typeof d !== 'number') shapeError(op, `${what} must be static, got '${d}'`);
  return d;
}

/** 2-D convolution: x [N,C,H,W] ⊛ w [M,C,kh,kw] (+ b [M]) → [N,M,H',W']. */
export function conv(x: Value, w: Value, b: Value | undefined, options: ConvOptions = {}): Value {
  const [n, c, h, wd] = check4d('Conv', 'input', x);
  const [m, wc, kh, kw] = check4d('Conv', 'weight', w);
  if (c !== wc) shapeError('Conv', `input has ${c} channels but weight expects ${wc} (x ${formatShape(x.shape)}, w ${formatShape(w.shape)})`);
  if (b && (b.shape.length !== 1 || b.shape[0] !== m)) shapeError('Conv', `bias ${formatShape(b.shape)} does not match ${m} output channels`);
  const [pt, pl, pb, pr] = options.pads ?? [0, 0, 0, 0];
  const [sh, sw] = options.strides ?? [1, 1];
  const khn = staticDim('Conv', 'kernel height', kh);
  const kwn = staticDim('Conv', 'kernel width', kw);
  const shape = [n, m, windowOut('Conv', h, khn, sh, pt, pb), windowOut('Conv', wd, kwn, sw, pl, pr)];
  return x.tape.node('Conv', b ? [x, w, b] : [x, w], [{ dtype: 'float32', shape }], {
    kernel_shape: [khn, kwn], pads: [pt, pl, pb, pr], strides: [sh, sw],
  })[0];
}

/** Transposed convolution: x [N,M,H,W] with w [M,C,kh,kw] → [N,C,(H−1)·s+kh−pads, …]. */
export function convTranspose(x: Value, w: Value, options: ConvOptions = {}): Value {
  const [n, m, h, wd] = check4d('ConvTranspose', 'input', x);
  const [wm, c, kh, kw] = check4d('ConvTranspose', 'weight', w);
  if (m !== wm) shapeError('ConvTranspose', `input has ${m} channels but weight expects ${wm} (x ${formatShape(x.shape)}, w ${formatShape(w.shape)})`);
  const [pt, pl, pb, pr] = options.pads ?? [0, 0, 0, 0];
  const [sh, sw] = options.strides ?? [1, 1];
  const khn = staticDim('ConvTranspose', 'kernel height', kh);
  const kwn = staticDim('ConvTranspose', 'kernel width', kw);
  const out = (size: Dim, k: number, s: number, p0: number, p1: number): number =>
    (staticDim('ConvTranspose', 'spatial size', size) - 1) * s + k - p0 - p1;
  const shape = [n, c, out(h, khn, sh, pt, pb), out(wd, kwn, sw, pl, pr)];
  return x.tape.node('ConvTranspose', [x, w], [{ dtype: 'float32', shape }], {
    kernel_shape: [khn, kwn], pads: [pt, pl, pb, pr], strides: [sh, sw],
  })[0];
}

function pool(op: 'MaxPool' | 'AveragePool', x: Value, kernel: number, stride: number): Value {
  const [n, c, h, w] = check4d(op, 'input', x);
  const shape = [n, c, windowOut(op, h, kernel, stride, 0, 0), windowOut(op, w, kernel, stride, 0, 0)];
  return x.tape.node(op, [x], [{ dtype: 'float32', shape }], { kernel_shape: [kernel, kernel], strides: [stride, stride] })[0];
}

/** Max pooling without the Indices output (which not every execution provider implements). */
export const maxPool = (x: Value, kernel: number, stride = kernel): Value => pool('MaxPool', x, kernel, stride);
export const averagePool = (x: Value, kernel: number, stride = kernel): Value => pool('AveragePool', x, kernel, stride);

export interface GemmOptions {
  readonly transA?: boolean;
  readonly transB?: boolean;
}

/** a' · b' (+ c), where ' transposes when asked; a and b are 2-D. */
export function gemm(a: Value, b: Value, c?: Value, options: GemmOptions = {}): Value {
  if (a.shape.length !== 2 || b.shape.length !== 2) shapeError('Gemm', `operands must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const [m, ka] = options.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = options.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (ka !== kb) {
    shapeError('Gemm', `inner dimensions differ: ${formatShape(a.shape)}${options.transA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${options.transB ? 'ᵀ' : ''}`);
  }
  if (c && !(c.shape.length === 1 && c.shape[0] === n)) shapeError('Gemm', `bias ${formatShape(c.shape)} does not match ${n} columns`);
  return a.tape.node('Gemm', c ? [a, b, c] : [a, b], [{ dtype: 'float32', shape: [m, n] }], {
    transA: options.transA ? 1 : 0, transB: options.transB ? 1 : 0,
  })[0];
}

/** 2-D matrix product a [M,K] · b [K,N]. */
export function matmul(a: Value, b: Value): Value {
  if (a.shape.length !== 2 || b.shape.length !== 2 || a.shape[1] !== b.shape[0]) {
    shapeError('MatMul', `cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}`);
  }
  return a.tape.node('MatMul', [a, b], [{ dtype: 'float32', shape: [a.shape[0], b.shape[1]] }])[0];
}

/** Nearest-neighbour upsampling of H and W by an integer factor: out[i] = in[floor(i / factor)]. */
export function upsampleNearest(x: Value, factor: number): Value {
  const [n, c, h, w] = check4d('Resize', 'input', x);
  const shape = [n, c, staticDim('Resize', 'height', h) * factor, staticDim('Resize', 'width', w) * factor];
  const scales = x.tape.constant([1, 1, factor, factor]);
  return x.tape.node('Resize', [x, undefined, scales], [{ dtype: 'float32', shape }], {
    mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor',
  })[0];
}
