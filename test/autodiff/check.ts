/**
 * A check_grads-style checker for one rule: a one-node model on random inputs, the gradient the rule
 * builds (run in onnxruntime-node, float32) against float64 central differences of the forward
 * (also run in onnxruntime-node, float32, with the scalar L = Σ y·r accumulated in float64).
 */
import * as ort from 'onnxruntime-node';
import { recordForward } from '../../src/autodiff/forward.js';
import { gradientsOf } from '../../src/autodiff/reverse.js';
import type { RecordingEnv } from '../../src/autodiff/rule.js';
import type { SourceAttribute, SourceGraph } from '../../src/autodiff/source.js';
import { encodeModel } from '../../src/graph/proto.js';
import { Tape, type Value } from '../../src/graph/tape.js';
import { int64Tensor } from '../../src/graph/tensor.js';
import { checkPortable } from '../../src/graph/allowlist.js';
import { Mt19937 } from '../../src/util/rng.js';

/** 'smooth': U(−1,1); 'wide': U(−3,3); 'distinct': distinct values at least 0.05 apart and from 0 (no kinks, no ties within h); 'positive': U(0.5,1.5). */
export type Fill = 'smooth' | 'distinct' | 'positive' | 'wide';

export interface CheckInput {
  readonly shape: readonly number[];
  readonly fill?: Fill;
  /** an int64 constant (axes, shapes) instead of a float input */
  readonly ints?: readonly number[];
  /** a float input that is not differentiated (BatchNormalization's running statistics) */
  readonly fixed?: boolean;
}

export interface GradCase {
  readonly label: string;
  readonly op: string;
  readonly inputs: readonly (CheckInput | null)[];
  readonly attributes?: Readonly<Record<string, SourceAttribute>>;
  /** node outputs (Split); L = Σₖ Σ yₖ·rₖ over all of them, or over `used` */
  readonly outputs?: number;
  readonly used?: readonly number[];
  /** recorded as in the train step (BatchNormalization on batch statistics) */
  readonly training?: boolean;
}

export interface GradRow {
  readonly label: string;
  readonly input: string;
  readonly entries: number;
  readonly maxRef: number;
  /** max |rule − central difference| / max |central difference| */
  readonly maxErr: number;
  readonly portable: boolean;
}

function fill(rng: Mt19937, n: number, kind: Fill): Float32Array {
  const out = new Float32Array(n);
  if (kind === 'distinct') {
    const order = rng.shuffle(Int32Array.from({ length: n }, (_, i) => i));
    for (let i = 0; i < n; i++) out[i] = (order[i] - n / 2 + 0.5) * 0.05 + 0.0125;
  } else for (let i = 0; i < n; i++) out[i] = kind === 'positive' ? rng.uniformFloat32(0.5, 1.5) : kind === 'wide' ? rng.uniformFloat32(-3, 3) : rng.uniformFloat32(-1, 1);
  return out;
}

