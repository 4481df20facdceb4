/**
 * Issue 14 row 5: `kill -9` a real `train` at random moments, 30 times. After each kill the next start
 * sees one consistent set — lenet.onnx, lenet.ckpt and metrics.json from the same commit, or none — and
 * no temporary files. A tiny data set (512 train / 64 test images) makes an epoch, hence a commit, take
 * a few tens of milliseconds, so kills land in every phase of a commit.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { modelInfo } from '../../src/graph/metadata.js';
import { decodeModel } from '../../src/graph/proto.js';
import { readCheckpoint } from '../../src/train/checkpoint.js';
import { JOURNAL_FILE, recoverOutputSet } from '../../src/train/output-set.js';
import { idxImages, idxLabels } from '../data/helpers.js';
import { ROOT, runCli } from '../helpers/cli.js';

const KILLS = 30;
let work: string;
let data: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-kill-'));
  data = path.join(work, 'data');
  await mkdir(data);
  const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 7) % 10);
  await writeFile(path.join(data, 'train-images-idx3-ubyte'), idxImages(512));
  await writeFile(path.join(data, 'train-labels-idx1-ubyte'), idxLabels(labels(512)));
  await writeFile(path.join(data, 't10k-images-idx3-ubyte'), idxImages(64));
  await writeFile(path.join(data, 't10k-labels-idx1-ubyte'), idxLabels(labels(64)));
});
afterAll(async () => rm(work, { recursive: true, force: true }));

/** Starts `train`, waits for its first line (training has begun), lets it run `ms`, then SIGKILLs it. */
async function trainAndKill(args: readonly string[], ms: number): Promise<string> {
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, 'bin/onnx-lenet.js'), 'train', ...args], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let timer: NodeJS.Timeout | undefined;
  const collect = (d: Buffer): void => {
    output += d.toString();
    if (timer === undefined && output.includes('Training LeNet-5')) timer = setTimeout(() => child.kill('SIGKILL'), ms);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  expect(signal, `train ended by itself (code ${code}):\n${output}`).toBe('SIGKILL');
  return output;
}

/** The three files are absent together, or present from one commit: same step, same epochs, same accuracy. */
async function expectConsistentSet(out: string): Promise<number | undefined> {
  const names = (await readdir(out).catch(() => [] as string[])).sort();
  expect(names.filter((n) => n.startsWith('.')), 'temporary files left').toEqual([]);
  if (!names.includes('lenet.ckpt')) {
    expect(names).toEqual([]);
    return undefined;
  }
  expect(names).toEqual(['lenet.ckpt', 'lenet.onnx', 'metrics.json']);
  const checkpoint = await readCheckpoint(path.join(out, 'lenet.ckpt'));
  const metrics = JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8')) as { step: number; epochs: unknown[]; testAccuracy: number };
  const meta = modelInfo(decodeModel(await readFile(path.join(out, 'lenet.onnx')), 'lenet.onnx')).metadata;
  const history = checkpoint.progress.history;
  expect(metrics.step).toBe(checkpoint.progress.step);
  expect(metrics.epochs).toHaveLength(history.length);
  expect(meta.epochs).toBe(String(history.length));
  expect(meta.test_accuracy).toBe(String(history[history.length - 1].testAccuracy));
  expect(metrics.testAccuracy).toBe(history[history.length - 1].testAccuracy);
  return checkpoint.progress.step;
}

test(`kill -9 at random moments, ${KILLS} times: the next start sees one consistent set and no temporary files`, async () => {
  const out = path.join(work, 'out');
  const checkpoint = path.join(out, 'lenet.ckpt');
  const seen = { journal: 0, temps: 0, none: 0, steps: [] as number[] };
  const started = performance.now();
  for (let i = 0; i < KILLS; i++) {
    const exists = (await readdir(out).catch(() => [] as string[])).includes('lenet.ckpt');
    const args = exists ? ['--resume', checkpoint, '--threads', '1'] : ['--data-dir', data, '--epochs', '100000', '--threads', '1', '--out', out];
    await trainAndKill(args, Math.random() * 1500);
    const left = await readdir(out).catch(() => [] as string[]);
    if (left.includes(JOURNAL_FILE)) seen.journal++;
    if (left.some((n) => n.endsWith('.tmp'))) seen.temps++;
    if (i % 3 === 2) {
      // The CLI's own start: it recovers and reads the checkpoint, then stops at a conflicting option.
      const r = await runCli(['train', ...(left.includes('lenet.ckpt') || left.includes(JOURNAL_FILE) ? ['--resume', checkpoint] : ['--out', out, '--data-dir', path.join(work, 'nowhere')]), '--lr', '9'], { cwd: work });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/--resume continues the checkpoint's run, which these options would change: --lr 9|data folder '.*nowhere' cannot be read/);
    } else {
      await recoverOutputSet(out); // what every start does first
    }
    const step = await expectConsistentSet(out);
    if (step === undefined) seen.none++;
    else seen.steps.push(step);
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(`${KILLS} kills in ${seconds.toFixed(0)} s: ${seen.journal} mid-commit (journal rolled forward), ${seen.temps} with temporary files, ` +
    `${seen.none} before the first commit; checkpoint steps ${seen.steps.join(' ')}`);
  expect(seen.steps.length).toBeGreaterThan(KILLS / 2); // most kills came after commits
}, 300_000);
