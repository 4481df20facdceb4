/**
 * Issue 14 through the real CLI: a trained model is not replaced without asking (rows 1–4), and bad or
 * empty data is an error that leaves --out and the data folder as they were (rows 7–8). The library
 * side is in test/train/safety.test.ts and test/data/bad-data.test.ts; kill -9 in test/train/kill.test.ts.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { idxImages, idxLabels } from '../data/helpers.js';
import { ROOT, expectOneLineError, runCli } from '../helpers/cli.js';

let work: string;
let data: string;
let trained: string;
let env: NodeJS.ProcessEnv;

async function idxFolder(dir: string, train: number, test: number, labelOf = (i: number) => (i * 3) % 10): Promise<string> {
  await mkdir(dir, { recursive: true });
  const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => labelOf(i));
  await writeFile(path.join(dir, 'train-images-idx3-ubyte'), idxImages(train));
  await writeFile(path.join(dir, 'train-labels-idx1-ubyte'), idxLabels(labels(train)));
  await writeFile(path.join(dir, 't10k-images-idx3-ubyte'), idxImages(test));
  await writeFile(path.join(dir, 't10k-labels-idx1-ubyte'), idxLabels(labels(test)));
  return dir;
}

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) out[name] = (await readFile(path.join(dir, name))).toString('base64');
  return out;
}

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-safety-cli-'));
  env = { XDG_CACHE_HOME: path.join(work, 'cache') };
  data = await idxFolder(path.join(work, 'data'), 256, 64);
  trained = path.join(work, 'trained');
  const r = await runCli(['train', '--data-dir', data, '--epochs', '1', '--threads', '1', '--out', trained], { env });
  expect(r.code, r.stderr).toBe(0);
}, 120_000);
afterAll(async () => rm(work, { recursive: true, force: true }));

describe('a trained model is not replaced without asking', () => {
  test('row 1: build-graph refuses to replace a trained lenet.onnx; --force does', async () => {
    const out = path.join(work, 'row1');
    await mkdir(out);
    for (const f of ['lenet.onnx', 'lenet.ckpt', 'metrics.json']) await writeFile(path.join(out, f), await readFile(path.join(trained, f)));
    const before = await snapshot(out);
    const r = await runCli(['build-graph', '--out', out], { env });
    expectOneLineError(r, /'.*row1\/lenet\.onnx' is a trained model \(trained for 1 epoch on folder .*, test accuracy \d+\.\d\d%\); build-graph would replace it .* --force/);
    expect(await snapshot(out)).toEqual(before);
    const forced = await runCli(['build-graph', '--out', out, '--force'], { env });
    expect(forced.code, forced.stderr).toBe(0);
    expect((await readdir(out)).sort()).toEqual(['lenet.ckpt', 'lenet.eval.onnx', 'lenet.onnx', 'lenet.train.onnx', 'metrics.json']);
  }, 60_000);

  test('row 2: the printed resume hint, run as printed from another folder, continues in the run\'s --out', async () => {
    const out = path.join(work, 'row2');
    const cwd = path.join(work, 'elsewhere');
    await mkdir(cwd);
    const first = await runCli(['train', '--data-dir', data, '--epochs', '2', '--max-steps', '2', '--threads', '1', '--out', out], { env, cwd });
    expect(first.code, first.stderr).toBe(0);
    const hint = /^Resume with: onnx-lenet train (.*)$/m.exec(first.stdout);
    expect(hint?.[1]).toBe(`--resume ${path.join(out, 'lenet.ckpt')}`);
    const resumed = await runCli(['train', ...hint![1].split(' ')], { env, cwd });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`Wrote ${path.join(out, 'lenet.onnx')}`);
    expect(await readdir(cwd)).toEqual([]); // no ./models
    expect(JSON.parse(await readFile(path.join(out, 'metrics.json'), 'utf8'))).toMatchObject({ step: 8, epochs: [{ epoch: 1 }, { epoch: 2 }] });
  }, 90_000);

  test('a new run into a folder holding a trained model is refused before it starts, unless it continues that run or --force', async () => {
    const before = await snapshot(trained);
    const r = await runCli(['train', '--data-dir', data, '--epochs', '1', '--threads', '1', '--out', trained], { env });
    expectOneLineError(r, /lenet\.onnx' is a trained model \(trained for \d+ epochs? on .*\); this run would replace it\. Continue it with --resume .*lenet\.ckpt, train into another --out, or replace it with --force/);
    expect(r.stdout).not.toContain('Training');
    expect(await snapshot(trained)).toEqual(before);
  }, 60_000);

  test('row 3: Ctrl-C before the first step leaves the trained set as it was, even with --force (exit 130)', async () => {
    const before = await snapshot(trained);
    const outcomes: string[] = [];
    // SIGINT 0.3 s after the start; until the CLI has its handler, Node dies of the signal: try a bit later.
    // A cold cache makes start-up (sessions, then decoding mnist-sample) last well over a second.
    for (let delay = 300; delay <= 6000 && !outcomes.includes('130 nothing written'); delay += 400) {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/onnx-lenet.js'), 'train', '--dataset', 'mnist-sample', '--threads', '1', '--out', trained, '--force'], {
        cwd: work, env: { ...process.env, ...env, XDG_CACHE_HOME: path.join(work, `cold-cache-${delay}`) }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
      setTimeout(() => child.kill('SIGINT'), delay);
      const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
      const afterStep = /Stopped at step/.test(stdout); // too late: a step completed, so a new set is right
      outcomes.push(`${code ?? signal}${code === 130 && !afterStep ? ' nothing written' : ''}`);
      if (code === 130 && !afterStep) expect(stdout).toMatch(/Stopped before the first step; nothing was written/);
      if (!afterStep) expect(await snapshot(trained)).toEqual(before);
    }
    console.log(`SIGINT outcomes by 400 ms steps from 0.3 s: ${outcomes.join(', ')}`);
    expect(outcomes).toContain('130 nothing written');
  }, 90_000);

  test.each([
    { name: 'the checkpoint', file: () => path.join(trained, 'lenet.ckpt'), message: /--json-metrics '.*lenet\.ckpt' is .*lenet\.ckpt, which this command also writes or reads/ },
    { name: 'a missing folder', file: () => path.join(work, 'missing', 'steps.jsonl'), message: /--json-metrics '.*steps\.jsonl': its folder cannot be used \(ENOENT\)/ },
    { name: 'a folder', file: () => work, message: /--json-metrics '.*' is a folder; give a file name/ },
  ])('row 4: --json-metrics onto $name is an error before the run', async ({ file, message }) => {
    const before = await snapshot(trained);
    const r = await runCli(['train', '--data-dir', data, '--epochs', '2', '--out', trained, '--json-metrics', file()], { env });
    expectOneLineError(r, message);
    expect(r.stdout).not.toContain('Training');
    expect(await snapshot(trained)).toEqual(before);
  }, 60_000);
});

describe('bad or empty data is an error; --out and the data folder stay as they were', () => {
  test.each([
    { name: 'a label of 12', labelOf: (i: number) => (i === 5 ? 12 : i % 10), train: 20, test: 10, message: /train-labels-idx1-ubyte: expected labels in \[0, 9\], found 12 at index 5/ },
    { name: '0 test images', labelOf: (i: number) => i % 10, train: 20, test: 0, message: /the test split holds 0 images; expected at least 1/ },
  ])('rows 7–8: train and eval on a folder with $name', async ({ name, labelOf, train, test: testCount, message }) => {
    const dir = await idxFolder(path.join(work, name.replace(/\W+/g, '-')), train, testCount, labelOf);
    const dataBefore = await snapshot(dir);
    const before = await snapshot(trained);
    const r = await runCli(['train', '--data-dir', dir, '--epochs', '1', '--threads', '1', '--out', trained, '--force'], { env });
    expectOneLineError(r, message);
    expect(r.stderr).not.toContain('mnist-sample');
    const e = await runCli(['eval', path.join(trained, 'lenet.onnx'), '--data-dir', dir, '--threads', '1'], { env });
    expectOneLineError(e, message);
    expect(e.stdout).not.toMatch(/correct|Accuracy/);
    expect(await snapshot(trained)).toEqual(before);
    expect(await snapshot(dir)).toEqual(dataBefore); // no mnist/, no mnist-sample/
  }, 90_000);
});
