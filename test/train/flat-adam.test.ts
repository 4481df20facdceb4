/**
 * The CPU trainer's flat Adam in JavaScript (src/train/step/parallel/flat-adam.ts, what parts on
 * onnxruntime-web run) against the flat Adam model it stands in for (buildFlatAdamModel), run by
 * onnxruntime-node and onnxruntime-web: bit for bit, over several steps, for 1 to 3 gradient shares,
 * on values from 1e-30 to 1e4 of both signs, zeros and ties included.
 */
import { describe, expect, test } from 'vitest';
import { BIAS_CORRECTION2_SQRT, FLAT_M, FLAT_PARAM, FLAT_V, STEP_SIZE, adamScalars, gradOf, next } from '../../src/graph/contract.js';
import { buildFlatAdamModel } from '../../src/graph/models.js';
import { encodeModel } from '../../src/graph/proto.js';
import { loadBinding } from '../../src/runtime/binding/load.js';
import type { BindingKind } from '../../src/runtime/binding/types.js';
import { type FlatAdamSlice, flatAdam } from '../../src/train/step/parallel/flat-adam.js';
import { Mt19937 } from '../../src/util/rng.js';

const LENGTH = 4096;
const STEPS = [1, 2, 3, 10, 1000];

/** Values spread over many magnitudes (log-uniform 1e-30 … 1e4), both signs, with some exact zeros. */
function spread(rng: Mt19937, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const r = rng.nextUint32();
    if (r % 17 === 0) return 0;
    const magnitude = 10 ** (-30 + 34 * (rng.nextUint32() / 0x100000000));
    return r % 2 === 0 ? magnitude : -magnitude;
  });
}

const firstDifference = (a: Float32Array, b: Float32Array): string | undefined => {
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return undefined;
};

describe('flat Adam in JavaScript', () => {
  test.each<[BindingKind, number]>([['node', 1], ['node', 2], ['node', 3], ['web', 2]])('equals the flat Adam model on onnxruntime-%s, %i share(s), bit for bit, step after step', async (kind, parts) => {
    const rng = new Mt19937(parts);
    const binding = await loadBinding(kind, { wasmThreads: 1 });
    const session = await binding.createSession(encodeModel(buildFlatAdamModel(LENGTH, parts)), { threads: 1 });
    try {
      let js: FlatAdamSlice = { param: spread(rng, LENGTH), m: new Float32Array(LENGTH), v: new Float32Array(LENGTH) };
      let model: FlatAdamSlice = { param: js.param.slice(), m: js.m.slice(), v: js.v.slice() };
      for (const step of STEPS) {
        const shares = Array.from({ length: parts }, () => spread(rng, LENGTH));
        const { stepSize, biasCorrection2Sqrt } = adamScalars(step, 1e-3);
        const [s, bc2] = [Math.fround(stepSize), Math.fround(biasCorrection2Sqrt)];
        const out: FlatAdamSlice = { param: new Float32Array(LENGTH), m: new Float32Array(LENGTH), v: new Float32Array(LENGTH) };
        flatAdam(js, shares, s, bc2, out);
        const fromModel: FlatAdamSlice = { param: new Float32Array(LENGTH), m: new Float32Array(LENGTH), v: new Float32Array(LENGTH) };
        const feeds = {
          [STEP_SIZE]: binding.float32(Float32Array.of(s), []), [BIAS_CORRECTION2_SQRT]: binding.float32(Float32Array.of(bc2), []),
          [FLAT_PARAM]: binding.float32(model.param, [LENGTH]), [FLAT_M]: binding.float32(model.m, [LENGTH]), [FLAT_V]: binding.float32(model.v, [LENGTH]),
          ...Object.fromEntries(shares.map((g, k) => [gradOf(k), binding.float32(g, [LENGTH])])),
        };
        await session.run(feeds, {
          [next(FLAT_PARAM)]: { data: fromModel.param, dims: [LENGTH] }, [next(FLAT_M)]: { data: fromModel.m, dims: [LENGTH] }, [next(FLAT_V)]: { data: fromModel.v, dims: [LENGTH] },
        });
        for (const key of ['param', 'm', 'v'] as const) expect(firstDifference(out[key], fromModel[key]), `step ${step}, ${key}`).toBeUndefined();
        [js, model] = [out, fromModel];
      }
    } finally {
      await session.release();
    }
  });

  test('writes in place (to = from) with the same result', () => {
    const rng = new Mt19937(9);
    const from: FlatAdamSlice = { param: spread(rng, 64), m: spread(rng, 64), v: spread(rng, 64).map(Math.abs) };
    const shares = [spread(rng, 64), spread(rng, 64)];
    const out: FlatAdamSlice = { param: new Float32Array(64), m: new Float32Array(64), v: new Float32Array(64) };
    flatAdam(from, shares, 1e-3, 0.5, out);
    flatAdam(from, shares, 1e-3, 0.5, from);
    expect(from).toEqual(out);
  });

  test('refuses arrays of different lengths', () => {
    const a = (n: number): Float32Array => new Float32Array(n);
    expect(() => flatAdam({ param: a(4), m: a(4), v: a(3) }, [a(4)], 1e-3, 1, { param: a(4), m: a(4), v: a(4) })).toThrow("flat Adam: every array must hold the slice's 4 values");
  });
});
