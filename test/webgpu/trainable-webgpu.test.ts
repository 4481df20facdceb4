/**
 * The models make-trainable writes for the PyTorch fixtures (seed LeNet, ORT's MNIST MLP, residual CNN, BN CNN)
 * on onnxruntime-node's WebGPU provider against the CPU provider: one train step (every next.*, loss;
 * parameters only where Adam's first update is well conditioned), the eval and the inference model, on
 * the fixture's batch, within 1e-4 of each tensor's largest entry. Small on purpose (lavapipe is slow);
 * skipped only when no WebGPU adapter is found.
 *
 * The pooling gradients (src/autodiff/rules/pool.ts) scatter with a group-1 ConvTranspose over
 * (N·C, K, …) planes: the grouped form they used before is wrong on the WebGPU provider
 * (docs/webgpu.md), which the LeNet and residual train steps here caught.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { isOptimizerState } from '../../src/graph/contract.js';
import { encodeModel } from '../../src/graph/proto.js';
import { createSession } from '../../src/runtime/providers.js';
import { FIXTURES, type FixtureName, firstStepFeeds, loadFixture, outputErrors, trainableOf } from '../autodiff/fixtures.js';
import { webgpuSkip } from './helpers.js';

const unavailable = await webgpuSkip();
if (unavailable !== null) console.warn(`Skipping the WebGPU tests: ${unavailable}`);

async function run(bytes: Uint8Array, ep: 'cpu' | 'webgpu', feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const session = await createSession(bytes, ep, { threads: 1 });
  try {
    const out = await session.run(feeds);
    const result: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(out)) result[name] = Float32Array.from((await t.getData()) as Float32Array);
    return result;
  } finally {
    await session.release();
  }
}

type Kind = 'train' | 'eval' | 'inference';

async function compareOn(name: FixtureName, kinds: readonly Kind[]): Promise<void> {
  const f = loadFixture(name);
  const models = trainableOf(f);
  const all = firstStepFeeds(f, models);
  for (const kind of kinds) {
    const inputs = new Set((models[kind].graph?.input ?? []).map((i) => i.name ?? ''));
    const feeds = Object.fromEntries(Object.entries(all).filter(([k]) => inputs.has(k) && !(kind !== 'train' && isOptimizerState(k))));
    const bytes = encodeModel(models[kind]);
    const e = outputErrors(await run(bytes, 'webgpu', feeds), await run(bytes, 'cpu', feeds));
    console.log(`${name}.${kind}: max |webgpu − cpu| / max|cpu| = ${e.worst.toExponential(2)} (${e.tensor || '-'}); ${e.ill} ill-conditioned Adam entries not compared`);
    expect(e.worst, `${name}.${kind} ${e.tensor}`).toBeLessThanOrEqual(1e-4);
  }
}

describe.skipIf(unavailable !== null)('make-trainable models: webgpu vs cpu', () => {
  test.each(FIXTURES)('%s: eval and inference within 1e-4', (name) => compareOn(name, ['eval', 'inference']), 300_000);
  test.each(FIXTURES)('%s: the train step within 1e-4', (name) => compareOn(name, ['train']), 300_000);
});
