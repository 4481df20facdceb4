/**
 * The in-graph Adam update against a float64 torch.optim.Adam (the reference's adamStep64), fed the
 * graph's own float32 gradient, at step 1 (m = v = 0) and at a later step with non-zero m and v.
 */
import { describe, expect, test } from 'vitest';
import { ADAM, adamM, adamV, next } from '../../src/graph/contract.js';
import { buildTrainStepModel } from '../../src/graph/models.js';
import { PARAMS, type Params, initParameters, paramSize } from '../../src/graph/params.js';
import { Mt19937 } from '../../src/util/rng.js';
import { adamStep64 } from '../reference/lenet64.js';
import { randomLabels, uniformImages } from '../reference/fixtures64.js';
import { trainStepFeeds } from '../../src/train/feeds.js';
import { runOnce } from '../helpers/ort.js';
import { printTable, type ErrorRow } from '../helpers/errors.js';

const N = 3;
const LR = 1e-3;

/**
 * Error in float32 ulps of the magnitudes involved: max(|old|, |new|, |new − old|) per entry, so an
 * update that cancels (a weight crossing zero) is judged against the size of its terms, as float32
 * arithmetic would round them.
 */
function ulpError(name: string, actual: Float32Array, reference: Float64Array, old: ArrayLike<number>): ErrorRow {
  let maxAbs = 0, maxRef = 0, maxUlp = 0;
  for (let i = 0; i < reference.length; i++) {
    const err = Math.abs(actual[i] - reference[i]);
    const scale = Math.max(Math.abs(reference[i]), Math.abs(old[i]), Math.abs(reference[i] - old[i]), 1e-30);
    maxAbs = Math.max(maxAbs, err);
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
    maxUlp = Math.max(maxUlp, err / (scale * 2 ** -23));
  }
  return { tensor: name, entries: reference.length, maxRef, maxAbs, maxRel: maxUlp };
}

async function checkStep(step: number, randomState: boolean): Promise<ErrorRow[]> {
  const rng = new Mt19937(step);
  const params = initParameters(step);
  const m = {} as Params;
  const v = {} as Params;
  for (const spec of PARAMS) {
    const size = paramSize(spec);
    m[spec.name] = Float32Array.from({ length: size }, () => (randomState ? (rng.nextUint32() / 2 ** 32 - 0.5) * 1e-2 : 0));
    v[spec.name] = Float32Array.from({ length: size }, () => (randomState ? (rng.nextUint32() / 2 ** 32) * 1e-4 : 0));
  }
  const feeds = trainStepFeeds({ params, m, v, step, lr: LR, images: uniformImages(rng, N), labels: randomLabels(rng, N), n: N });
  const out = await runOnce(buildTrainStepModel({ exposeGradients: true }), feeds);
  const rows: ErrorRow[] = [];
  for (const spec of PARAMS) {
    const ref = adamStep64(new Float64Array(params[spec.name]), new Float64Array(out[`grad.${spec.name}`]),
      new Float64Array(m[spec.name]), new Float64Array(v[spec.name]), step, LR, ADAM);
    rows.push(ulpError(spec.name, out[next(spec.name)], ref.param, params[spec.name]));
    rows.push(ulpError(adamM(spec.name), out[next(adamM(spec.name))], ref.m, m[spec.name]));
    rows.push(ulpError(adamV(spec.name), out[next(adamV(spec.name))], ref.v, v[spec.name]));
  }
  return rows;
}

describe('Adam step vs float64 torch.optim.Adam', () => {
  test.each([
    { step: 1, randomState: false, label: 'step 1, m = v = 0' },
    { step: 7, randomState: true, label: 'step 7, random m and v' },
  ])('$label: every updated tensor within 4 float32 ulps (≈ 6 roundings in the update)', async ({ step, randomState, label }) => {
    const rows = await checkStep(step, randomState);
    printTable(`Adam (${label}); last column = max error in float32 ulps of the reference`, rows);
    for (const row of rows) expect(row.maxRel, row.tensor).toBeLessThanOrEqual(4);
  });
});
