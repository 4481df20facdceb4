/** The CPU trainer loads its data while the training threads start: a failure of either is still reported as before. */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { train } from '../../src/train/trainer.js';

const root = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-cold-start-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('train: data loading overlapped with the runner start-up (CPU)', () => {
  test.skipIf(availableParallelism() < 2)('a runner that cannot start is the error, even when the data would fail too', async () => {
    const saved = process.env.ONNX_LENET_CPU_WORKER;
    process.env.ONNX_LENET_CPU_WORKER = path.join(root, 'no-such-worker.js');
    try {
      await expect(train({ threads: 2, dataset: 'fashion-mnist', dataDir: path.join(root, 'no-such-data'), outDir: path.join(root, 'out') }))
        .rejects.toThrow(/CPU training worker .*no-such-worker\.js is missing/);
    } finally {
      if (saved === undefined) delete process.env.ONNX_LENET_CPU_WORKER;
      else process.env.ONNX_LENET_CPU_WORKER = saved;
    }
  });

  test('a data folder that cannot be read is the error once the runner has started, and nothing is written', async () => {
    const out = path.join(root, 'out-2');
    await expect(train({ threads: 1, dataset: 'fashion-mnist', dataDir: path.join(root, 'no-such-data'), outDir: out }))
      .rejects.toThrow(/data folder '.*no-such-data' cannot be read \(ENOENT\)/);
    expect(() => readdirSync(out)).toThrow(/ENOENT/);
  });
});
