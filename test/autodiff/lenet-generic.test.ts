/**
 * LeNet through the generic path: the project's own inference model (lenet.onnx) → makeTrainable → one
 * step, against the hand-written lenet.train.onnx on the same state and batch. The batch is mostly
 * background (exact zeros), so max-pool windows with tied maxima are everywhere.
 */
import { describe, expect, test } from 'vitest';
import { makeTrainable } from '../../src/autodiff/trainable.js';
import { checkPortable } from '../../src/graph/allowlist.js';
import { buildInferenceModel, buildTrainStepModel } from '../../src/graph/models.js';
import { initParameters, PARAMS } from '../../src/graph/params.js';
import { decodeModel, encodeModel } from '../../src/graph/proto.js';
import { trainStepFeeds } from '../../src/train/feeds.js';
import { Mt19937 } from '../../src/util/rng.js';
import { compare, printTable } from '../helpers/errors.js';
import { runOnce } from '../helpers/ort.js';

const N = 8;
const rng = new Mt19937(42);
const images = Float32Array.from({ length: N * 784 }, () => (rng.nextInt(10) < 7 ? 0 : rng.uniformFloat32(0, 1)));
const labels = Array.from({ length: N }, () => rng.nextInt(10));
const params = initParameters(0);

describe('LeNet through make-trainable', () => {
  test('one step equals the hand-written train step (loss, correct, every next.*)', async () => {
    const source = decodeModel(encodeModel(buildInferenceModel(params)), 'lenet.onnx');
    const generic = makeTrainable(source, { target: 'cpu' }, 'lenet.onnx');
    expect(checkPortable(generic.train)).toEqual([]);
    expect(generic.parameters.map((p) => p.name)).toEqual(PARAMS.map((p) => p.name));
    const inputs = (generic.train.graph?.input ?? []).map((i) => i.name);
    const handInputs = (buildTrainStepModel().graph?.input ?? []).map((i) => i.name);
    expect([...inputs].sort()).toEqual([...handInputs].sort()); // same names; the order is not part of the contract
    const feeds = trainStepFeeds({ params, images, labels, n: N });
    const [mine, hand] = [await runOnce(generic.train, feeds), await runOnce(buildTrainStepModel({ target: 'cpu' }), feeds)];
    expect(Object.keys(mine).sort()).toEqual(Object.keys(hand).sort());
    const rows = Object.keys(hand).sort().map((name) => compare(name, mine[name], hand[name]));
    printTable(`make-trainable(lenet.onnx) vs hand-written lenet.train.onnx, one Adam step, batch ${N} (ties in max-pool windows)`, rows);
    expect(Math.abs(mine.loss[0] - hand.loss[0])).toBeLessThanOrEqual(2e-7 * Math.abs(hand.loss[0]));
    expect(mine.correct[0]).toBe(hand.correct[0]);
    for (const r of rows) expect(r.maxAbs, r.tensor).toBeLessThanOrEqual(1e-6 * Math.max(r.maxRef, 1e-3));
  });
});
