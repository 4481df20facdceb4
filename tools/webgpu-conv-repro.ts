/**
 * Minimal repro of ONNX Runtime's WebGPU Conv bug (docs/webgpu.md): one Conv (or ConvTranspose) per
 * model, run on `webgpu` and on `cpu` with the same random inputs, for the shapes LeNet's graphs use
 * and the input channel counts 1..16. Each wrong shape is run again through the WebGPU-safe Conv pass
 * that the `portable` target (the default of exported files) applies (src/graph/webgpu-conv.ts).
 *
 *   npm run build && XDG_RUNTIME_DIR=$(mktemp -d) node dist/tools/webgpu-conv-repro.js
 *
 * Exit status: 0 this onnxruntime-node computes every shape right (the pass can go), 1 the bug is
 * still there and the rewrite fixes it, 2 some shape is wrong even with the rewrite, 3 no WebGPU adapter.
 */
import * as ort from 'onnxruntime-node';
import { conv, convTranspose } from '../src/graph/nn-ops.js';
import { encodeModel } from '../src/graph/proto.js';
import { Tape, type Value } from '../src/graph/tape.js';
import { webgpuConvHazard, webgpuSafeConvPass } from '../src/graph/webgpu-conv.js';

/** Wrong when max|webgpu − cpu| exceeds this share of max|cpu|. */
const TOLERANCE = 1e-4;

interface Case {
  readonly label: string;
  readonly op: 'Conv' | 'ConvTranspose';
  readonly x: readonly number[];
  readonly w: readonly number[];
  readonly pads: readonly [number, number, number, number];
  /** The weight-gradient Conv has the batch as its input channels: symbolic ('N') in the real graph. */
  readonly batchAsChannels?: boolean;
}

const NO_PADS = [0, 0, 0, 0] as const;

function cases(): Case[] {
  const list: Case[] = [];
  for (let c = 1; c <= 16; c++) list.push({ label: `Conv ${c}→16 ch, 5×5, x (2,${c},14,14)`, op: 'Conv', x: [2, c, 14, 14], w: [16, c, 5, 5], pads: NO_PADS });
  for (const n of [1, 3, 6, 64]) {
    list.push({ label: `conv1      x (${n},1,28,28) 1→6 ch, pad 2`, op: 'Conv', x: [n, 1, 28, 28], w: [6, 1, 5, 5], pads: [2, 2, 2, 2] });
    list.push({ label: `conv2      x (${n},6,14,14) 6→16 ch`, op: 'Conv', x: [n, 6, 14, 14], w: [16, 6, 5, 5], pads: NO_PADS });
    list.push({ label: `conv2 dx   ConvTranspose dy (${n},16,10,10) 16→6 ch`, op: 'ConvTranspose', x: [n, 16, 10, 10], w: [16, 6, 5, 5], pads: NO_PADS });
    list.push({ label: `conv2 dw   xᵀ (6,${n},14,14) ⊛ dyᵀ (16,${n},10,10)`, op: 'Conv', x: [6, n, 14, 14], w: [16, n, 10, 10], pads: NO_PADS, batchAsChannels: true });
    list.push({ label: `conv1 dw   xᵀ (1,${n},28,28) ⊛ dyᵀ (6,${n},28,28), pad 2`, op: 'Conv', x: [1, n, 28, 28], w: [6, n, 28, 28], pads: [2, 2, 2, 2], batchAsChannels: true });
  }
  return list;
}

/** One-node model; with `safe`, after the WebGPU-safe Conv pass (as the `portable` target builds it). */
function model(c: Case, safe: boolean): Uint8Array {
  const tape = new Tape('repro');
  const symbolicChannels = c.batchAsChannels === true;
  const x: Value = tape.input('x', 'float32', symbolicChannels ? [c.x[0], 'N', c.x[2], c.x[3]] : c.x);
  const w: Value = tape.input('w', 'float32', symbolicChannels ? [c.w[0], 'N', c.w[2], c.w[3]] : c.w);
  const y = c.op === 'ConvTranspose' ? convTranspose(x, w, { pads: c.pads }) : conv(x, w, undefined, { pads: c.pads });
  tape.output(y, 'y');
  const built = tape.toModel();
  return encodeModel(safe ? webgpuSafeConvPass(built).model : built);
}

function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

async function run(bytes: Uint8Array, ep: 'cpu' | 'webgpu', c: Case): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], logSeverityLevel: 3 });
  try {
    const size = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
    const out = await session.run({
      x: new ort.Tensor('float32', random(size(c.x), 1), [...c.x]),
      w: new ort.Tensor('float32', random(size(c.w), 2), [...c.w]),
    });
    return Float32Array.from((await out.y.getData()) as Float32Array);
  } finally {
    await session.release();
  }
}

/** max|webgpu − cpu| / max|cpu|. */
async function relativeError(c: Case, safe: boolean): Promise<number> {
  const bytes = model(c, safe);
  const [cpu, gpu] = [await run(bytes, 'cpu', c), await run(bytes, 'webgpu', c)];
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < cpu.length; i++) {
    diff = Math.max(diff, Math.abs(cpu[i] - gpu[i]));
    scale = Math.max(scale, Math.abs(cpu[i]));
  }
  return diff / Math.max(scale, 1e-30);
}

async function main(): Promise<number> {
  try {
    await run(model(cases()[0], false), 'webgpu', cases()[0]);
  } catch (error) {
    console.error(`no WebGPU adapter: ${(error instanceof Error ? error.message : String(error)).split('\n')[0]}`);
    console.error('(on a machine without a GPU: Mesa lavapipe from bookworm-backports, see docs/webgpu.md)');
    return 3;
  }
  console.log(`onnxruntime-node ${ort.env.versions.node ?? '?'}: one op, webgpu vs cpu; wrong = max|Δ|/max|cpu| > ${TOLERANCE}`);
  let wrong = 0;
  let unfixed = 0;
  for (const c of cases()) {
    const err = await relativeError(c, false);
    const bad = err > TOLERANCE;
    let line = `${bad ? 'WRONG' : 'ok   '}  ${c.label.padEnd(52)} rel. error ${err.toExponential(1)}`;
    if (c.op === 'Conv') line += webgpuConvHazard(c.x[1], c.w[0]) ? '  [predicted bad]' : '';
    if (bad) {
      wrong++;
      const fixed = c.op === 'Conv' ? await relativeError(c, true) : Infinity;
      if (!(fixed <= TOLERANCE)) unfixed++;
      line += `  → with the rewrite ${fixed.toExponential(1)}`;
    }
    console.log(line);
  }
  if (wrong === 0) {
    console.log('\nThe bug is gone in this version: every shape is right without the rewrite (see docs/webgpu.md to drop it).');
    return 0;
  }
  console.log(`\nBUG PRESENT: ${wrong} shape(s) wrong on webgpu; ${unfixed === 0 ? 'the WebGPU-safe rewrite fixes all of them' : `${unfixed} still wrong with the rewrite`}.`);
  return unfixed === 0 ? 1 : 2;
}

process.exitCode = await main();
