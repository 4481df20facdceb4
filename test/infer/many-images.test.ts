/**
 * Issue 14, row 13: `predict` on thousands of images. With 2,500 paths the command line is ~95 KB and
 * onnxruntime-node 1.30 used to crash creating the session (exit 139, no output); a folder or a list file
 * keeps the command line short, and a long one is run from a relaunched child (src/cli/relaunch.ts).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildGraphs } from '../../src/index.js';
import { runCli } from '../helpers/cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-many-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const dir = path.join(work, 'digits');
const model = path.join(work, 'lenet.onnx');
const COUNT = 10_000;
const names: string[] = [];

beforeAll(async () => {
  await buildGraphs({ outDir: work });
  mkdirSync(dir);
  // One 28×28 stroke, written 10,000 times under long names.
  const png = new PNG({ width: 28, height: 28 });
  for (let y = 6; y < 22; y++) png.data.writeUInt32BE(0xffffffff, (y * 28 + 14) * 4);
  const bytes = PNG.sync.write(png);
  for (let i = 0; i < COUNT; i++) {
    const name = `digit-image-with-a-rather-long-name-${String(i).padStart(5, '0')}.png`;
    writeFileSync(path.join(dir, name), bytes);
    names.push(name);
  }
  writeFileSync(path.join(dir, 'README.txt'), 'not an image: skipped when the folder is read');
}, 120_000);

const lines = (stdout: string): string[] => stdout.trim().split('\n').slice(1); // after "Model: …"

describe('predict on many images', () => {
  test('a folder of 10,000 images', async () => {
    const t0 = performance.now();
    const r = await runCli(['predict', model, dir]);
    expect(r.code, r.stderr).toBe(0);
    const out = lines(r.stdout);
    expect(out).toHaveLength(COUNT);
    expect(out[0]).toMatch(/digit-image-with-a-rather-long-name-00000\.png {2}\d {2}\d+\.\d%/);
    console.log(`predict on a folder of ${COUNT} PNGs: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }, 120_000);

  test('2,500 paths on the command line (~140 KB) no longer crash', async () => {
    const files = names.slice(0, 2500).map((n) => path.join(dir, n));
    expect(files.join(' ').length).toBeGreaterThan(30_000);
    const r = await runCli(['predict', model, ...files]);
    expect(r.signal).toBeNull();
    expect(r.code, r.stderr).toBe(0);
    expect(lines(r.stdout)).toHaveLength(2500);
  }, 120_000);

  test('--list: paths relative to the list file, # comments skipped', async () => {
    const list = path.join(work, 'list.txt');
    writeFileSync(list, `# three digits\ndigits/${names[0]}\n\ndigits/${names[1]}\n${path.join(dir, names[2]!)}\n`);
    const r = await runCli(['predict', model, '--list', list, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { predictions } = JSON.parse(r.stdout) as { predictions: { file: string }[] };
    expect(predictions.map((p) => path.basename(p.file))).toEqual(names.slice(0, 3));
  });
});
