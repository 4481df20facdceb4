/**
 * The WebGPU-safe Conv pass (src/graph/webgpu-conv.ts) as a graph pass over any model: random Conv
 * shapes that meet and do not meet the bug's condition are rewritten exactly when they should be (counted
 * as Pad/Slice nodes), with the same CPU outputs (onnxruntime-node) before and after; the gradient
 * convolutions of a train-step model are found by their shapes, not by name; the pass adds only Pad and
 * Slice, keeps the I/O, and is idempotent.
 */
import { describe, expect, test } from 'vitest';
import { checkPortable } from '../../src/graph/allowlist.js';
import { summarizeModel } from '../../src/graph/export.js';
import { buildEvalModel, buildGradientModel, buildInferenceModel, buildTrainStepModel } from '../../src/graph/models.js';
import { conv } from '../../src/graph/nn-ops.js';
import { initParameters } from '../../src/graph/params.js';
import { type IModelProto, type ModelProto, encodeModel } from '../../src/graph/proto.js';
import type { Dim } from '../../src/graph/shape.js';
import { Tape } from '../../src/graph/tape.js';
import { webgpuConvHazard, webgpuSafeConvPass } from '../../src/graph/webgpu-conv.js';
import { Mt19937 } from '../../src/util/rng.js';
import { f32, runOnce } from '../helpers/ort.js';

const opCount = (model: IModelProto, op: string): number => (model.graph?.node ?? []).filter((n) => n.opType === op).length;
const ops = (model: IModelProto): string[] => (model.graph?.node ?? []).map((n) => n.opType ?? '');

interface ConvCase {
  readonly n: number;
  readonly c: number;
  readonly m: number;
  readonly k: number;
  readonly hw: number;
  readonly pads: readonly [number, number, number, number];
  readonly strides: readonly [number, number];
  readonly bias: boolean;
  /** w (and b) as initializers (as in an inference model) or as graph inputs (as in a train step) */
  readonly weightsBaked: boolean;
  /** input channels symbolic ('C'), as the batch is in a weight gradient */
  readonly dynamicChannels: boolean;
}

