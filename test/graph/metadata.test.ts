/**
 * What exported models say about themselves (src/graph/metadata.ts): producer from package.json,
 * metadata_props with the target and I/O contract version; a model written by `train` also carries the
 * data set, the recipe, the epochs and the test accuracy. The CLI side (build-graph, eval, predict) is in
 * test/graph/builder.test.ts and test/train/cli.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { buildGraphs } from '../../src/graph/export.js';
import { IO_CONTRACT_VERSION, formatModelInfo, modelInfo, withMetadata } from '../../src/graph/metadata.js';
import { buildInferenceModel } from '../../src/graph/models.js';
import { initParameters } from '../../src/graph/params.js';
import { decodeModel, encodeModel } from '../../src/graph/proto.js';
import { train } from '../../src/train/trainer.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../../src/version.js';

describe('model metadata', () => {
  test('producer name and version are package.json\'s', () => {
    const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { name: string; version: string };
    expect([PACKAGE_NAME, PACKAGE_VERSION]).toEqual([pkg.name, pkg.version]);
    const model = buildInferenceModel(initParameters(0));
    expect([model.producerName, model.producerVersion]).toEqual([pkg.name, pkg.version]);
  });

  test('withMetadata replaces keys, keeps others, survives encoding; formatModelInfo is one line', () => {
    const base = withMetadata(buildInferenceModel(initParameters(0)), { target: 'cpu', note: 'x' });
    const model = decodeModel(encodeModel(withMetadata(base, { target: 'portable', epochs: 3, test_accuracy: 0.98765, skipped: undefined })), 'm');
    const info = modelInfo(model);
    expect(info.metadata).toEqual({ note: 'x', target: 'portable', epochs: '3', test_accuracy: '0.98765' });
    expect(formatModelInfo(info)).toBe(`onnx-lenet ${PACKAGE_VERSION}, note x, target portable, epochs 3, test_accuracy 98.77%`);
    expect(formatModelInfo(modelInfo({}))).toBe('unknown producer');
  });

  test('buildGraphs: every file says its target (portable by default) and the I/O contract version', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-meta-'));
    try {
      for (const target of [undefined, 'cpu'] as const) {
        await buildGraphs({ outDir: dir, target });
        for (const file of ['lenet.onnx', 'lenet.train.onnx', 'lenet.eval.onnx']) {
          expect(modelInfo(decodeModel(await readFile(path.join(dir, file)), file)).metadata).toEqual({ target: target ?? 'portable', io_contract: IO_CONTRACT_VERSION });
        }
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('train: lenet.onnx carries the data set, recipe, epochs and test accuracy, and is the portable variant', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-meta-'));
    try {
      // 1 epoch of batch 1000 on mnist-sample (9 steps), so the epoch end (test accuracy) is reached.
      const result = await train({ dataset: 'mnist-sample', epochs: 1, batchSize: 1000, seed: 4, lrSchedule: 'step', threads: 1, outDir: dir });
      const model = decodeModel(await readFile(path.join(dir, 'lenet.onnx')), 'lenet.onnx');
      const info = modelInfo(model);
      expect(info.producer).toBe('onnx-lenet');
      expect(info.metadata).toEqual({
        target: 'portable', io_contract: IO_CONTRACT_VERSION, dataset: 'mnist-sample',
        recipe: JSON.stringify({ recipe: 'seed', seed: 4, batchSize: 1000, lr: 1e-3, lrSchedule: 'step', warmupEpochs: 0, augment: false }),
        epochs: '1', test_accuracy: String(result.testAccuracy),
      });
      expect((model.graph?.node ?? []).filter((n) => n.opType === 'Pad')).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
