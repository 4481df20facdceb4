/**
 * Proves the float64 reference right on its own: gradients against finite differences, max-pool ties,
 * Adam against hand-computed values, and everything against PyTorch itself when Debian's torch exists.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PARAMS, PARAM_NAMES, initParameters, paramSize, type ParamName } from '../../src/graph/params.js';
import { ADAM } from '../../src/graph/contract.js';
import { Mt19937 } from '../../src/util/rng.js';
import { PYTHON, needs, pythonEnv } from '../helpers/requires.js';
import { maxpool2Backward, maxpool2Forward } from './layers64.js';
import {
  adamStep64, backward64, cloneParams64, features64, finiteDifference, forward64, forwardActivations64, head64,
  toFloat32Params, toFloat64Params, zeros64, type Params64,
} from './lenet64.js';
import {
  compareAt, maxAbs, randomLabels, relError, sampleIndices, strokeImages, uniformImages, type ErrorRow,
} from './fixtures64.js';

const H = 1e-5;
const WEIGHT_SAMPLES = 40;
const REL_TOL = 1e-6;
const TRUNK: readonly ParamName[] = ['conv1.weight', 'conv1.bias', 'conv2.weight', 'conv2.bias'];

/**
 * FD-checks every bias and WEIGHT_SAMPLES seeded entries of each weight of the layers named in `only`.
 * An entry passes if its relative error (floor 1e-6·max|grad| of the tensor) is below REL_TOL or, unless
 * `strict`, if its absolute error is within the central difference's rounding noise, 4·ε·|L|/h ≈ 2e-10:
 * entries with |grad| ≲ 1e-4 cannot be resolved to 1e-6 relative by a float64 difference with h = 1e-5.
 */
function gradientCheck(
  params: Params64, images: Float64Array, labels: number[], n: number, rng: Mt19937,
  { only, strict }: { only?: readonly string[]; strict: boolean },
): ErrorRow[] {
  const { loss: l0, grads } = backward64(params, images, labels, n);
  // FD of a head parameter leaves the conv trunk untouched: reuse its features (same arithmetic, 10× faster)
  const trunk = features64(params, images, n);
  const sameTrunk = (p: Params64): boolean =>
    TRUNK.every((name) => p[name].every((value, i) => value === params[name][i]));
  const loss = (p: Params64): number =>
    sameTrunk(p) ? head64(p, trunk.p2, labels, n).loss : forward64(p, images, labels, n).loss;
  const noise = (4 * Number.EPSILON * Math.max(1, Math.abs(l0))) / H;
  const rows: ErrorRow[] = [];
  for (const spec of PARAMS) {
    if (only !== undefined && !only.some((prefix) => spec.name.startsWith(prefix))) continue;
    const size = paramSize(spec);
    const indices = sampleIndices(rng, size, spec.kind === 'bias' ? size : WEIGHT_SAMPLES);
    const fd = new Map<number, number>();
    for (const i of indices) fd.set(i, finiteDifference(loss, params, spec.name, i, H));
    const { row } = compareAt(spec.name, grads[spec.name], (i) => fd.get(i) ?? NaN, indices);
    const scale = maxAbs(grads[spec.name]);
    const overRel = indices.filter((i) => !(relError(fd.get(i) ?? NaN, grads[spec.name][i], 1e-6 * scale) < REL_TOL));
    const failures = strict ? overRel : overRel.filter((i) => !(Math.abs((fd.get(i) ?? NaN) - grads[spec.name][i]) <= noise));
    rows.push({ ...row, noiseOnly: overRel.length - failures.length });
    expect(failures, `${spec.name}: backward64 vs central difference (noise ${noise.toExponential(1)})`).toEqual([]);
  }
  return rows;
}

