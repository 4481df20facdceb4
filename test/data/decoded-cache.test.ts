import { readFile, readdir, writeFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { DECODED_HEADER_BYTES, decodedCachePath, readDecodedIdx } from '../../src/data/decoded-cache.js';
import { gz, idxImages, idxLabels, tempDir } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterAll(async () => {
  await cleanup();
});

const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => (i * 7) % 10);

async function writeGzFolder(dir: string, train: number, test: number): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gz(idxImages(train)));
  await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gz(idxLabels(labels(train))));
  await writeFile(join(dir, 't10k-images-idx3-ubyte.gz'), gz(idxImages(test)));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gz(idxLabels(labels(test))));
}

describe('decoded-IDX cache', () => {
  it('decodes a gzipped file once, then serves the same bytes and MD5 from the cache', async () => {
    const file = join(root, 'one.gz');
    const raw = idxImages(5);
    await writeFile(file, gz(raw));
    const cache = join(root, 'cache-one');
    const first = await readDecodedIdx(file, cache);
    expect(first.from).toBe('decoded');
    expect(Buffer.from(first.bytes).equals(Buffer.from(raw))).toBe(true);
    const entry = await decodedCachePath(cache, file);
    expect((await stat(entry)).size).toBe(DECODED_HEADER_BYTES + raw.length);
    const second = await readDecodedIdx(file, cache);
    expect(second.from).toBe('cache');
    expect(second.md5).toBe(first.md5);
    expect(Buffer.from(second.bytes).equals(Buffer.from(raw))).toBe(true);
  });

  it('keys entries by the file itself: a rewritten source, even of the same size, never hits the old entry', async () => {
    const file = join(root, 'replaced.gz');
    const cache = join(root, 'cache-replaced');
    await writeFile(file, gz(idxLabels(labels(10))));
    await readDecodedIdx(file, cache);
    const other = idxLabels(labels(10).reverse());
    await writeFile(file, gz(other));
    const again = await readDecodedIdx(file, cache);
    expect(again.from).toBe('decoded');
    expect(Buffer.from(again.bytes).equals(Buffer.from(other))).toBe(true);
    expect(await readdir(cache)).toHaveLength(2);
  });

  it.each([
    ['a flipped body byte', (e: Buffer): Buffer => { e[DECODED_HEADER_BYTES + 20] ^= 0xff; return e; }],
    ['a truncated entry', (e: Buffer): Buffer => e.subarray(0, e.length - 3)],
    ['a foreign file', (e: Buffer): Buffer => Buffer.from(`not a cache entry${e.length}`)],
  ])('discards %s and rebuilds the entry from the source', async (_what, damage) => {
    const file = join(root, 'damaged.gz');
    const raw = idxImages(3);
    await writeFile(file, gz(raw));
    const cache = join(root, `cache-${Math.random().toString(36).slice(2)}`);
    await readDecodedIdx(file, cache);
    const entry = await decodedCachePath(cache, file);
    await writeFile(entry, damage(await readFile(entry)));
    const rebuilt = await readDecodedIdx(file, cache);
    expect(rebuilt.from).toBe('decoded');
    expect(Buffer.from(rebuilt.bytes).equals(Buffer.from(raw))).toBe(true);
    const next = await readDecodedIdx(file, cache);
    expect(next.from).toBe('cache');
    expect(Buffer.from(next.bytes).equals(Buffer.from(raw))).toBe(true);
  });

  it('reads raw files as they are and caches nothing for them', async () => {
    const file = join(root, 'raw-idx');
    await writeFile(file, idxLabels(labels(4)));
    const cache = join(root, 'cache-raw');
    expect((await readDecodedIdx(file, cache)).from).toBe('raw');
    await expect(readdir(cache)).rejects.toThrow(/ENOENT/);
  });

  it('loadDataset puts decoded copies in the cache, never in the data folder, and loads the same data from them', async () => {
    const data = join(root, 'user-data');
    const cacheDir = join(root, 'user-cache');
    await writeGzFolder(data, 20, 8);
    const before = (await readdir(data)).sort();
    const first = await loadDataset({ dataset: 'fashion-mnist', dataDir: data, cacheDir, download: false });
    expect((await readdir(data)).sort()).toEqual(before);
    const entries = await readdir(join(cacheDir, 'decoded'));
    expect(entries.filter((n) => n.endsWith('.idx'))).toHaveLength(4);
    expect(entries.filter((n) => !n.endsWith('.idx'))).toEqual([expect.stringMatching(/^[0-9a-f]{64}\.fingerprint$/)]); // fingerprint.ts
    const second = await loadDataset({ dataset: 'fashion-mnist', dataDir: data, cacheDir, download: false });
    expect(second.source).toBe(first.source);
    expect(Buffer.from(second.train.images).equals(Buffer.from(first.train.images))).toBe(true);
    expect(Array.from(second.test.labels)).toEqual(labels(8));
    const off = await loadDataset({ dataset: 'fashion-mnist', dataDir: data, cacheDir: join(root, 'no-cache'), download: false, decodedCache: false });
    expect(off.train.count).toBe(20);
    await expect(readdir(join(root, 'no-cache'))).rejects.toThrow(/ENOENT/);
  });
});
