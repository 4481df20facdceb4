/**
 * Shapes of graph values (element types: dtype.ts), and the shape arithmetic the ops use to check their
 * arguments at build time. A dimension is a number or a symbolic name (`'N'`, the batch).
 */
export type Dim = number | string;
export type Shape = readonly Dim[];

export function formatShape(shape: Shape): string {
  return `[${shape.join(',')}]`;
}

export function isStatic(shape: Shape): shape is readonly number[] {
  return shape.every((d) => typeof d === 'number');
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Numpy-style broadcast of two shapes; `undefined` when they do not broadcast. */
export function broadcastShapes(a: Shape, b: Shape): Dim[] | undefined {
  const rank = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da === db || db === 1) out.push(da);
    else if (da === 1) out.push(db);
    else return undefined;
  }
  return out;
}

/** Thrown when an op's arguments cannot work together; the message names the op and both shapes. */
export class GraphShapeError extends TypeError {
  override name = 'GraphShapeError';
}

export function shapeError(op: string, message: string): never {
  throw new GraphShapeError(`${op}: ${message}`);
}

/** Output extent of a sliding window (Conv, pooling); symbolic dims pass through only for k=1. */
export function windowOut(op: string, size: Dim, kernel: number, stride: number, padBegin: number, padEnd: number): number {
  if (typeof size !== 'number') shapeError(op, `spatial dimension must be static, got '${size}'`);
  const out = Math.floor((size + padBegin + padEnd - kernel) / stride) + 1;
  if (out < 1) shapeError(op, `window ${kernel} (stride ${stride}) does not fit a dimension of ${size} (+${padBegin + padEnd} padding)`);
  return out;
}