const size = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export async function checkCase(c: GradCase, seed = 1, samples = 24, h = 1e-2): Promise<GradRow[]> {
  const rng = new Mt19937(seed);
  const names = c.inputs.map((_, i) => (c.inputs[i] ? `x${i}` : ''));
  const floats = c.inputs.flatMap((inp, i) => (inp && !inp.ints ? [{ name: names[i], shape: inp.shape, data: fill(rng, size(inp.shape), inp.fill ?? 'smooth') }] : []));
  const outNames = Array.from({ length: c.outputs ?? 1 }, (_, k) => (c.outputs ? `y${k}` : 'y'));
  const used = (c.used ?? outNames.map((_, k) => k)).map((k) => outNames[k]);
  const graph: SourceGraph = {
    name: c.op, opset: 17,
    inputs: floats.map((f) => ({ name: f.name, dtype: 'float32', shape: f.shape })),
    initializers: new Map(c.inputs.flatMap((inp, i) => (inp?.ints ? [[names[i], int64Tensor([inp.ints.length], inp.ints)] as const] : []))),
    nodes: [{ name: `${c.op}_0`, opType: c.op, inputs: names, outputs: outNames, attributes: c.attributes ?? {} }],
    outputs: outNames,
  };
  const varied = floats.filter((f) => !c.inputs[Number(f.name.slice(1))]?.fixed);
  const build = (withGrad: boolean): { bytes: Uint8Array; portable: boolean; yShapes: (readonly number[])[] } => {
    const tape = new Tape('check');
    const bound = new Map<string, Value>(floats.map((f) => [f.name, tape.input(f.name, 'float32', f.shape)]));
    const env: RecordingEnv = { training: c.training ?? false, updates: new Map(), notes: [] };
    const fwd = recordForward(tape, graph, bound, env);
    const ys = used.map((n) => fwd.values.get(n) as Value);
    ys.forEach((y, k) => tape.output(y, used[k]));
    if (withGrad) {
      const seeds = ys.map((y, k) => [y, tape.input(`r.${used[k]}`, 'float32', y.shape)] as const);
      const g = gradientsOf(fwd, seeds, varied.map((f) => bound.get(f.name) as Value));
      for (const f of varied) tape.output(g.get(f.name) as Value, `grad.${f.name}`);
    }
    const model = tape.toModel();
    return { bytes: encodeModel(model), portable: checkPortable(model).length === 0, yShapes: ys.map((y) => y.shape as number[]) };
  };
  const grad = build(true);
  const rs = grad.yShapes.map((shape) => fill(rng, size(shape), 'smooth'));
  const feeds = (over?: { name: string; data: Float32Array }): Record<string, ort.Tensor> =>
    Object.fromEntries(floats.map((f) => [f.name, new ort.Tensor('float32', over?.name === f.name ? over.data : f.data, [...f.shape])]));
  const opts = { intraOpNumThreads: 1 };
  const gs = await ort.InferenceSession.create(grad.bytes, opts);
  const rFeeds = Object.fromEntries(used.map((n, k) => [`r.${n}`, new ort.Tensor('float32', rs[k], [...grad.yShapes[k]])]));
  const analytic = await gs.run({ ...feeds(), ...rFeeds });
  await gs.release();
  const fs = await ort.InferenceSession.create(build(false).bytes, opts);
  const lossAt = async (name: string, data: Float32Array): Promise<number> => {
    const out = await fs.run(feeds({ name, data }));
    let l = 0;
    used.forEach((n, k) => { const y = out[n].data as Float32Array; for (let i = 0; i < y.length; i++) l += y[i] * rs[k][i]; });
    return l;
  };
  const rows: GradRow[] = [];
  for (const f of varied) {
    const g = analytic[`grad.${f.name}`].data as Float32Array;
    const idx = f.data.length <= samples ? [...f.data.keys()] : Array.from({ length: samples }, () => rng.nextInt(f.data.length));
    let maxRef = 0;
    let maxAbs = 0;
    for (const i of idx) {
      const plus = f.data.slice();
      const minus = f.data.slice();
      plus[i] += h;
      minus[i] -= h;
      const fd = ((await lossAt(f.name, plus)) - (await lossAt(f.name, minus))) / (plus[i] - minus[i]);
      maxRef = Math.max(maxRef, Math.abs(fd));
      maxAbs = Math.max(maxAbs, Math.abs(g[i] - fd));
    }
    rows.push({ label: c.label, input: f.name, entries: idx.length, maxRef, maxErr: maxAbs / (maxRef || 1), portable: grad.portable });
  }
  await fs.release();
  return rows;
}

export function printGradTable(title: string, rows: readonly GradRow[]): void {
  const e = (x: number): string => x.toExponential(2);
  console.log([
    title,
    `  ${'case'.padEnd(52)}${'input'.padEnd(6)}${'entries'.padStart(8)}${'max|fd|'.padStart(11)}${'max err/max|fd|'.padStart(17)}  portable`,
    ...rows.map((r) => `  ${r.label.padEnd(52)}${r.input.padEnd(6)}${String(r.entries).padStart(8)}${e(r.maxRef).padStart(11)}${e(r.maxErr).padStart(17)}  ${r.portable ? 'yes' : 'NO'}`),
  ].join('\n'));
}