describe('float64 LeNet reference', () => {
  it('forward64: shapes, probabilities, loss = mean of −log p[label], first-max argmax', () => {
    const rng = new Mt19937(7);
    const params = toFloat64Params(initParameters(0));
    const images = uniformImages(rng, 4);
    const labels = randomLabels(rng, 4);
    const out = forward64(params, images, labels, 4);
    expect(out.logits.length).toBe(40);
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < 4; b++) {
      const row = Array.from(out.probabilities.subarray(b * 10, b * 10 + 10));
      expect(row.reduce((s, p) => s + p, 0)).toBeCloseTo(1, 14);
      lossSum -= Math.log(row[labels[b]]);
      const logits = Array.from(out.logits.subarray(b * 10, b * 10 + 10));
      if (logits.indexOf(Math.max(...logits)) === labels[b]) correct++;
    }
    expect(out.lossSum).toBeCloseTo(lossSum, 12);
    expect(out.loss).toBe(out.lossSum / 4);
    expect(out.correct).toBe(correct);
    // float32 ↔ float64 helpers round-trip exactly
    const back = toFloat32Params(params);
    for (const name of PARAM_NAMES) expect(back[name]).toEqual(initParameters(0)[name]);
  });

  it('backward64 matches central differences (uniform pixels, no ties)', () => {
    const rng = new Mt19937(20240601);
    const params = toFloat64Params(initParameters(1));
    const n = 3;
    const images = uniformImages(rng, n);
    const rows = gradientCheck(params, images, randomLabels(rng, n), n, rng, { strict: true });
    console.log(`backward64 vs central difference, h = ${H}, ${n} uniform-pixel images`);
    console.table(rows);
  });

  it('max-pool ties: the whole gradient goes to the first maximum in scan order', () => {
    // one (1,1,4,4) plane, four windows: all equal · tie at (0,1),(1,0) · tie at (0,0),(1,0),(1,1) · single max at (1,1)
    const inp = Float64Array.from([5, 5, 1, 3, 5, 5, 3, 2, 2, 1, 0, 0, 2, 2, 0, 7]);
    const out = new Float64Array(4);
    const idx = new Int32Array(4);
    maxpool2Forward(out, idx, inp, 1, 1, 4, 4);
    expect(Array.from(out)).toEqual([5, 3, 2, 7]);
    expect(Array.from(idx)).toEqual([0, 3, 8, 15]);
    const dinp = new Float64Array(16);
    maxpool2Backward(dinp, Float64Array.from([1, 2, 3, 4]), idx);
    expect(Array.from(dinp)).toEqual([1, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 4]);
  });

  it('max-pool ties in the network: gradients of tie-heavy digits still match central differences', () => {
    const rng = new Mt19937(99);
    const params = toFloat64Params(initParameters(2));
    const n = 3;
    const images = strokeImages(rng, n);
    const labels = randomLabels(rng, n);
    // the check means something only if many windows hold equal positive maxima
    const a = forwardActivations64(params, images, labels, n);
    const tiedPositive = (r: Float64Array, chosen: Int32Array, w: number): number => {
      let count = 0;
      for (const j of chosen) {
        const base = j - (j % 2) - (Math.floor(j / w) % 2) * w;
        const window = [base, base + 1, base + w, base + w + 1].map((k) => r[k]);
        if (r[j] > 0 && window.filter((x) => x === r[j]).length > 1) count++;
      }
      return count;
    };
    const ties1 = tiedPositive(a.r1, a.p1Idx, 28);
    const ties2 = tiedPositive(a.r2, a.p2Idx, 10);
    console.log(`tie-heavy batch: ${ties1} pool1 and ${ties2} pool2 windows with tied positive maxima`);
    expect(ties1).toBeGreaterThan(500);
    // a perturbed parameter moves tied (identical-patch) positions together, so the loss stays smooth
    // there and d(max)/d(value) must total 1 per window — a mask spread over all ties would total 2–4.
    const rows = gradientCheck(params, images, labels, n, rng, { only: ['conv1.', 'conv2.'], strict: false });
    console.log('backward64 vs central difference on tie-heavy stroke digits (layers before the pools)');
    console.table(rows);
  });

  it('adamStep64 matches hand-computed torch.optim.Adam steps', () => {
    // step 1 from m = v = 0: m = 0.1g, v = 0.001g², update = lr·m̂/(√v̂ + eps) = lr·g/(|g| + 1e-8)
    const s1 = adamStep64(
      Float64Array.from([1, -0.25, 0.125]), Float64Array.from([0.5, -2, 0]),
      new Float64Array(3), new Float64Array(3), 1, 1e-3, ADAM,
    );
    expect(s1.m[0]).toBeCloseTo(0.05, 15);
    expect(s1.m[1]).toBeCloseTo(-0.2, 15);
    expect(s1.v[0]).toBeCloseTo(0.00025, 16);
    expect(s1.v[1]).toBeCloseTo(0.004, 16);
    expect(s1.param[0]).toBeCloseTo(0.99900000001999999960, 15); // 1 − 0.0005/0.50000001
    expect(s1.param[1]).toBeCloseTo(-0.24900000000499999998, 15); // −0.25 + 0.002/2.00000001
    expect(s1.param[2]).toBe(0.125);
    // step 3, lr 0.01, non-zero state: m' = 0.9m + 0.1g, v' = 0.999v + 0.001g²,
    // p' = p − lr/(1 − 0.9³) · m' / (√v' / √(1 − 0.999³) + 1e-8)  (40-digit decimal arithmetic)
    const s3 = adamStep64(
      Float64Array.from([1, -0.5]), Float64Array.from([1, -0.03]),
      Float64Array.from([0.2, 0.01]), Float64Array.from([0.01, 0.0004]), 3, 0.01, ADAM,
    );
    expect(s3.m[0]).toBeCloseTo(0.28, 15);
    expect(s3.m[1]).toBeCloseTo(0.006, 15);
    expect(s3.v[0]).toBeCloseTo(0.01099, 15);
    expect(s3.v[1]).toBeCloseTo(0.0004005, 16);
    expect(s3.param[0]).toBeCloseTo(0.99460447963716749145, 14);
    expect(s3.param[1]).toBeCloseTo(-0.50060565336060611432, 14);
    expect(() => adamStep64(new Float64Array(1), new Float64Array(1), new Float64Array(1), new Float64Array(1), 0, 1e-3, ADAM))
      .toThrow(RangeError);
  });

  // Debian's python3-torch; the fixture exits with 3 when `import torch` fails (one torch import, not two)
  it('matches PyTorch float64 (loss, logits, grads, 3 Adam steps) incl. tie-heavy digits', (ctx) => {
    const rng = new Mt19937(31337);
    const params = toFloat64Params(initParameters(3));
    const n = 5;
    const images = new Float64Array(n * 784);
    images.set(uniformImages(rng, 2), 0);
    images.set(strokeImages(rng, 3), 2 * 784);
    const labels = randomLabels(rng, n);
    const lr = 1e-3;
    const steps = 3;
    const script = fileURLToPath(new URL('../../tools/reference/torch_lenet_fixture.py', import.meta.url));
    const input = JSON.stringify({
      params: Object.fromEntries(PARAM_NAMES.map((k) => [k, Array.from(params[k])])),
      images: Array.from(images), labels, adam: { lr, steps },
    });
    const run = spawnSync(PYTHON, [script], { input, maxBuffer: 1 << 28, encoding: 'utf8', env: pythonEnv() });
    // exit 3 (the fixture's "no torch"; stdin may then fail with EPIPE) or no python at all: skipped on a
    // developer's machine, a failure under CI
    const noPython = (run.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
    if (noPython || run.status === 3) needs(ctx, 'torch', noPython ? `${PYTHON} not found` : run.stderr.trim());
    expect(run.error).toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    const stdout = run.stdout;
    const torch = JSON.parse(stdout) as {
      torch: string; loss: number; logits: number[]; correct: number;
      grads: Record<ParamName, number[]>; adam: { losses: number[]; params: Record<ParamName, number[]> };
    };
    const out = forward64(params, images, labels, n);
    const { loss, grads } = backward64(params, images, labels, n);
    expect(Math.abs(loss - torch.loss) / torch.loss).toBeLessThan(1e-12);
    expect(out.correct).toBe(torch.correct);
    const all = (size: number): number[] => Array.from({ length: size }, (_, i) => i);
    const rows: ErrorRow[] = [];
    rows.push(compareAt('logits', torch.logits, (i) => out.logits[i], all(n * 10)).row);
    for (const name of PARAM_NAMES) {
      const { row, relErr } = compareAt(name, torch.grads[name], (i) => grads[name][i], all(grads[name].length));
      rows.push(row);
      expect(relErr, `${name}: backward64 vs torch`).toBeLessThanOrEqual(1e-10);
    }
    // the same batch trained for `steps` Adam steps on both sides
    let p = cloneParams64(params);
    let m = zeros64();
    let v = zeros64();
    for (let t = 1; t <= steps; t++) {
      const step = backward64(p, images, labels, n);
      expect(Math.abs(step.loss - torch.adam.losses[t - 1]) / step.loss).toBeLessThan(1e-12);
      const next = { p: zeros64(), m: zeros64(), v: zeros64() };
      for (const name of PARAM_NAMES) {
        const r = adamStep64(p[name], step.grads[name], m[name], v[name], t, lr, ADAM);
        next.p[name] = r.param;
        next.m[name] = r.m;
        next.v[name] = r.v;
      }
      ({ p, m, v } = next);
    }
    let adamAbs = 0;
    for (const name of PARAM_NAMES) {
      for (let i = 0; i < p[name].length; i++) adamAbs = Math.max(adamAbs, Math.abs(p[name][i] - torch.adam.params[name][i]));
    }
    console.log(`torch ${torch.torch}: float64 reference vs PyTorch (all entries, ${n} images: 2 uniform, 3 tie-heavy)`);
    console.table(rows);
    console.log(`after ${steps} Adam steps (lr ${lr}): max |param − torch param| = ${adamAbs.toExponential(2)}`);
    expect(adamAbs).toBeLessThan(1e-12);
  });
});
