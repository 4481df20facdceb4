/**
 * Every gradient rule against float64 central differences on random shapes and attributes (one
 * labelled max-error row per op, case and input), and the checker itself catching a wrong rule.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { RULES } from '../../src/autodiff/rules/index.js';
import type { OpRule } from '../../src/autodiff/rule.js';
import { mul } from '../../src/graph/ops.js';
import { type GradCase, type GradRow, checkCase, printGradTable } from './check.js';

const f = (...shape: number[]) => ({ shape });
const d = (...shape: number[]) => ({ shape, fill: 'distinct' as const });
const pos = (...shape: number[]) => ({ shape, fill: 'positive' as const });
const ints = (...values: number[]) => ({ shape: [values.length], ints: values });
const wide = (...shape: number[]) => ({ shape, fill: 'wide' as const });
const fixed = (...shape: number[]) => ({ shape, fixed: true });
const fixedPos = (...shape: number[]) => ({ shape, fill: 'positive' as const, fixed: true });

export const CASES: readonly GradCase[] = [
  { label: 'Add [2,3,4] + [3,1]', op: 'Add', inputs: [f(2, 3, 4), f(3, 1)] },
  { label: 'Sub [3,4] − [4]', op: 'Sub', inputs: [f(3, 4), f(4)] },
  { label: 'Mul [2,3,4] · [1,3,1]', op: 'Mul', inputs: [f(2, 3, 4), f(1, 3, 1)] },
  { label: 'Div [3,4] / [3,1]', op: 'Div', inputs: [f(3, 4), pos(3, 1)] },
  { label: 'Neg [5,2]', op: 'Neg', inputs: [f(5, 2)] },
  { label: 'Relu [4,5]', op: 'Relu', inputs: [d(4, 5)] },
  { label: 'LeakyRelu α=0.2 [4,5]', op: 'LeakyRelu', inputs: [d(4, 5)], attributes: { alpha: 0.2 } },
  { label: 'Sigmoid [4,5]', op: 'Sigmoid', inputs: [f(4, 5)] },
  { label: 'Tanh [4,5]', op: 'Tanh', inputs: [f(4, 5)] },
  { label: 'Identity [3,3]', op: 'Identity', inputs: [f(3, 3)] },
  { label: 'Dropout (inference) [3,3]', op: 'Dropout', inputs: [f(3, 3)] },
  { label: 'Softmax axis 1 [3,5]', op: 'Softmax', inputs: [f(3, 5)], attributes: { axis: 1 } },
  { label: 'Softmax axis −1 [2,3,4]', op: 'Softmax', inputs: [f(2, 3, 4)] },
  { label: 'LogSoftmax axis 1 [3,5]', op: 'LogSoftmax', inputs: [f(3, 5)], attributes: { axis: 1 } },
  { label: 'Gemm [3,4]·[4,5] + C[5]', op: 'Gemm', inputs: [f(3, 4), f(4, 5), f(5)] },
  { label: 'Gemm transA transB α=0.5 β=2 C[3,5]', op: 'Gemm', inputs: [f(4, 3), f(5, 4), f(3, 5)], attributes: { transA: 1, transB: 1, alpha: 0.5, beta: 2 } },
  { label: 'Gemm transB (Linear) C[1]', op: 'Gemm', inputs: [f(3, 4), f(5, 4), f(1)], attributes: { transB: 1 } },
  { label: 'Gemm transA, no C', op: 'Gemm', inputs: [f(4, 3), f(4, 5)], attributes: { transA: 1, alpha: 1.5 } },
  { label: 'MatMul [3,4]·[4,2]', op: 'MatMul', inputs: [f(3, 4), f(4, 2)] },
  { label: 'MatMul batched [2,3,4]·[4,5]', op: 'MatMul', inputs: [f(2, 3, 4), f(4, 5)] },
  { label: 'MatMul broadcast [2,1,3,4]·[3,4,2]', op: 'MatMul', inputs: [f(2, 1, 3, 4), f(3, 4, 2)] },
  { label: 'Conv [2,3,7,7]⊛[4,3,3,3]+b', op: 'Conv', inputs: [f(2, 3, 7, 7), f(4, 3, 3, 3), f(4)] },
  { label: 'Conv stride 2 pads 1 [2,3,8,7]', op: 'Conv', inputs: [f(2, 3, 8, 7), f(4, 3, 3, 3), f(4)], attributes: { strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'Conv dilation 2 pads [1,0,0,2]', op: 'Conv', inputs: [f(2, 2, 8, 8), f(3, 2, 3, 2)], attributes: { dilations: [2, 2], pads: [1, 0, 0, 2] } },
  { label: 'Conv group 2 stride [2,1] [2,4,6,7]', op: 'Conv', inputs: [f(2, 4, 6, 7), f(6, 2, 3, 3), f(6)], attributes: { group: 2, strides: [2, 1] } },
  { label: 'Conv depthwise (group 3) stride 3', op: 'Conv', inputs: [f(1, 3, 8, 8), f(3, 1, 2, 2)], attributes: { group: 3, strides: [3, 3] } },
  { label: 'Conv 1-D [2,3,9]⊛[2,3,4] stride 2', op: 'Conv', inputs: [f(2, 3, 9), f(2, 3, 4), f(2)], attributes: { strides: [2] } },
  { label: 'MaxPool 2×2 s2 [2,3,6,6]', op: 'MaxPool', inputs: [d(2, 3, 6, 6)], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
  { label: 'MaxPool 3×3 s2 pads 1 (overlapping) [1,2,7,7]', op: 'MaxPool', inputs: [d(1, 2, 7, 7)], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'MaxPool 2×2 s1 dilation 2 [1,2,6,5]', op: 'MaxPool', inputs: [d(1, 2, 6, 5)], attributes: { kernel_shape: [2, 2], dilations: [2, 2] } },
  { label: 'MaxPool 2×2 s2 odd size [1,2,7,5]', op: 'MaxPool', inputs: [d(1, 2, 7, 5)], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
  { label: 'AveragePool 2×2 s2 [2,3,6,6]', op: 'AveragePool', inputs: [f(2, 3, 6, 6)], attributes: { kernel_shape: [2, 2], strides: [2, 2] } },
  { label: 'AveragePool 3×3 s2 pads 1, exclude pad', op: 'AveragePool', inputs: [f(1, 2, 7, 6)], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] } },
  { label: 'AveragePool 3×3 s2 pads 1, count_include_pad', op: 'AveragePool', inputs: [f(1, 2, 7, 6)], attributes: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  { label: 'GlobalAveragePool [2,3,4,5]', op: 'GlobalAveragePool', inputs: [f(2, 3, 4, 5)] },
  { label: 'Reshape [2,3,4] → [4,−1]', op: 'Reshape', inputs: [f(2, 3, 4), ints(4, -1)] },
  { label: 'Flatten axis 2 [2,3,4,2]', op: 'Flatten', inputs: [f(2, 3, 4, 2)], attributes: { axis: 2 } },
  { label: 'Transpose perm [2,0,1]', op: 'Transpose', inputs: [f(2, 3, 4)], attributes: { perm: [2, 0, 1] } },
  { label: 'Squeeze axes [1] [3,1,4]', op: 'Squeeze', inputs: [f(3, 1, 4), ints(1)] },
  { label: 'Unsqueeze axes [0,3] [3,4]', op: 'Unsqueeze', inputs: [f(3, 4), ints(0, 3)] },
  { label: 'Concat axis 1 [2,2,3] [2,3,3]', op: 'Concat', inputs: [f(2, 2, 3), f(2, 3, 3)], attributes: { axis: 1 } },
  { label: 'ReduceSum axes [1] keepdims 0', op: 'ReduceSum', inputs: [f(2, 3, 4), ints(1)], attributes: { keepdims: 0 } },
  { label: 'ReduceSum all axes', op: 'ReduceSum', inputs: [f(2, 3)] },
  { label: 'ReduceMean axes [0,2] keepdims 1', op: 'ReduceMean', inputs: [f(2, 3, 4)], attributes: { axes: [0, 2] } },
  { label: 'Erf [6,5] in (−3,3) (portable, both branches)', op: 'Erf', inputs: [wide(6, 5)] },
  { label: 'Slice [4,6] starts [1,−5] ends [3,100]', op: 'Slice', inputs: [f(4, 6), ints(1, -5), ints(3, 100)] },
  { label: 'Slice axis 1 step 2 [3,7,2]', op: 'Slice', inputs: [f(3, 7, 2), ints(1), ints(7), ints(1), ints(2)] },
  { label: 'Slice axes [−1,0] steps [−2,3] [7,5]', op: 'Slice', inputs: [f(7, 5), ints(-1, 0), ints(-100, 7), ints(-1, 0), ints(-2, 3)] },
  { label: 'Slice step −1 (reverse) axis 0 [4,3]', op: 'Slice', inputs: [f(4, 3), ints(-1), ints(-5), ints(0), ints(-1)] },
  { label: 'Split axis 1 [1,2,3] of [2,6,3]', op: 'Split', inputs: [f(2, 6, 3), ints(1, 2, 3)], attributes: { axis: 1 }, outputs: 3 },
  { label: 'Split equal axis −1 [3,4], only y1 used', op: 'Split', inputs: [f(3, 4)], attributes: { axis: -1 }, outputs: 2, used: [1] },
  { label: 'Pad [2,3,4] pads [0,1,0,0,2,1]', op: 'Pad', inputs: [f(2, 3, 4), ints(0, 1, 0, 0, 2, 1)] },
  { label: 'Pad constant_value input [3,2]', op: 'Pad', inputs: [f(3, 2), ints(1, 0, 2, 1), f()], attributes: { mode: 'constant' } },
  { label: 'BatchNorm inference [2,3,4,4]', op: 'BatchNormalization', inputs: [f(2, 3, 4, 4), f(3), f(3), fixed(3), fixedPos(3)] },
  { label: 'BatchNorm training [3,2,4,3] (batch stats)', op: 'BatchNormalization', inputs: [f(3, 2, 4, 3), f(2), f(2), fixed(2), fixedPos(2)], training: true },
  { label: 'BatchNorm training 2-D [6,4] ε=1e−3', op: 'BatchNormalization', inputs: [f(6, 4), f(4), f(4), fixed(4), fixedPos(4)], attributes: { epsilon: 1e-3 }, training: true },
  { label: 'Dropout ratio 0.5, train step (identity)', op: 'Dropout', inputs: [f(3, 3)], attributes: { seed: 0 }, training: true },
  { label: 'MatMul 1-D · 2-D [4]·[4,3]', op: 'MatMul', inputs: [f(4), f(4, 3)] },
  { label: 'MatMul 3-D · 1-D [2,3,4]·[4]', op: 'MatMul', inputs: [f(2, 3, 4), f(4)] },
  { label: 'MatMul 1-D · 1-D [5]·[5] → scalar', op: 'MatMul', inputs: [f(5), f(5)] },
  { label: 'MatMul 1-D · batched [4]·[2,4,3]', op: 'MatMul', inputs: [f(4), f(2, 4, 3)] },
];

const TOLERANCE = 2e-3;

describe('gradient rules vs float64 central differences', () => {
  test('every case, every input', async () => {
    const rows: GradRow[] = [];
    for (const [i, c] of CASES.entries()) rows.push(...(await checkCase(c, 100 + i)));
    printGradTable(`gradient rules (onnxruntime-node float32) vs central differences (h = 1e-2, L = Σ y·r in float64), tolerance ${TOLERANCE}`, rows);
    for (const r of rows) {
      expect(r.maxErr, `${r.label} ${r.input}`).toBeLessThan(TOLERANCE);
      expect(r.portable, `${r.label}: gradient graph outside the allow-list`).toBe(true);
    }
  });
});

describe('the checker catches a wrong rule', () => {
  const table = RULES as Record<string, OpRule>;
  const original = table.Mul;
  afterEach(() => { table.Mul = original; });

  test('Mul with da = dy·a instead of dy·b fails', async () => {
    table.Mul = { ...original, backward: (_c, [dy], [a]) => [dy && mul(dy, a!), dy && mul(dy, a!)] };
    const [row] = await checkCase({ label: 'broken Mul', op: 'Mul', inputs: [f(3, 4), f(3, 4)] }, 7);
    expect(row.maxErr).toBeGreaterThan(0.1);
  });

  test('BatchNorm training differentiated as if normalised by the running statistics fails', async () => {
    const bn = table.BatchNormalization;
    try {
      table.BatchNormalization = { ...bn, backward: (ctx, dys, ins, outs, needs) => bn.backward!(ctx, dys, ins, outs.map(() => undefined), needs) };
      const rows = await checkCase({ label: 'broken BatchNorm', op: 'BatchNormalization', inputs: [f(3, 2, 4), f(2), f(2), fixed(2), fixedPos(2)], training: true }, 7);
      expect(Math.max(...rows.map((r) => r.maxErr))).toBeGreaterThan(0.1);
    } finally {
      table.BatchNormalization = bn;
    }
  });
});