/** Random Conv shapes, groups = 1; about a third meet the condition (C ∈ {6, 9, 15, 18} or symbolic, M a multiple of 4). */
function randomCases(count: number, seed: number): ConvCase[] {
  const rng = new Mt19937(seed);
  const int = (lo: number, hi: number): number => lo + (rng.nextUint32() % (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextUint32() % xs.length];
  return Array.from({ length: count }, () => {
    const k = int(1, 5);
    const dynamicChannels = int(0, 5) === 0;
    return {
      n: int(1, 3),
      c: pick([1, 2, 3, 4, 5, 6, 6, 7, 8, 9, 9, 12, 15, 18, int(1, 20)]),
      m: pick([4, 8, 12, 16, 16, 20, 1, 3, 5, 6, 10, 17, int(1, 20)]),
      k,
      hw: k + int(0, 8),
      pads: [int(0, 2), int(0, 2), int(0, 2), int(0, 2)],
      strides: [int(1, 2), int(1, 2)],
      bias: int(0, 1) === 1,
      weightsBaked: !dynamicChannels && int(0, 1) === 1,
      dynamicChannels,
    };
  });
}

function values(count: number, rng: Mt19937): Float32Array {
  return Float32Array.from({ length: count }, () => rng.nextUint32() / 2 ** 31 - 1);
}

function convModel(cc: ConvCase, rng: Mt19937): { model: ModelProto; feeds: Record<string, ReturnType<typeof f32>> } {
  const tape = new Tape('one_conv');
  const cDim: Dim = cc.dynamicChannels ? 'C' : cc.c;
  const xShape = [cc.n, cc.c, cc.hw, cc.hw];
  const wShape = [cc.m, cc.c, cc.k, cc.k];
  const feeds: Record<string, ReturnType<typeof f32>> = {};
  const x = tape.input('x', 'float32', [cc.n, cDim, cc.hw, cc.hw]);
  feeds.x = f32(xShape, values(xShape.reduce((a, b) => a * b), rng));
  const wData = values(wShape.reduce((a, b) => a * b), rng);
  const bData = values(cc.m, rng);
  let w;
  let b;
  if (cc.weightsBaked) {
    w = tape.initializer('w', { dtype: 'float32', dims: wShape, data: wData });
    b = cc.bias ? tape.initializer('b', { dtype: 'float32', dims: [cc.m], data: bData }) : undefined;
  } else {
    w = tape.input('w', 'float32', [cc.m, cDim, cc.k, cc.k]);
    feeds.w = f32(wShape, wData);
    b = cc.bias ? tape.input('b', 'float32', [cc.m]) : undefined;
    if (cc.bias) feeds.b = f32([cc.m], bData);
  }
  tape.output(conv(x, w, b, { pads: cc.pads, strides: cc.strides }), 'y');
  return { model: tape.toModel(), feeds };
}

const CASES = randomCases(48, 20);

describe('the WebGPU-safe Conv pass on random Conv shapes', () => {
  test('the random set has shapes on both sides of the condition, static and symbolic', () => {
    const hazards = CASES.filter((cc) => webgpuConvHazard(cc.dynamicChannels ? 'C' : cc.c, cc.m));
    expect(hazards.filter((cc) => !cc.dynamicChannels).length).toBeGreaterThanOrEqual(5);
    expect(hazards.filter((cc) => cc.dynamicChannels).length).toBeGreaterThanOrEqual(2);
    expect(CASES.length - hazards.length).toBeGreaterThanOrEqual(15);
  });

  test.each(CASES.map((cc, i) => [i, cc] as const))('case %i %j: rewritten exactly when it meets the condition, same CPU outputs', async (i, cc) => {
    const rng = new Mt19937(1000 + i);
    const { model, feeds } = convModel(cc, rng);
    const { model: safe, rewritten, unresolved } = webgpuSafeConvPass(model);
    const hazard = webgpuConvHazard(cc.dynamicChannels ? 'C' : cc.c, cc.m);
    const [pads, slices] = [opCount(safe, 'Pad'), opCount(safe, 'Slice')];
    if (!hazard) {
      expect([pads, slices, rewritten.length]).toEqual([0, 0, 0]);
      expect(encodeModel(safe)).toEqual(encodeModel(model));
    } else if (!cc.dynamicChannels) {
      expect([pads, slices]).toEqual([2, 0]);                      // x and w padded on the channel axis
      expect(rewritten).toEqual([expect.objectContaining({ kind: 'pad-input-channels', inChannels: cc.c, outChannels: cc.m })]);
    } else {
      expect([pads, slices]).toEqual([cc.bias ? 2 : 1, 1]);        // w (and b) one more output channel, sliced off
      expect(rewritten).toEqual([expect.objectContaining({ kind: 'extra-output-channel', inChannels: 'C', outChannels: cc.m })]);
    }
    expect(unresolved).toEqual([]);
    const [io, safeIo] = [summarizeModel('inference', '', model, 0), summarizeModel('inference', '', safe, 0)];
    expect([safeIo.inputs, safeIo.outputs]).toEqual([io.inputs, io.outputs]);
    expect(checkPortable(safe)).toEqual([]);
    const [before, after] = [await runOnce(model, feeds), await runOnce(safe, feeds)];
    let worst = 0;
    for (let j = 0; j < before.y.length; j++) worst = Math.max(worst, Math.abs(after.y[j] - before.y[j]));
    if (hazard) console.log(`case ${i} (${rewritten[0]?.kind}): max|Δ| ${worst.toExponential(1)} over ${before.y.length} outputs`);
    expect(after.y.length).toBe(before.y.length);
    expect(worst).toBeLessThanOrEqual(1e-6);
  });
});

describe('the pass on the LeNet graphs (found by shape, not by name)', () => {
  const params = initParameters(0);

  test('train step: conv2 (6 → 16) padded, conv2\'s weight gradient (N → 16) widened and sliced; conv1 and its gradient untouched', () => {
    const { model, rewritten } = webgpuSafeConvPass(buildTrainStepModel());
    expect(rewritten.map((r) => [r.kind, r.inChannels, r.outChannels])).toEqual([
      ['pad-input-channels', 6, 16],
      ['extra-output-channel', 'N', 16],
    ]);
    expect(checkPortable(model)).toEqual([]);
    expect(webgpuSafeConvPass(model).rewritten).toEqual([]);                   // idempotent
  });

  test.each([
    ['inference', () => buildInferenceModel(params)],
    ['eval', () => buildEvalModel()],
    ['gradient', () => buildGradientModel()],
  ] as const)('%s: only Pad/Slice added; the in-memory builders stay unrewritten by default', (_, build) => {
    const model = build();
    expect(opCount(model, 'Pad') + opCount(model, 'Slice')).toBe(0);
    const { model: safe } = webgpuSafeConvPass(model);
    const added = ops(safe).filter((op) => !ops(model).includes(op));
    expect(added.every((op) => op === 'Pad' || op === 'Slice')).toBe(true);
    expect(opCount(safe, 'Pad')).toBeGreaterThan(0);
    expect(opCount(safe, 'Conv')).toBe(opCount(model, 'Conv'));
  });

  test('target portable = the pass; target cpu (and the old name generic) = no pass', () => {
    expect(encodeModel(buildTrainStepModel({ target: 'portable' }))).toEqual(encodeModel(webgpuSafeConvPass(buildTrainStepModel()).model));
    expect(buildTrainStepModel({ target: 'cpu' })).toEqual(buildTrainStepModel());
    expect(buildTrainStepModel({ target: 'generic' })).toEqual(buildTrainStepModel());
    expect(encodeModel(buildTrainStepModel({ target: 'webgpu' }))).toEqual(encodeModel(buildTrainStepModel({ target: 'portable' })));
  });

  test('grouped Convs and Convs with unknown weight shapes are left alone', () => {
    const tape = new Tape('grouped');
    const x = tape.input('x', 'float32', [1, 6, 8, 8]);
    const w = tape.input('w', 'float32', [16, 3, 3, 3]);
    const [y] = tape.node('Conv', [x, w], [{ dtype: 'float32', shape: [1, 16, 6, 6] }], { group: 2, kernel_shape: [3, 3] });
    tape.output(y, 'y');
    const model = tape.toModel();
    expect(webgpuSafeConvPass(model).rewritten).toEqual([]);
    const unknown = webgpuSafeConvPass({ ...model, graph: { ...model.graph, input: model.graph!.input!.slice(0, 1), node: model.graph!.node!.map((n) => ({ ...n, attribute: [] })) } });
    expect(unknown.rewritten).toEqual([]);
    expect(unknown.unresolved).toHaveLength(1);
  });
});
