/**
 * Issue 14, rows 7–8: bad data is an error with the reason, never swapped for the bundled digits; a
 * folder the user names is only read; an empty split is an error. The CLI side is in test/train/safety-cli.test.ts.
 */
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { idxImages, idxLabels, tempDir } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => i % 10);
type Files = Record<'train-images-idx3-ubyte' | 'train-labels-idx1-ubyte' | 't10k-images-idx3-ubyte' | 't10k-labels-idx1-ubyte', Uint8Array>;
const good = (): Files => ({
  'train-images-idx3-ubyte': idxImages(20), 'train-labels-idx1-ubyte': idxLabels(labels(20)),
  't10k-images-idx3-ubyte': idxImages(10), 't10k-labels-idx1-ubyte': idxLabels(labels(10)),
});

/** Each way a folder of IDX files can be damaged, and the reason the error must give. */
const DAMAGED: { name: string; patch: (f: Files) => Partial<Files> & Record<string, Uint8Array>; reason: RegExp }[] = [
  { name: 'truncated gz', patch: (f) => ({ 'train-images-idx3-ubyte.gz': gzipSync(f['train-images-idx3-ubyte']).subarray(0, 200) }), reason: /train-images-idx3-ubyte\.gz: expected a valid gzip stream, found a damaged one/ },
  { name: 'wrong magic', patch: (f) => ({ 't10k-labels-idx1-ubyte': f['t10k-images-idx3-ubyte'] }), reason: /t10k-labels-idx1-ubyte: expected IDX labels \(magic 2049/ },
  { name: 'count mismatch', patch: () => ({ 'train-labels-idx1-ubyte': idxLabels(labels(19)) }), reason: /holds 20 images but .* holds 19 labels/ },
  { name: '32×32 images', patch: () => ({ 'train-images-idx3-ubyte': idxImages(20, undefined, 32, 32) }), reason: /expected 28x28 images, found 32x32/ },
  { name: 'a label of 12', patch: () => ({ 'train-labels-idx1-ubyte': idxLabels([...labels(19), 12]) }), reason: /expected labels in \[0, 9\], found 12 at index 19/ },
  { name: 'random bytes', patch: () => ({ 't10k-images-idx3-ubyte': Uint8Array.from({ length: 5000 }, (_, i) => (i * 2654435761) >>> 24) }), reason: /t10k-images-idx3-ubyte: expected IDX images/ },
  // 300 gzip members of 1 MiB of zeros each (300 KB on disk): more than MAX_IDX_BYTES once inflated.
  { name: 'a gzip bomb', patch: () => ({ 'train-images-idx3-ubyte.gz': Buffer.concat(new Array(300).fill(gzipSync(Buffer.alloc(1 << 20)))) }), reason: /train-images-idx3-ubyte\.gz: expected a valid gzip stream, found a damaged one/ },
];

async function writeFolder(dir: string, files: Record<string, Uint8Array>): Promise<void> {
  await mkdir(dir, { recursive: true });
  for (const [name, bytes] of Object.entries(files)) await writeFile(join(dir, name), bytes);
}

describe('a damaged folder the user named is an error with the reason; nothing is written into it', () => {
  it.each(DAMAGED)('$name', async ({ name, patch, reason }) => {
    const dir = join(root, name.replace(/\W+/g, '-'));
    const base = good();
    const patched = patch(base);
    // A patched .gz replaces the raw file of the same role.
    const files: Record<string, Uint8Array> = { ...base };
    for (const key of Object.keys(patched)) delete files[key.replace(/\.gz$/, '')];
    await writeFolder(dir, { ...files, ...patched });
    const before = (await readdir(dir)).sort();
    const warnings: string[] = [];
    for (const dataset of ['mnist', 'fashion-mnist'] as const) {
      await expect(loadDataset({ dataset, dataDir: dir, cacheDir: join(root, 'cache'), onWarning: (m) => warnings.push(m) })).rejects.toThrow(reason);
    }
    expect(warnings).toEqual([]);
    expect((await readdir(dir)).sort()).toEqual(before); // no mnist/, no mnist-sample/
  }, 30_000);

  it('a folder that is a file, a missing folder, a folder without the files: errors, no fallback, no download', async () => {
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await expect(loadDataset({ dataDir: file })).rejects.toThrow(/data folder '.*a-file' is a file, not a folder/);
    await expect(loadDataset({ dataDir: join(root, 'missing') })).rejects.toThrow(/data folder '.*missing' cannot be read \(ENOENT\)/);
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(loadDataset({ dataDir: empty, mirrors: ['http://127.0.0.1:9/'] }))
      .rejects.toThrow(/data folder '.*empty' holds no IDX files, and neither does .*empty\/mnist\/; .*onnx-lenet data --dataset mnist --download --data-dir/);
    await writeFolder(join(root, 'three'), { 'train-images-idx3-ubyte': idxImages(2), 'train-labels-idx1-ubyte': idxLabels([1, 2]), 't10k-images-idx3-ubyte': idxImages(1) });
    await expect(loadDataset({ dataDir: join(root, 'three') })).rejects.toThrow(/lacks test-labels, and neither/);
    expect(await readdir(empty)).toEqual([]);
  });

  it('mnist-sample with a data folder keeps its decoded copy in our cache, not in that folder', async () => {
    const dir = join(root, 'user-data');
    await writeFolder(dir, good());
    const cache = join(root, 'sample-cache');
    const ds = await loadDataset({ dataset: 'mnist-sample', dataDir: dir, cacheDir: cache });
    expect(ds.train.count).toBe(8004);
    expect(await readdir(dir)).not.toContain('mnist-sample');
    expect(await readdir(cache)).toEqual(['mnist-sample']);
  });
});

describe('the bundled fallback only replaces absent default data', () => {
  it('a damaged file in our cache is an error, not the fallback', async () => {
    const cache = join(root, 'cache-damaged');
    const dir = join(cache, 'mnist');
    await writeFolder(dir, { 'train-images-idx3-ubyte.gz': Buffer.from('not gzip at all'), 'train-labels-idx1-ubyte.gz': gzipSync(idxLabels([1])),
      't10k-images-idx3-ubyte.gz': gzipSync(idxImages(1)), 't10k-labels-idx1-ubyte.gz': gzipSync(idxLabels([1])) });
    const warnings: string[] = [];
    await expect(loadDataset({ cacheDir: cache, download: false, onWarning: (m) => warnings.push(m) })).rejects.toThrow(/train-images-idx3-ubyte\.gz: expected IDX images/);
    expect(warnings).toEqual([]);
  });

  it('absent from our cache and no download: one warning, then mnist-sample', async () => {
    const warnings: string[] = [];
    const ds = await loadDataset({ cacheDir: join(root, 'cache-absent'), download: false, onWarning: (m) => warnings.push(m) });
    expect(ds.name).toBe('mnist-sample');
    expect(warnings).toHaveLength(1);
  });
});

describe('empty splits are errors (row 8)', () => {
  it.each([
    { train: 0, test: 5, what: 'training' },
    { train: 5, test: 0, what: 'test' },
  ])('$train train / $test test images', async ({ train, test, what }) => {
    const dir = join(root, `empty-${train}-${test}`);
    await writeFolder(dir, { 'train-images-idx3-ubyte': idxImages(train), 'train-labels-idx1-ubyte': idxLabels(labels(train)),
      't10k-images-idx3-ubyte': idxImages(test), 't10k-labels-idx1-ubyte': idxLabels(labels(test)) });
    await expect(loadDataset({ dataDir: dir })).rejects.toThrow(new RegExp(`folder .*: the ${what} split holds 0 images; expected at least 1`));
  });
});
