/**
 * The three emitted models: ONNX's own checker (Debian's python3-onnx, full_check), the portable
 * allow-list, and the same outputs from onnxruntime-node and onnxruntime-web (wasm, in Node).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BIAS_CORRECTION2_SQRT, IMAGE, LABEL, STEP_SIZE, adamScalars, isOptimizerState } from '../../src/graph/contract.js';
import { MODEL_FILES, type ModelKind, buildGraphs } from '../../src/graph/export.js';
import { checkPortable } from '../../src/graph/allowlist.js';
import { buildFlatAdamModel, buildGradientModel } from '../../src/graph/models.js';
import { PARAM_COUNT, initParameters } from '../../src/graph/params.js';
import { lenetStateSpecs } from '../../src/train/feeds.js';
import { initialState } from '../../src/train/step/state.js';
import { decodeModel, encodeModel } from '../../src/graph/proto.js';
import { Mt19937 } from '../../src/util/rng.js';
import { randomLabels, strokeImages } from '../reference/fixtures64.js';
import { readFileSync } from 'node:fs';
import { PYTHON, needs, pythonEnv, pythonModuleMissing } from '../helpers/requires.js';

// ONNX's checker: skipped with the reason on a developer's machine without it, a failure under CI.
const CHECKER_MISSING = pythonModuleMissing('onnx');

let dir: string;
const N = 5;

function feedsFor(kind: ModelKind): Record<string, { type: 'float32' | 'int32'; data: Float32Array | Int32Array; dims: number[] }> {
  const rng = new Mt19937(5);
  const params = initParameters(1);
  const feeds: ReturnType<typeof feedsFor> = {
    [IMAGE]: { type: 'float32', data: Float32Array.from(strokeImages(rng, N)), dims: [N, 1, 28, 28] },
  };
  if (kind === 'inference') return feeds;
  feeds[LABEL] = { type: 'int32', data: Int32Array.from(randomLabels(rng, N)), dims: [N] };
  // The train step's state, read from the model (parameters, then Adam's m and v at zero).
  for (const t of initialState(lenetStateSpecs(), { params })) {
    if (kind === 'train' || !isOptimizerState(t.name)) feeds[t.name] = { type: 'float32', data: t.data, dims: [...t.shape] };
  }
  if (kind === 'eval') return feeds;
  const s = adamScalars(1, 1e-3);
  feeds[STEP_SIZE] = { type: 'float32', data: Float32Array.of(s.stepSize), dims: [] };
  feeds[BIAS_CORRECTION2_SQRT] = { type: 'float32', data: Float32Array.of(s.biasCorrection2Sqrt), dims: [] };
  return feeds;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-models-'));
  const result = await buildGraphs({ outDir: dir, seed: 0 });
  expect(result.parameters).toBe(61_706);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.each(Object.entries(MODEL_FILES) as [ModelKind, string][])('%s model (%s)', (kind, file) => {
  test('passes onnx.checker.check_model(full_check=True)', (ctx) => {
    needs(ctx, 'onnx', CHECKER_MISSING);
    const script = 'import onnx,sys; m=onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(m.opset_import[0].version)';
    expect(execFileSync(PYTHON, ['-c', script, path.join(dir, file)], { env: pythonEnv() }).toString().trim()).toBe('17');
  });

  test('uses only portable operators', () => {
    const model = decodeModel(readFileSync(path.join(dir, file)), file);
    expect(checkPortable(model)).toEqual([]);
  });

  test('onnxruntime-node and onnxruntime-web (wasm) give the same outputs within 1e-5', async () => {
    const bytes = readFileSync(path.join(dir, file));
    const feeds = feedsFor(kind);
    const nodeSession = await ortNode.InferenceSession.create(bytes);
    const webSession = await ortWeb.InferenceSession.create(new Uint8Array(bytes), { executionProviders: ['wasm'] });
    const toNode = Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ortNode.Tensor(f.type, f.data, f.dims)]));
    const toWeb = Object.fromEntries(Object.entries(feeds).map(([k, f]) => [k, new ortWeb.Tensor(f.type, f.data, f.dims)]));
    const a = await nodeSession.run(toNode);
    const b = await webSession.run(toWeb);
    let worst = 0;
    for (const name of nodeSession.outputNames) {
      const x = a[name].data as Float32Array;
      const y = b[name].data as Float32Array;
      expect(y.length, name).toBe(x.length);
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]) / Math.max(1, Math.abs(x[i])));
    }
    console.log(`${file}: max |node − web| / max(1, |node|) over ${nodeSession.outputNames.length} outputs = ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
    await nodeSession.release();
    await webSession.release();
  });
});

test('the parameter table holds LeNet-5\'s 61,706 parameters', () => {
  expect(PARAM_COUNT).toBe(61_706);
});

describe("the CPU trainer's gradient and flat Adam models", () => {
  const models = { gradient: buildGradientModel(), 'flat Adam (2 parts)': buildFlatAdamModel(30_853, 2) };

  test.each(Object.entries(models))('%s: portable operators only', (_, model) => {
    expect(checkPortable(model)).toEqual([]);
  });

  test('both pass onnx.checker.check_model(full_check=True)', (ctx) => {
    needs(ctx, 'onnx', CHECKER_MISSING);
    const script = 'import onnx,sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)\nprint("ok")';
    const files = Object.entries(models).map(([name, model], i) => {
      const file = path.join(dir, `cpu-${i}.onnx`);
      writeFileSync(file, encodeModel(model));
      return file;
    });
    expect(execFileSync(PYTHON, ['-c', script, ...files], { env: pythonEnv() }).toString().trim()).toBe('ok');
  });

  test('refuse a bad slice length or part count', () => {
    expect(() => buildFlatAdamModel(0, 2)).toThrow('flat Adam length must be a positive integer, got 0');
    expect(() => buildFlatAdamModel(10, 0)).toThrow('gradient parts must be a positive integer, got 0');
  });
});
