/**
 * The `lenet.onnx` that `train` exports, by default, on onnxruntime-node's native WebGPU provider: logits
 * within 1e-4 of the CPU's at batch 1, 6 and 64 (issue 20: every exported model is right on every
 * backend by default). The same run exported with `--target cpu` is measured too, to show that the bug is
 * still there and that this test would see it (informational: it is only asserted that the default is
 * right). Skipped, with a message, only when no WebGPU adapter is found (lavapipe: docs/webgpu.md).
 */
import { rm } from 'node:fs/promises';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IMAGE, LOGITS } from '../../src/graph/contract.js';
import { createSession } from '../../src/runtime/providers.js';
import { batchAt, fmt, relativeError, trainSplit, trainedExport, webgpuSkip } from './helpers.js';

const unavailable = await webgpuSkip();

const split = await trainSplit();

async function logits(session: ort.InferenceSession, n: number): Promise<Float32Array> {
  const out = await session.run({ [IMAGE]: new ort.Tensor('float32', batchAt(split, 100, n).images, [n, 1, 28, 28]) });
  return Float32Array.from((await out[LOGITS].getData()) as Float32Array);
}

describe.skipIf(unavailable !== null)('lenet.onnx exported by train, onnxruntime-node webgpu vs cpu', () => {
  const exports: Record<'portable' | 'cpu', { dir: string; model: string }> = {} as never;
  const sessions: Record<string, ort.InferenceSession> = {};

  beforeAll(async () => {
    exports.portable = await trainedExport();
    exports.cpu = await trainedExport('cpu');
    for (const target of ['portable', 'cpu'] as const) {
      sessions[`${target}/cpu`] = await createSession(exports[target].model, 'cpu', { threads: 1 });
      sessions[`${target}/webgpu`] = await createSession(exports[target].model, 'webgpu');
    }
  }, 120_000);

  afterAll(async () => {
    for (const s of Object.values(sessions)) await s.release();
    for (const e of Object.values(exports)) await rm(e.dir, { recursive: true, force: true });
  });

  test.each([1, 6, 64])('batch %i: the default export\'s logits on webgpu within 1e-4 of the cpu\'s', async (n) => {
    const [cpu, gpu] = [await logits(sessions['portable/cpu'], n), await logits(sessions['portable/webgpu'], n)];
    const err = relativeError(gpu, cpu);
    const cpuTarget = relativeError(await logits(sessions['cpu/webgpu'], n), await logits(sessions['cpu/cpu'], n));
    console.log(`exported lenet.onnx N=${n}: portable (default) max|Δ logits| ${fmt(err.abs)}; --target cpu on webgpu: ${fmt(cpuTarget.abs)} (${cpuTarget.abs > 1e-4 ? 'the bug is still there' : 'right: the bug may be fixed, see tools/webgpu-conv-repro.ts'})`);
    expect(err.abs).toBeLessThan(1e-4);
    // and this comparison can see the bug: the --target cpu export is wrong on webgpu (docs/webgpu.md)
    expect(cpuTarget.abs, '--target cpu on webgpu is still wrong (if not, the bug may be fixed)').toBeGreaterThan(1e-3);
  });
});
