/**
 * The models make-trainable writes for the PyTorch fixtures (seed LeNet, ORT's MNIST MLP, residual
 * CNN, BN CNN): ONNX's own checker (Debian's python3-onnx, full_check), the portable allow-list, and the same
 * numbers from onnxruntime-web (wasm, in Node) as from onnxruntime-node on the CPU. WebGPU:
 * test/webgpu/trainable-webgpu.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, describe, expect, test } from 'vitest';
import type { TrainableModels } from '../../src/autodiff/trainable.js';
import { checkPortable } from '../../src/graph/allowlist.js';
import { isOptimizerState } from '../../src/graph/contract.js';
import { encodeModel } from '../../src/graph/proto.js';
import { FIXTURES, firstStepFeeds, loadFixture, outputErrors, plainFeeds, trainableOf } from './fixtures.js';

const PYTHON = '/usr/bin/python3';
const hasOnnxChecker = (() => {
  try {
    execFileSync(PYTHON, ['-c', 'import onnx'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-trainable-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Kind = 'train' | 'eval' | 'inference';
const KINDS: readonly Kind[] = ['train', 'eval', 'inference'];

/** Each model's feeds from the train step's: the eval model takes no Adam inputs, inference only the images. */
function feedsOf(models: TrainableModels, kind: Kind, all: Record<string, ortNode.Tensor>): Record<string, ortNode.Tensor> {
  const names = new Set((models[kind].graph?.input ?? []).map((i) => i.name ?? ''));
  return Object.fromEntries(Object.entries(all).filter(([k]) => names.has(k) && !(kind !== 'train' && isOptimizerState(k))));
}

describe.each(FIXTURES)('make-trainable(%s.onnx): checker, allow-list, onnxruntime-web', (name) => {
  const f = loadFixture(name);
  const models = trainableOf(f);

  test.skipIf(!hasOnnxChecker && !process.env.CI)('all three pass onnx.checker.check_model(full_check=True)', () => {
    const files = KINDS.map((k) => {
      const file = path.join(dir, `${name}.${k}.onnx`);
      writeFileSync(file, encodeModel(models[k]));
      return file;
    });
    const script = 'import onnx,sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)\nprint("ok")';
    expect(execFileSync(PYTHON, ['-c', script, ...files]).toString().trim()).toBe('ok');
  });

  test('all three use only portable operators', () => {
    for (const k of KINDS) expect(checkPortable(models[k]), k).toEqual([]);
  });

  test.each(KINDS)('%s: onnxruntime-web (wasm) gives the outputs of onnxruntime-node within 1e-5', async (kind) => {
    const feeds = feedsOf(models, kind, firstStepFeeds(f, models));
    const bytes = encodeModel(models[kind]);
    const nodeSession = await ortNode.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
    const webSession = await ortWeb.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const toWeb = Object.fromEntries(Object.entries(plainFeeds(feeds)).map(([k, t]) => [k, new ortWeb.Tensor(t.type, t.data, t.dims)]));
    const a = await nodeSession.run(feeds);
    const b = await webSession.run(toWeb);
    const data = (out: Record<string, { data: unknown }>) => Object.fromEntries(Object.entries(out).map(([k, t]) => [k, t.data as Float32Array]));
    const e = outputErrors(data(b), data(a));
    console.log(`${name}.${kind}: max |web − node| / max|node| = ${e.worst.toExponential(2)} (${e.tensor || '-'}); ${e.ill} ill-conditioned Adam entries not compared`);
    expect(e.worst).toBeLessThanOrEqual(1e-5);
    await nodeSession.release();
    await webSession.release();
  });
});
