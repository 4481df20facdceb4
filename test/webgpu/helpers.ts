/**
 * Shared by the WebGPU tests: adapter detection, the batches they compare on (sizes 1, 3, 6, 64 and the
 * short last batch of an epoch of mnist-sample at 64), and labelled error measures.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Batch } from '../../src/data/batches.js';
import { PIXEL_TO_FLOAT } from '../../src/data/batches.js';
import { loadDataset } from '../../src/data/dataset.js';
import type { Split } from '../../src/data/types.js';
import { encodeModel } from '../../src/graph/proto.js';
import { Tape } from '../../src/graph/tape.js';
import { relu } from '../../src/graph/ops.js';
import type { GraphTargetName } from '../../src/graph/webgpu-conv.js';
import { ExecutionProviderError, createSession } from '../../src/runtime/providers.js';
import { train } from '../../src/train/trainer.js';
import { requireDependency } from '../helpers/requires.js';

/** Batch sizes that exercise the odd shapes; the short last batch is added by `comparisonBatchSizes`. */
export const BATCH_SIZES = [1, 3, 6, 64] as const;
export const FULL_BATCH = 64;

/**
 * Why onnxruntime-node's WebGPU provider cannot run here, or null when it can. Only "no adapter" counts
 * as unavailable; any other failure is left for the tests to report.
 */
export async function webgpuUnavailable(): Promise<string | null> {
  process.env.XDG_RUNTIME_DIR ??= mkdtempSync(path.join(tmpdir(), 'onnx-lenet-xdg-')); // Dawn warns without it
  const tape = new Tape('probe');
  tape.output(relu(tape.input('x', 'float32', [4])), 'y');
  try {
    const session = await createSession(encodeModel(tape.toModel()), 'webgpu');
    await session.run({ x: new ort.Tensor('float32', Float32Array.of(-1, 0, 1, 2), [4]) });
    await session.release();
    return null;
  } catch (error) {
    if (error instanceof ExecutionProviderError && error.failure === 'no-adapter') return error.message;
    return null;
  }
}

/**
 * At the top of a file of onnxruntime-node WebGPU tests: null when an adapter is found; the reason to skip
 * on a developer's machine without one; under CI a missing adapter fails the file.
 */
export async function webgpuSkip(): Promise<string | null> {
  const why = await webgpuUnavailable();
  return requireDependency('vulkan', why && `onnxruntime-node's WebGPU provider: ${why}`);
}

export async function trainSplit(): Promise<Split> {
  return (await loadDataset({ dataset: 'mnist-sample' })).train;
}

/** 1, 3, 6, 64 and the size of the last batch of an epoch at 64 (4 for mnist-sample's 8004 images). */
export function comparisonBatchSizes(split: Split): number[] {
  const rest = split.count % FULL_BATCH;
  return [...BATCH_SIZES, ...(rest > 0 ? [rest] : [])];
}

/** Images start, start+1, … of `split` as a batch (float pixels in [0,1], int32 labels). */
export function batchAt(split: Split, start: number, size: number): Batch {
  const images = new Float32Array(size * 784);
  const labels = new Int32Array(size);
  for (let k = 0; k < size; k++) {
    const index = (start + k) % split.count;
    for (let p = 0; p < 784; p++) images[k * 784 + p] = PIXEL_TO_FLOAT[split.images[index * 784 + p]];
    labels[k] = split.labels[index];
  }
  return { images, labels, size };
}

/** max|a − b| / max|b| (b the reference), and the absolute max difference. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): { rel: number; abs: number } {
  if (a.length !== b.length) throw new RangeError(`length ${a.length} vs ${b.length}`);
  let abs = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    abs = Math.max(abs, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return { rel: scale > 0 ? abs / scale : abs, abs };
}

/** Worst relative error over named tensors, with the name, for one labelled line per comparison. */
export function worst(errors: Readonly<Record<string, number>>): { name: string; error: number } {
  let name = '';
  let error = -1;
  for (const [k, e] of Object.entries(errors)) if (e > error) [name, error] = [k, e];
  return { name, error };
}

export const fmt = (x: number): string => x.toExponential(1);

/** 0 < |g| below this: Adam's first update lr·g/(|g|+ε) turns on rounding noise in g (ε = 1e-8). */
export const ILL_CONDITIONED_GRADIENT = 1e-6;

/**
 * A parameter after Adam's first step against the reference, given the reference's new m (= (1−β1)·g).
 * Where g = 0 or |g| ≥ 1e-6 the update is well conditioned: max|Δ| / max|p| there (`rel`). Where
 * 0 < |g| < 1e-6 a
 * last-bit difference in g can move the update anywhere in ±lr — two CPU builds (onnxruntime-node and
 * onnxruntime-web's WASM) already differ by 1.1e-4 relative on fc1.weight at N=6 — so those elements
 * (`ill` of them) are only held to |Δ| ≤ 2·lr (`illAbs`).
 */
export function firstStepParamError(got: ArrayLike<number>, want: ArrayLike<number>, mWant: ArrayLike<number>, beta1 = 0.9): { rel: number; ill: number; illAbs: number } {
  let abs = 0;
  let scale = 0;
  let ill = 0;
  let illAbs = 0;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    scale = Math.max(scale, Math.abs(want[i]));
    const g = Math.abs(mWant[i] / (1 - beta1));
    if (g === 0 || g >= ILL_CONDITIONED_GRADIENT) abs = Math.max(abs, d);
    else [ill, illAbs] = [ill + 1, Math.max(illAbs, d)];
  }
  return { rel: scale > 0 ? abs / scale : abs, ill, illAbs };
}

/**
 * `lenet.onnx` as `train` exports it: one epoch of mnist-sample at batch 1000 (9 Adam steps, CPU, 1
 * thread, seed 0) into a new temporary folder; `target` as `train --target` (default: the default).
 * Returns the folder and the file's path.
 */
export async function trainedExport(target?: GraphTargetName): Promise<{ dir: string; model: string }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-export-'));
  await train({ dataset: 'mnist-sample', epochs: 1, batchSize: 1000, seed: 0, threads: 1, outDir: dir, ...(target ? { target } : {}) });
  return { dir, model: path.join(dir, 'lenet.onnx') };
}
