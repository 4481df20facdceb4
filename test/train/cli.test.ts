/**
 * `train` through the real CLI in a child process: offline default run, Ctrl-C, and bad input (one line,
 * non-zero exit, nothing half-written). `eval` and `predict` are in test/infer/cli.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { refusingUrl } from '../helpers/net.js';
import { NATIVE_VULKAN_NOISE, ROOT, expectOneLineError, runCli } from '../helpers/cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
// An empty cache, so MNIST must be fetched, from a mirror that refuses connections: "no network" on any
// machine, with internet or without.
const offline = { XDG_CACHE_HOME: path.join(work, 'cache'), ONNX_LENET_MIRRORS: `${await refusingUrl()}/` };

describe('onnx-lenet train', () => {
  test('with no network and no options it falls back to the bundled digits and prints the accuracy', async () => {
    const out = path.join(work, 'offline');
    const r = await runCli(['train', '--epochs', '1', '--out', out], { env: offline });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: MNIST is not available .*using the bundled 10,000-digit mnist-sample/);
    expect(r.stdout).toMatch(/Training LeNet-5 on mnist-sample \(8,004 train \/ 1,996 test/);
    expect(r.stdout).toMatch(/^Epoch 1\/1 {2}loss \d\.\d{4} {2}test acc \d+\.\d\d% {2}[\d,]+ img\/s {2}\d+\.\d s$/m);
    expect(r.stdout).toMatch(/^Accuracy of the LeNet model: \d+\.\d\d%$/m);
    expect(readdirSync(out).sort()).toEqual(['lenet.ckpt', 'lenet.onnx', 'metrics.json']);
  });

  test('SIGINT during training finishes the step, writes a loadable checkpoint and says how to resume', async () => {
    const out = path.join(work, 'interrupted');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/onnx-lenet.js'), 'train', '--dataset', 'mnist-sample', '--epochs', '3', '--out', out], {
      cwd: ROOT, env: { ...process.env, ...offline }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (/Epoch 1\/3 +[1-9]\d*%/.test(stderr) && !child.killed) child.kill('SIGINT'); // in the middle of epoch 1
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('SIGINT: finishing the current step and writing a checkpoint');
    expect(stdout).toContain(`Resume with: onnx-lenet train --resume ${path.join(out, 'lenet.ckpt')}`);
    // Where it stops depends on when the signal lands (a loaded machine may be past epoch 1 by then), so
    // the test holds the checkpoint to the step the CLI reports, not to a fixed epoch.
    const checkpoint = await readCheckpoint(path.join(out, 'lenet.ckpt'));
    const stopped = Number(/Stopped at step (\d+)\./.exec(stdout)?.[1]);
    const { epoch, batchInEpoch, step } = checkpoint.progress;
    expect(step).toBe(stopped);
    expect(step).toBeGreaterThan(0);
    expect(epoch).toBeLessThan(3);
    expect(step).toBe(epoch * Math.ceil(8004 / 64) + batchInEpoch); // mnist-sample at batch 64: 126 steps an epoch
    const resumed = await runCli(['train', '--resume', path.join(out, 'lenet.ckpt'), '--epochs', '1', '--out', out]);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resuming at epoch 1 step \d+/);
  });
});

describe('execution providers that cannot run here fail fast, in one line, writing nothing', () => {
  test.each([
    { ep: 'cuda', env: {}, message: /--ep cuda: onnxruntime-node's CUDA provider is not installed .*run `onnx-lenet setup-cuda`/ },
    // Hide any Vulkan driver (lavapipe may be installed for the WebGPU tests) from this one process.
    { ep: 'webgpu', env: { VK_DRIVER_FILES: '/nonexistent.json', VK_ICD_FILENAMES: '/nonexistent.json' }, message: /--ep webgpu: no GPU adapter found/ },
  ])('train --ep $ep', async ({ ep, env, message }) => {
    const out = path.join(work, `ep-${ep}`);
    // "Fast" means before any training: nothing is written (below). Speed itself is the bench's concern.
    const r = await runCli(['train', '--ep', ep, '--dataset', 'mnist-sample', '--out', out, '--json-metrics', path.join(out, 'steps.jsonl')], { env });
    expect(r.code).toBe(1);
    expectOneLineError(r, message, ep === 'webgpu' ? NATIVE_VULKAN_NOISE : undefined);
    expect(readdirSync(work)).not.toContain(`ep-${ep}`);
  });
});

describe('bad input: one line, exit code ≠ 0, nothing half-written', () => {
  const junk = path.join(work, 'junk.onnx');
  beforeAll(() => {
    writeFileSync(junk, 'this is not a model');
  });

  test.each([
    { args: () => ['train', '--ep', 'tpu'], message: /option '--ep <provider>' argument 'tpu' is invalid\. Allowed choices are cpu, cuda, webgpu\./ },
    { args: () => ['train', '--batch-size', '0'], message: /option '--batch-size <n>' argument '0' is invalid/ },
    { args: () => ['train', '--resume', junk, '--out', path.join(work, 'never')], message: /'.*junk\.onnx' is not a usable onnx-lenet checkpoint/ },
  ])('$args', async ({ args, message }) => {
    expectOneLineError(await runCli(args(), { env: offline }), message);
    expect(readdirSync(work)).not.toContain('never');
  });
});
