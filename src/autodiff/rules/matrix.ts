/** Gemm and MatMul (batched, broadcasting, 1-D operands). */
import { mul, transpose } from '../../graph/ops.js';
import { type Dim, broadcastShapes, formatShape } from '../../graph/shape.js';
import type { Value } from '../../graph/tape.js';
import { type NodeContext, type OpRule, reshapeTo, unbroadcast } from '../rule.js';

interface GemmAttrs { readonly alpha?: number; readonly transA?: boolean; readonly transB?: boolean }

/** alpha · a' · b' (+ beta · c), recorded as one Gemm node. */
function gemmNode(ctx: NodeContext, a: Value, b: Value, o: GemmAttrs, c?: Value, beta = 1): Value {
  if (a.shape.length !== 2 || b.shape.length !== 2) ctx.fail(`operands must be 2-D, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`);
  const [m, ka] = o.transA ? [a.shape[1], a.shape[0]] : a.shape;
  const [kb, n] = o.transB ? [b.shape[1], b.shape[0]] : b.shape;
  if (ka !== kb) ctx.fail(`inner dimensions differ: ${formatShape(a.shape)}${o.transA ? 'ᵀ' : ''} · ${formatShape(b.shape)}${o.transB ? 'ᵀ' : ''}`);
  if (c && !broadcastShapes(c.shape, [m, n])) ctx.fail(`C ${formatShape(c.shape)} does not broadcast to [${m},${n}]`);
  const attributes = { alpha: { float: o.alpha ?? 1 }, beta: { float: beta }, transA: o.transA ? 1 : 0, transB: o.transB ? 1 : 0 };
  return a.tape.node('Gemm', c ? [a, b, c] : [a, b], [{ dtype: 'float32', shape: [m, n] }], attributes)[0];
}

const swapLast = (x: Value): Value => transpose(x, [...x.shape.keys()].map((i, _, all) => (i < all.length - 2 ? i : 2 * all.length - 3 - i)));

function matmulNode(ctx: NodeContext, a: Value, b: Value): Value {
  if (a.shape.length < 2 || b.shape.length < 2) ctx.fail(`internal: 1-D operands reach matmulNode (${formatShape(a.shape)} · ${formatShape(b.shape)})`);
  const batch = broadcastShapes(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const [m, k] = a.shape.slice(-2);
  const [k2, n] = b.shape.slice(-2);
  if (!batch || k !== k2) ctx.fail(`cannot multiply ${formatShape(a.shape)} by ${formatShape(b.shape)}`);
  return a.tape.node('MatMul', [a, b], [{ dtype: 'float32', shape: [...batch, m, n] }])[0];
}

/** numpy's promotion of 1-D operands: a (k) as (1,k), b (k) as (k,1); the product's added axis is removed after. */
function promoted(ctx: NodeContext, a: Value, b: Value): { a2: Value; b2: Value; y2: Value; shape: Dim[] } {
  if (a.shape.length === 0 || b.shape.length === 0) ctx.fail('MatMul of a scalar');
  const a2 = a.shape.length === 1 ? reshapeTo(ctx, a, [1, a.shape[0]]) : a;
  const b2 = b.shape.length === 1 ? reshapeTo(ctx, b, [b.shape[0], 1]) : b;
  const y2 = matmulNode(ctx, a2, b2);
  const r = y2.shape.length;
  const shape = y2.shape.filter((_, i) => !(a.shape.length === 1 && i === r - 2) && !(b.shape.length === 1 && i === r - 1));
  return { a2, b2, y2, shape };
}

export const MATRIX_RULES: Readonly<Record<string, OpRule>> = {
  Gemm: {
    // y = α · A' · B' + β · C,  A' = transA ? Aᵀ : A,  B' = transB ? Bᵀ : B
    forward: (ctx, ins) => {
      const o = { alpha: ctx.float('alpha', 1), transA: ctx.int('transA', 0) === 1, transB: ctx.int('transB', 0) === 1 };
      return [gemmNode(ctx, ctx.input(ins, 0, 'A'), ctx.input(ins, 1, 'B'), o, ins[2], ctx.float('beta', 1))];
    },
    // dA' = α · dy · B'ᵀ     dB' = α · A'ᵀ · dy     dC = β · Σ dy (over broadcast axes)
    backward: (ctx, [dy], [a, b, c], _o, needs) => {
      if (!dy) return [];
      const alpha = ctx.float('alpha', 1);
      const beta = ctx.float('beta', 1);
      const tA = ctx.int('transA', 0) === 1;
      const tB = ctx.int('transB', 0) === 1;
      const da = !needs[0] ? undefined
        : tA ? gemmNode(ctx, b!, dy, { alpha, transA: tB, transB: true })      // dA = α · B' · dyᵀ
          : gemmNode(ctx, dy, b!, { alpha, transB: !tB });                       // dA = α · dy · B'ᵀ
      const db = !needs[1] ? undefined
        : tB ? gemmNode(ctx, dy, a!, { alpha, transA: true, transB: tA })     // dB = α · dyᵀ · A'
          : gemmNode(ctx, a!, dy, { alpha, transA: !tA });                       // dB = α · A'ᵀ · dy
      const dc = needs[2] && c ? unbroadcast(beta === 1 ? dy : mul(dy, beta), c.shape) : undefined;
      return [da, db, dc];
    },
  },
  MatMul: {
    forward: (ctx, ins) => {                                      // y = A · B (batched, broadcast; 1-D operands as numpy)
      const { y2, shape } = promoted(ctx, ctx.input(ins, 0, 'A'), ctx.input(ins, 1, 'B'));
      return [reshapeTo(ctx, y2, shape)];
    },
    // dA = Σ dy · Bᵀ     dB = Σ Aᵀ · dy     (Σ over broadcast batch axes; 1-D operands promoted, then reshaped back)
    backward: (ctx, [dy], [a, b], _o, needs) => {
      if (!dy) return [];
      const { a2, b2, y2 } = promoted(ctx, a!, b!);
      const g = reshapeTo(ctx, dy, y2.shape);
      return [
        needs[0] ? reshapeTo(ctx, unbroadcast(matmulNode(ctx, g, swapLast(b2)), a2.shape), a!.shape) : undefined,
        needs[1] ? reshapeTo(ctx, unbroadcast(matmulNode(ctx, swapLast(a2), g), b2.shape), b!.shape) : undefined,
      ];
    },
  },
};
