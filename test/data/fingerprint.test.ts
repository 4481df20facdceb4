/**
 * The training split's fingerprint kept in the decoded-IDX cache (src/data/fingerprint.ts): later loads
 * take it from the record instead of hashing the images, and it is never wrong — other data, a damaged
 * record, a split made from the loaded one all get the fingerprint of their own bytes.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDataset, splitFingerprint } from '../../src/data/dataset.js';
import { carveValidation } from '../../src/data/split.js';
import type { Split } from '../../src/data/types.js';
import { gz, idxImages, idxLabels, tempDir } from './helpers.js';

let root: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir('onnx-lenet-fingerprint-'));
});
afterAll(async () => {
  await cleanup();
});

/** What the fingerprint is, computed here from the split's bytes. */
const hashed = (split: Split): string => createHash('md5').update(split.labels).update(split.images).digest('hex');

const labels = (n: number, shift = 0): number[] => Array.from({ length: n }, (_, i) => (i * 7 + shift) % 10);

async function writeFolder(dir: string, pixel?: (i: number, k: number) => number, shift = 0): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gz(idxImages(40, pixel)));
  await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gz(idxLabels(labels(40, shift))));
  await writeFile(join(dir, 't10k-images-idx3-ubyte.gz'), gz(idxImages(8)));
  await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gz(idxLabels(labels(8))));
}

const load = (dataDir: string, cacheDir: string): ReturnType<typeof loadDataset> => loadDataset({ dataset: 'fashion-mnist', dataDir, cacheDir, download: false });
const recordsIn = async (cacheDir: string): Promise<string[]> => (await readdir(join(cacheDir, 'decoded'))).filter((n) => n.endsWith('.fingerprint'));

describe('training-split fingerprint', () => {
  it('is recorded on the first load and read back on later ones', async () => {
    const data = join(root, 'a');
    const cacheDir = join(root, 'cache-a');
    await writeFolder(data);
    const first = await load(data, cacheDir);
    expect(splitFingerprint(first.train)).toBe(hashed(first.train));
    const [name] = await recordsIn(cacheDir);
    const record = join(cacheDir, 'decoded', name);
    // A record that says otherwise, with its check right, is believed: so later loads do read it instead of hashing.
    const text = await readFile(record, 'latin1');
    const recorded = text.split('\n')[0];
    const other = 'f'.repeat(32);
    const check = createHash('sha256').update(`split-fingerprint-1\0${createHash('md5').update(idxLabels(labels(40))).digest('hex')}\0${createHash('md5').update(idxImages(40)).digest('hex')}\0${other}`).digest('hex');
    await writeFile(record, `${other}\n${check}\n`);
    expect(splitFingerprint((await load(data, cacheDir)).train)).toBe(other);
    await writeFile(record, text);
    expect(splitFingerprint((await load(data, cacheDir)).train)).toBe(recorded);
  });

  it.each([
    ['a changed fingerprint', (t: string): string => `0${t.slice(1)}`],
    ['a truncated record', (t: string): string => t.slice(0, 40)],
    ['a foreign file', (): string => 'not a fingerprint record\n'],
  ])('%s is not believed: the split is hashed and the record rewritten', async (_what, damage) => {
    const data = join(root, `b-${_what.replace(/\W/g, '')}`);
    const cacheDir = join(root, `cache-b-${_what.replace(/\W/g, '')}`);
    await writeFolder(data);
    await load(data, cacheDir);
    const record = join(cacheDir, 'decoded', (await recordsIn(cacheDir))[0]);
    const good = await readFile(record, 'latin1');
    await writeFile(record, damage(good));
    const again = await load(data, cacheDir);
    expect(splitFingerprint(again.train)).toBe(hashed(again.train));
    expect(await readFile(record, 'latin1')).toBe(good);
  });

  it('other data of the same size gets its own fingerprint, through the same cache', async () => {
    const cacheDir = join(root, 'cache-c');
    const one = join(root, 'c1');
    const two = join(root, 'c2');
    await writeFolder(one);
    await writeFolder(two, (i, k) => (i * 5 + k) & 0xff); // other images, same labels
    const three = join(root, 'c3');
    await writeFolder(three, undefined, 3); // same images, other labels
    const a = await load(one, cacheDir);
    const b = await load(two, cacheDir);
    const c = await load(three, cacheDir);
    for (const d of [a, b, c]) expect(splitFingerprint(d.train)).toBe(hashed(d.train));
    expect(new Set([a, b, c].map((d) => splitFingerprint(d.train))).size).toBe(3);
    expect(await recordsIn(cacheDir)).toHaveLength(3);
    // Loaded again (from the records), still each its own.
    for (const [dir, d] of [[one, a], [two, b], [three, c]] as const) expect(splitFingerprint((await load(dir, cacheDir)).train)).toBe(hashed(d.train));
  });

  it('a split made from the loaded one (a validation carve) is hashed, never given the whole split\'s', async () => {
    const data = join(root, 'd');
    const cacheDir = join(root, 'cache-d');
    await writeFolder(data);
    await load(data, cacheDir);
    const loaded = await load(data, cacheDir);
    const carved = carveValidation(loaded.train, { fraction: 0.25, seed: 1 });
    expect(splitFingerprint(carved.train)).toBe(hashed(carved.train));
    expect(splitFingerprint(carved.train)).not.toBe(splitFingerprint(loaded.train));
  });

  it('without the decoded cache nothing is recorded and the split is hashed', async () => {
    const data = join(root, 'e');
    await writeFolder(data);
    const cacheDir = join(root, 'cache-e');
    const d = await loadDataset({ dataset: 'fashion-mnist', dataDir: data, cacheDir, download: false, decodedCache: false });
    expect(splitFingerprint(d.train)).toBe(hashed(d.train));
    await expect(readdir(cacheDir)).rejects.toThrow(/ENOENT/);
  });
});
