/**
 * Element-wise ops with numpy broadcasting. Every backward sums the gradient of a broadcast operand back
 * to its shape (unbroadcast). Ops outside the portable allow-list are recorded as portable equivalents.
 */
import { add, div, exp, greater, mul, neg, relu, sub, where } from '../../graph/ops.js';
import type { Value } from '../../graph/tape.js';
import { type NodeContext, type OpRule, unbroadcast } from '../rule.js';
import { knownConstant } from './shape.js';

type Binary = (a: Value, b: Value) => Value;

/** Integer arithmetic on values known when the model is built (torch.onnx.export's shape chains, e.g. chunk's sizes). */
function knownArithmetic(ctx: NodeContext, a: Value, b: Value, f: (x: number, y: number) => number): Value {
  const [ka, kb] = [ctx.known(a), ctx.known(b)];
  if (!ka || !kb || [...ka, ...kb].some((d) => typeof d !== 'number') || (ka.length !== kb.length && ka.length !== 1 && kb.length !== 1) || a.shape.length > 1 || b.shape.length > 1) {
    return ctx.fail(`integer arithmetic (${a.dtype}, ${b.dtype}) is supported only on shape values known when the model is built`);
  }
  const n = Math.max(ka.length, kb.length);
  const values = Array.from({ length: n }, (_, i) => f(ka[ka.length === 1 ? 0 : i] as number, kb[kb.length === 1 ? 0 : i] as number));
  return knownConstant(ctx, values, a.shape.length === 0 && b.shape.length === 0 ? [] : [n]);
}

function binaryForward(op: Binary, integer: (x: number, y: number) => number): OpRule['forward'] {
  return (ctx, ins) => {
    const a = ctx.input(ins, 0, 'A');
    const b = ctx.input(ins, 1, 'B');
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return [knownArithmetic(ctx, a, b, integer)];
    return [op(a, b)];
  };
}

const need = (g: Value | undefined, on: boolean, f: (g: Value) => Value): Value | undefined => (g && on ? f(g) : undefined);

export const ELEMENTWISE_RULES: Readonly<Record<string, OpRule>> = {
  Add: {
    forward: binaryForward(add, (x, y) => x + y), // y = a + b
    backward: (_c, [dy], [a, b], _o, needs) => [                  // da = Σ dy,  db = Σ dy  (over broadcast axes)
      need(dy, needs[0], (g) => unbroadcast(g, a!.shape)),
      need(dy, needs[1], (g) => unbroadcast(g, b!.shape)),
    ],
  },
  Sub: {
    forward: binaryForward(sub, (x, y) => x - y), // y = a − b
    backward: (_c, [dy], [a, b], _o, needs) => [                  // da = Σ dy,  db = −Σ dy
      need(dy, needs[0], (g) => unbroadcast(g, a!.shape)),
      need(dy, needs[1], (g) => neg(unbroadcast(g, b!.shape))),
    ],
  },
  Mul: {
    forward: binaryForward(mul, (x, y) => x * y), // y = a · b
    backward: (_c, [dy], [a, b], _o, needs) => [                  // da = Σ dy·b,  db = Σ dy·a
      need(dy, needs[0], (g) => unbroadcast(mul(g, b!), a!.shape)),
      need(dy, needs[1], (g) => unbroadcast(mul(g, a!), b!.shape)),
    ],
  },
  Div: {
    forward: binaryForward(div, (x, y) => Math.trunc(x / y)), // y = a / b
    backward: (_c, [dy], [a, b], [y], needs) => [                 // da = Σ dy/b,  db = −Σ dy·y/b
      need(dy, needs[0], (g) => unbroadcast(div(g, b!), a!.shape)),
      need(dy, needs[1], (g) => unbroadcast(neg(div(mul(g, y!), b!)), b!.shape)),
    ],
  },
  Neg: {
    forward: (ctx, ins) => [neg(ctx.input(ins, 0, 'X'))],         // y = −x
    backward: (_c, [dy]) => [dy && neg(dy)],                      // dx = −dy
  },
  Relu: {
    forward: (ctx, ins) => [relu(ctx.input(ins, 0, 'X'))],        // y = max(x, 0)
    backward: (_c, [dy], _i, [y]) => [dy && where(greater(y!, 0), dy, 0)], // dx = y > 0 ? dy : 0 (threshold_backward)
  },
  LeakyRelu: {
    forward: (ctx: NodeContext, ins) => {                         // y = x > 0 ? x : α·x   (as Where: LeakyRelu is not portable)
      const x = ctx.input(ins, 0, 'X');
      return [where(greater(x, 0), x, mul(x, ctx.float('alpha', 0.01)))];
    },
    backward: (ctx, [dy], [x]) => [dy && where(greater(x!, 0), dy, mul(dy, ctx.float('alpha', 0.01)))], // dx = x > 0 ? dy : α·dy
  },
  Sigmoid: {
    forward: (ctx, ins) => [div(1, add(exp(neg(ctx.input(ins, 0, 'X'))), 1))], // y = 1 / (1 + e^−x)
    backward: (_c, [dy], _i, [y]) => [dy && mul(dy, mul(y!, sub(1, y!)))],     // dx = dy · y · (1 − y)
  },
  Tanh: {
    forward: (ctx, ins) => [sub(1, div(2, add(exp(mul(ctx.input(ins, 0, 'X'), 2)), 1)))], // y = 1 − 2 / (e^2x + 1)
    backward: (_c, [dy], _i, [y]) => [dy && mul(dy, sub(1, mul(y!, y!)))],               // dx = dy · (1 − y²)
  },
  Identity: {
    forward: (ctx, ins) => [ctx.input(ins, 0, 'X')],              // y = x (no node)
    backward: (_c, [dy]) => [dy],                                 // dx = dy
  },
  Dropout: {
    // y = x. In the train step too (training_mode, ratio ignored), with a note: no mask, so the step stays
    // deterministic and the same on every runtime; it trains as with ratio 0. The mask output (named by
    // torch.onnx.export in training mode, never used) is not produced: a node reading it is an error.
    forward: (ctx, ins) => {
      if (ctx.training) ctx.note('Dropout is the identity in the train step (no random mask; it trains as with ratio 0)');
      return [ctx.input(ins, 0, 'data')];
    },
    backward: (_c, [dy]) => [dy],                                 // dx = dy
  },
};
