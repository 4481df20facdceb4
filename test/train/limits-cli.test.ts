/** Rows 9 and 10 of issue 14 through the real CLI: --threads and --batch-size are bounded and say so. */
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { expectOneLineError, runCli } from '../helpers/cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-limits-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('train limits', () => {
  test('--threads 1000 runs on at most one thread per core and says so', async () => {
    const r = await runCli(['train', '--dataset', 'mnist-sample', '--threads', '1000', '--batch-size', '16', '--max-steps', '2', '--out', path.join(work, 't')]);
    expect(r.code, r.stderr).toBe(0);
    const used = Math.min(availableParallelism(), 16);
    expect(r.stdout).toContain(`, ${used} thread${used === 1 ? '' : 's'}`);
    expect(r.stderr).toMatch(new RegExp(`note: using ${used} threads?, not 1000: this machine has ${availableParallelism()} cores?`));
  });

  test('--batch-size 100000000 fails in one line that says the limit', async () => {
    const r = await runCli(['train', '--dataset', 'mnist-sample', '--batch-size', '100000000', '--out', path.join(work, 'b')]);
    expectOneLineError(r, /batch size must be at most 60,000 \(the size of the largest training set\), got 100,000,000/);
    expect(r.stderr).not.toMatch(/Array buffer allocation failed|\n\s+at /);
  });
});
