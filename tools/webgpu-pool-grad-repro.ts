/**
 * Minimal repro of the WebGPU ConvTranspose forms the pooling gradients could use (docs/webgpu.md,
 * "ConvTranspose with group > 1"): one ConvTranspose with one-hot kernels per model — the scatter of
 * src/autodiff/rules/pool.ts — run on `webgpu` and on `cpu` with the same random dy.
 *
 *   npm run build && XDG_RUNTIME_DIR=$(mktemp -d) node dist/tools/webgpu-pool-grad-repro.js
 *
 * grouped:   dy (N, C·K, oh, ow), w (C·K, 1, kh, kw), group C        (the rule before this fix)
 * per-plane: dy (N·C, K, oh, ow), w (K, 1, kh, kw), group 1          (the rule now)
 * Exit status: 0 every form right, 1 some form wrong (the grouped one, as of onnxruntime-node 1.30),
 * 2 the per-plane form (the one the rule uses) wrong, 3 no WebGPU adapter.
 */
import * as ort from 'onnxruntime-node';
import { encodeModel } from '../src/graph/proto.js';
import { Tape } from '../src/graph/tape.js';
import { float32Tensor } from '../src/graph/tensor.js';

const TOLERANCE = 1e-4;

interface Case {
  readonly form: 'grouped' | 'per-plane';
  readonly n: number; readonly c: number; readonly k: readonly [number, number]; readonly s: readonly [number, number]; readonly out: readonly [number, number];
  readonly group?: number;
}

function cases(): Case[] {
  const list: Case[] = [];
  for (const [k, s, out] of [[[2, 2], [2, 2], [3, 3]], [[3, 3], [2, 2], [3, 3]], [[2, 2], [1, 1], [3, 3]]] as const) {
    for (const c of [1, 2, 3, 4, 8]) {
      list.push({ form: 'grouped', n: 2, c, k, s, out });
      list.push({ form: 'per-plane', n: 2, c, k, s, out });
    }
  }
  return list;
}

const label = (c: Case): string => `${c.form.padEnd(9)} C=${c.c} kernel ${c.k.join('×')} stride ${c.s.join('×')}`;

function model(c: Case): { bytes: Uint8Array; x: number[] } {
  const kk = c.k[0] * c.k[1];
  const tape = new Tape('repro');
  const full = c.out.map((o, i) => (o - 1) * c.s[i] + c.k[i]);
  const grouped = c.form === 'grouped';
  const x = grouped ? [c.n, c.c * kk, ...c.out] : [c.n * c.c, kk, ...c.out];
  const wShape = grouped ? [c.c * kk, 1, ...c.k] : [kk, 1, ...c.k];
  const w = new Float32Array(wShape.reduce((a, b) => a * b, 1));
  for (let g = 0; g < (grouped ? c.c : 1); g++) for (let q = 0; q < kk; q++) w[(g * kk + q) * kk + q] = 1; // one-hot at offset q
  const y = tape.node('ConvTranspose', [tape.input('x', 'float32', x), tape.tensor(float32Tensor(wShape, w))],
    [{ dtype: 'float32', shape: [x[0], grouped ? c.c : 1, ...full] }],
    { kernel_shape: [...c.k], strides: [...c.s], group: grouped ? c.c : 1 })[0];
  tape.output(y, 'y');
  return { bytes: encodeModel(tape.toModel()), x };
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  return Float32Array.from({ length: n }, () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s / 2 ** 32) * 2 - 1; });
}

async function run(bytes: Uint8Array, ep: 'cpu' | 'webgpu', dims: number[]): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], logSeverityLevel: 3 });
  try {
    const out = await session.run({ x: new ort.Tensor('float32', random(dims.reduce((a, b) => a * b, 1), 1), dims) });
    return Float32Array.from((await out.y.getData()) as Float32Array);
  } finally {
    await session.release();
  }
}

async function main(): Promise<number> {
  let wrong = 0;
  let wrongPerPlane = 0;
  for (const c of cases()) {
    const { bytes, x } = model(c);
    let gpu: Float32Array;
    try {
      gpu = await run(bytes, 'webgpu', x);
    } catch (error) {
      console.error(`no WebGPU adapter: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
      return 3;
    }
    const cpu = await run(bytes, 'cpu', x);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < cpu.length; i++) { diff = Math.max(diff, Math.abs(cpu[i] - gpu[i])); scale = Math.max(scale, Math.abs(cpu[i])); }
    const err = diff / Math.max(scale, 1e-30);
    const bad = err > TOLERANCE;
    if (bad) { wrong++; if (c.form === 'per-plane') wrongPerPlane++; }
    console.log(`${bad ? 'WRONG' : 'ok   '}  ${label(c).padEnd(44)} rel. error ${err.toExponential(1)}`);
  }
  return wrongPerPlane > 0 ? 2 : wrong > 0 ? 1 : 0;
}

process.exitCode = await main();
