/**
 * The `webgpu` graph variant (src/graph/webgpu-conv.ts) without a GPU: it has the generic graphs'
 * contract, stays portable, contains the rewrite, and computes the same numbers on the CPU provider
 * (the rewrite only adds zeros). Runs everywhere, adapter or not.
 */
import type * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { checkPortable } from '../../src/graph/allowlist.js';
import { IMAGE } from '../../src/graph/contract.js';
import { buildModels, summarizeModel } from '../../src/graph/export.js';
import { buildEvalModel, buildInferenceModel, buildTrainStepModel } from '../../src/graph/models.js';
import { PARAMS, type Params, initParameters } from '../../src/graph/params.js';
import { trainStepFeeds } from '../../src/train/feeds.js';
import type { IModelProto } from '../../src/graph/proto.js';
import { type GraphTargetName as GraphTarget, webgpuConvHazard } from '../../src/graph/webgpu-conv.js';
import { runOnce } from '../helpers/ort.js';
import { batchAt, comparisonBatchSizes, fmt, relativeError, trainSplit, worst } from './helpers.js';

const params = initParameters(1);
const split = await trainSplit();
const SIZES = comparisonBatchSizes(split);

const models = (target: GraphTarget): Record<'inference' | 'train' | 'eval', IModelProto> => ({
  inference: buildInferenceModel(params, { target }),
  train: buildTrainStepModel({ target }),
  eval: buildEvalModel({ target }),
});
const generic = models('generic');
const webgpu = models('webgpu');
const KINDS = ['inference', 'train', 'eval'] as const;

const opCount = (model: IModelProto, op: string): number => (model.graph?.node ?? []).filter((n) => n.opType === op).length;

describe('webgpuConvHazard: the Conv channel counts ONNX Runtime 1.30 WebGPU gets wrong', () => {
  test.each([
    [6, 16, true], [9, 16, true], [15, 16, true], [18, 8, true], [6, 4, true],
    [1, 16, false], [3, 16, false], [4, 16, false], [8, 16, false], [12, 16, false], [16, 16, false],
    [6, 6, false], [6, 17, false], [1, 6, false],
    ['N', 16, true], ['N', 6, false],
  ] as const)('in %s → out %i channels: %s', (cin, cout, bad) => {
    expect(webgpuConvHazard(cin, cout)).toBe(bad);
  });
});

describe('the webgpu variant of every model', () => {
  test.each(KINDS)('%s: same inputs and outputs (names, types, shapes), portable', (kind) => {
    const a = summarizeModel(kind, '', generic[kind], 0);
    const b = summarizeModel(kind, '', webgpu[kind], 0);
    expect(b.inputs).toEqual(a.inputs);
    expect(b.outputs).toEqual(a.outputs);
    expect(checkPortable(webgpu[kind])).toEqual([]);
  });

  test('contains the rewrite: conv2 padded 6 → 8 input channels; its weight gradient 16 → 17 output channels, sliced back', () => {
    expect(opCount(webgpu.inference, 'Pad') - opCount(generic.inference, 'Pad')).toBe(2);
    expect(opCount(webgpu.eval, 'Pad') - opCount(generic.eval, 'Pad')).toBe(2);
    expect(opCount(webgpu.train, 'Pad') - opCount(generic.train, 'Pad')).toBe(3);
    expect(opCount(webgpu.train, 'Slice') - opCount(generic.train, 'Slice')).toBe(1);
    expect(buildModels(params).train).toEqual(generic.train); // the in-memory builders default to 'cpu'
  });
});

function trainFeeds(n: number): Record<string, ort.Tensor> {
  // Non-zero moments, as after a few steps, so every output is exercised.
  const moments = (f: (i: number) => number): Params =>
    Object.fromEntries(PARAMS.map((p) => [p.name, Float32Array.from({ length: params[p.name].length }, (_, i) => f(i))])) as Params;
  const m = moments((i) => 1e-3 * Math.sin(i));
  const v = moments((i) => 1e-6 * (1 + Math.cos(i)));
  return trainStepFeeds({ params, m, v, step: 3, lr: 1e-3, ...batchAt(split, 500, n), n });
}

describe.each(SIZES)('batch %i on the CPU provider: webgpu variant = generic graph', (n) => {
  test.each(KINDS)('%s: every output within 1e-5 relative', async (kind) => {
    const feeds = trainFeeds(n);
    if (kind === 'inference') for (const k of Object.keys(feeds)) if (k !== IMAGE) delete feeds[k];
    if (kind === 'eval') for (const k of Object.keys(feeds)) if (k.startsWith('adam.')) delete feeds[k];
    const [a, b] = [await runOnce(generic[kind], feeds), await runOnce(webgpu[kind], feeds)];
    const errors = Object.fromEntries(Object.keys(a).map((name) => [name, relativeError(b[name], a[name]).rel]));
    const w = worst(errors);
    console.log(`${kind} N=${n}: ${Object.keys(a).length} outputs, worst ${w.name} ${fmt(w.error)}`);
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-5);
  });
});
