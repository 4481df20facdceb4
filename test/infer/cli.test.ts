/**
 * `eval` and `predict` through the real CLI in a child process: predictions on PNG/JPEG files, the
 * accuracy report, and bad input (one line, non-zero exit).
 */
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import type { ModelInfo } from '../../src/graph/metadata.js';
import { PACKAGE_VERSION } from '../../src/version.js';
import { ROOT, expectOneLineError, runCli } from '../helpers/cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const offline = { XDG_CACHE_HOME: path.join(work, 'cache') }; // an empty cache: MNIST must be fetched, and cannot be

describe('predict and eval', () => {
  const model = path.join(work, 'trained', 'lenet.onnx');
  const images: { file: string; label: number }[] = [];

  beforeAll(async () => {
    const r = await runCli(['train', '--dataset', 'mnist-sample', '--epochs', '2', '--out', path.dirname(model)]);
    expect(r.code, r.stderr).toBe(0);
    const { test: split } = await loadDataset({ dataset: 'mnist-sample' });
    for (let k = 0; k < 10; k++) {
      const i = k * 199; // ten test digits spread over the split (it is ordered by digit)
      const label = split.labels[i];
      // Dark ink on white paper, scaled ×3 with a margin: what a phone photo or a drawing app gives.
      const size = 100;
      const png = new PNG({ width: size, height: size });
      for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
        const sx = Math.floor((x - 8) / 3), sy = Math.floor((y - 8) / 3);
        const v = sx >= 0 && sx < 28 && sy >= 0 && sy < 28 ? split.images[i * 784 + sy * 28 + sx] : 0;
        const o = 4 * (y * size + x);
        png.data[o] = png.data[o + 1] = png.data[o + 2] = 255 - v;
        png.data[o + 3] = 255;
      }
      const file = path.join(work, `digit-${k}.${k % 2 ? 'jpg' : 'png'}`);
      writeFileSync(file, k % 2 ? jpeg.encode({ data: png.data, width: size, height: size }, 95).data : PNG.sync.write(png));
      images.push({ file, label });
    }
  });

  test('predict: PNG and JPEG files, dark on light, any size → the right digit for most', async () => {
    const r = await runCli(['predict', model, ...images.map((i) => i.file), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { modelInfo, predictions } = JSON.parse(r.stdout) as { modelInfo: ModelInfo; predictions: { digit: number; probability: number; inverted: boolean }[] };
    expect(modelInfo).toMatchObject({ producer: 'onnx-lenet', producerVersion: PACKAGE_VERSION, metadata: { target: 'portable', dataset: 'mnist-sample', epochs: '2' } });
    const right = predictions.filter((p, k) => p.digit === images[k].label).length;
    console.log(`predict: ${right}/10 right on dark-on-light PNG/JPEG renderings of test digits`);
    expect(right).toBeGreaterThanOrEqual(8);
    for (const p of predictions) expect(p.inverted).toBe(true);
    const text = await runCli(['predict', model, images[0].file]);
    expect(text.stdout).toMatch(new RegExp(`digit-0\\.png {2}\\d {2}\\d+\\.\\d% {2}\\(inverted`));
    expect(text.stdout.split('\n')[0]).toMatch(/^Model: onnx-lenet \d+\.\d+\.\d+, target portable, io_contract 1, dataset mnist-sample, recipe \{"recipe":"seed","seed":0,.*\}, epochs 2, test_accuracy \d+\.\d\d%$/);
  });

  test('eval: accuracy, per-class table and confusion matrix; --json', async () => {
    const r = await runCli(['eval', model, '--dataset', 'mnist-sample']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Accuracy of the LeNet model: \d+\.\d\d%$/m);
    expect(r.stdout).toContain('confusion matrix (rows: true label, columns: predicted)');
    expect(r.stdout).toMatch(/^Model: onnx-lenet [\d.]+, target portable, io_contract 1, dataset mnist-sample, recipe \{.*\}, epochs 2, test_accuracy \d+\.\d\d%$/m);
    const j = JSON.parse((await runCli(['eval', model, '--dataset', 'mnist-sample', '--json'])).stdout) as { count: number; confusion: number[][]; accuracy: number; modelInfo: ModelInfo };
    expect(j.modelInfo.metadata).toMatchObject({ target: 'portable', io_contract: '1', dataset: 'mnist-sample', epochs: '2' });
    expect(JSON.parse(j.modelInfo.metadata.recipe)).toEqual({ recipe: 'seed', seed: 0, batchSize: 64, lr: 1e-3, lrSchedule: 'constant', warmupEpochs: 0, augment: false });
    expect(Number(j.modelInfo.metadata.test_accuracy)).toBeCloseTo(j.accuracy, 10); // the same model on the same split
    expect(j.count).toBe(1996);
    expect(j.confusion.flat().reduce((a, b) => a + b, 0)).toBe(1996);
    expect(j.accuracy).toBeGreaterThan(0.9);
  });
});

describe('bad input: one line, exit code ≠ 0, nothing half-written', () => {
  const junk = path.join(work, 'junk.onnx');
  const notImage = path.join(work, 'not-an-image.png');
  const built = path.join(work, 'built');
  beforeAll(async () => {
    expect((await runCli(['build-graph', '--out', built])).code).toBe(0);
    writeFileSync(junk, 'this is not a model');
    writeFileSync(notImage, Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('not really a PNG')]));
  });

  test.each([
    { args: () => ['eval', path.join(work, 'missing.onnx')], message: /cannot read model '.*missing\.onnx' \(ENOENT\)/ },
    { args: () => ['eval', junk], message: /'.*junk\.onnx' is not an ONNX model/ },
    { args: () => ['eval', path.join(built, 'lenet.train.onnx')], message: /is not a LeNet inference model: it has 34 inputs/ },
    { args: () => ['predict', path.join(work, 'trained', 'lenet.onnx'), notImage], message: /cannot decode image '.*not-an-image\.png'/ },
    { args: () => ['predict', path.join(work, 'trained', 'lenet.onnx'), path.join(ROOT, 'package.json')], message: /'.*package\.json' is not a PNG or JPEG image/ },
  ])('$args', async ({ args, message }) => {
    expectOneLineError(await runCli(args(), { env: offline }), message);
    expect(readdirSync(work)).not.toContain('never');
  });
});
