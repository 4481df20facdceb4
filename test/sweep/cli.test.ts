/**
 * `onnx-lenet sweep` as a user runs it (the built CLI in a child process): the printed table and choice,
 * the files, one-line errors, Ctrl-C then run again; and `serve --sweep` serving the report.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer } from '../../src/serve/index.js';
import type { SweepRecord } from '../../src/sweep/types.js';
import { ROOT, expectOneLineError, runCli } from '../helpers/cli.js';
import { smallDataDir } from './fixture.js';

let dataDir: string;
let out: string;
beforeAll(async () => {
  dataDir = await smallDataDir();
  out = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-sweep-cli-'));
});
afterAll(() => [dataDir, out].forEach((d) => rmSync(d, { recursive: true, force: true })));

const grid = (dir: string): string[] => ['sweep', '--data-dir', dataDir, '--lr', '1e-3,1e8', '--batch-size', '32,64', '--epochs', '1', '--threads', '2', '--out', dir];

describe('onnx-lenet sweep', () => {
  test('2×2 grid: one line per trial, the table, the choice on validation and the one test figure beside the defaults', async () => {
    const dir = path.join(out, 'grid');
    const r = await runCli(grid(dir));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^4 trials, 4 to run \(4 epochs\)$/m);
    expect(r.stdout).toMatch(/^\[1\/4\] 01: lr 0\.001, batch 32, 1 epoch, recipe seed, seed 0 → val \d+\.\d\d% \(loss \d\.\d{4}\)/m);
    expect(r.stdout).toMatch(/^\[2\/4\] 02: lr 100000000, .* → failed: training diverged at step \d+/m);
    expect(r.stdout).toMatch(/^\| trial \| lr \| batch \| epochs \| seed \| val acc \| val loss \| train loss \| time \| status \|$/m);
    // The defaults (lr 1e-3, batch 64) are in this grid: trial 03 is the baseline, nothing extra is trained.
    expect(r.stdout).toMatch(/^\| 03 (\*\*chosen\*\*|\(defaults\)) \| 0\.001 \| 64 \|/m);
    expect(r.stdout).toMatch(/^\| 02 \| 100000000 \| 32 \| 1 \| 0 \| – \| – \| – \| .* \| failed: training diverged/m);
    expect(r.stdout).toMatch(/^Chosen on validation: lr 0\.001, batch (32|64), 1 epoch, recipe seed \(trial 0[13]\): val \d+\.\d\d%$/m);
    expect(r.stdout).toMatch(/^Test accuracy: chosen \d+\.\d\d%, seed's defaults \(lr 0\.001, batch 64, 1 epoch; trial 03\) \d+\.\d\d%$/m);
    expect(r.stderr).toMatch(/sweep .*100%/); // the overall bar
    const record = JSON.parse(readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as SweepRecord;
    expect(record.status).toBe('done');
    expect(record.trials.map((t) => t.status)).toEqual(['done', 'failed', 'done', 'failed']);
    expect(record.outcome?.baseline.trialIds).toEqual(['03']);
    expect(existsSync(path.join(dir, 'sweep.html'))).toBe(true);
    expect(existsSync(path.join(dir, record.trials[0].dir, 'lenet.onnx'))).toBe(true);

    // The report through `serve --sweep`, with the server's path rules; no model needed.
    const server = await startServer({ model: path.join(out, 'no-model.onnx'), port: 0, host: '127.0.0.1', sweep: dir });
    try {
      expect(server.warnings.join('\n')).toMatch(/model not found/);
      const page = await fetch(`${server.url}sweep.html`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(await page.text()).toBe(readFileSync(path.join(dir, 'sweep.html'), 'utf8'));
      expect((await fetch(`${server.url}sweep/sweep.json`)).status).toBe(200);
      expect((await fetch(`${server.url}sweep/${record.trials[0].dir}/metrics.json`)).status).toBe(200);
      expect((await fetch(`${server.url}sweep/..%2F..%2Fetc%2Fpasswd`)).status).toBe(403);
      expect((await fetch(`${server.url}sweep/${record.trials[0].dir}/lenet.ckpt`)).status).toBe(404);
    } finally {
      await server.close();
    }
    await expect(startServer({ model: path.join(out, 'no-model.onnx'), port: 0, host: '127.0.0.1', sweep: out })).rejects.toThrow(/no sweep report in/);
  });

  test('bad values are one-line errors', async () => {
    expectOneLineError(await runCli(['sweep', '--lr', '1e-4:1e-2', '--out', path.join(out, 'bad')]), /lr: a range \(0\.0001:0\.01\) needs --trials N/);
    expectOneLineError(await runCli(['sweep', '--recipe', 'seed,best']), /recipe must be one of seed, strong; got 'best'/);
    expectOneLineError(await runCli(['sweep', '--batch-size', '32,x']), /expected a positive integer, got 'x'/);
  });

  test('Ctrl-C stops after the current step with sweep.json written (exit 130); the same command continues', async () => {
    const dir = path.join(out, 'interrupted');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/onnx-lenet.js'), ...grid(dir)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (/^\[1\/4\]/m.test(stdout) && !child.killed) child.kill('SIGINT');
      });
      child.stderr.resume();
      child.on('close', resolve);
    });
    expect(code, stdout).toBe(130);
    expect(stdout).toMatch(/Stopped\. Run the same command again to continue/);
    const record = JSON.parse(readFileSync(path.join(dir, 'sweep.json'), 'utf8')) as SweepRecord;
    expect(record.status).toBe('interrupted');
    expect(record.trials[0].status).toBe('done');
    const again = await runCli(grid(dir));
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^4 trials, [1-3] to run/m);
    expect(again.stdout).not.toMatch(/^\[1\/4\]/m);
    expect(again.stdout).toMatch(/^Test accuracy: /m);
  });
});
