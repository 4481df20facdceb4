import { readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { labelHistogram } from '../../src/data/dataset.js';
import { decodeMnistSampleJson, loadMnistSample, MNIST_SAMPLE_COUNTS, mnistSampleCachePath, splitMnistSample, type MnistSampleRaw } from '../../src/data/mnist-sample.js';
import { md5, tempDir } from './helpers.js';

const digitsDir = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');

let raw: MnistSampleRaw;
beforeAll(async () => {
  raw = await decodeMnistSampleJson();
});

describe('mnist-sample', () => {
  it('has 10,000 images with the published per-digit counts', () => {
    expect(raw.labels.length).toBe(10_000);
    expect(raw.images.length).toBe(10_000 * 784);
    expect(labelHistogram({ images: raw.images, labels: raw.labels, count: 10_000 })).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
  });

  it('recovers every pixel byte exactly as Math.round(v*255), and the floats are exactly byte/255 to 3 decimals', async () => {
    let offset = 0;
    for (let d = 0; d < 10; d++) {
      const data = (JSON.parse(await readFile(join(digitsDir, `${d}.json`), 'utf8')) as { data: number[] }).data;
      for (let k = 0; k < data.length; k++) {
        const byte = raw.images[offset + k];
        if (byte !== Math.round(data[k] * 255) || Number((byte / 255).toFixed(3)) !== data[k]) {
          throw new Error(`digit ${d} value ${k}: ${data[k]} decoded as ${byte}`);
        }
      }
      offset += data.length;
    }
    expect(offset).toBe(10_000 * 784);
  });

  it('splits each digit: image i goes to test when i % 5 === 4; digit 0 first, then 1 … 9', () => {
    const { train, test } = splitMnistSample(raw);
    const testCounts = MNIST_SAMPLE_COUNTS.map((c) => Math.floor(c / 5));
    expect(labelHistogram(test)).toEqual(testCounts);
    expect(labelHistogram(train)).toEqual(MNIST_SAMPLE_COUNTS.map((c, d) => c - testCounts[d]));
    expect([train.count, test.count]).toEqual([8004, 1996]);
    const image = (images: Uint8Array, i: number): Uint8Array => images.subarray(i * 784, (i + 1) * 784);
    // test[0] is digit 0's image 4; test[200] is digit 1's image 4; train[4] is digit 0's image 5.
    expect(md5(image(test.images, 0))).toBe(md5(image(raw.images, 4)));
    expect(md5(image(test.images, 200))).toBe(md5(image(raw.images, 1001 + 4)));
    expect(md5(image(train.images, 4))).toBe(md5(image(raw.images, 5)));
    expect(Array.from(train.labels).every((l, i, a) => i === 0 || a[i - 1] <= l)).toBe(true); // grouped by digit
  });
});

describe('mnist-sample decoded cache', () => {
  const tmp = tempDir();
  afterAll(async () => (await tmp).cleanup());

  it('writes the cache once, then reads the same splits from it', async () => {
    const { dir } = await tmp;
    const first = await loadMnistSample({ cacheRoot: dir });
    expect(first.source).toContain('digits');
    const second = await loadMnistSample({ cacheRoot: dir });
    expect(second.source).toContain(`decoded cache ${mnistSampleCachePath(dir)}`);
    // Compare digests: vitest's deep equality is very slow on megabyte typed arrays.
    expect(md5(second.train.images)).toBe(md5(first.train.images));
    expect(md5(second.test.images)).toBe(md5(first.test.images));
    expect(md5(second.train.labels) + md5(second.test.labels)).toBe(md5(first.train.labels) + md5(first.test.labels));
  });

  it('a damaged cache file is ignored and the JSON is decoded again', async () => {
    const { dir } = await tmp;
    const path = mnistSampleCachePath(dir);
    const bytes = await readFile(path);
    bytes[bytes.length - 1] ^= 0xff;
    await writeFile(path, bytes);
    const again = await loadMnistSample({ cacheRoot: dir });
    expect(again.source).toContain('digits');
    expect(again.train.count).toBe(8004);
  });

  it('an unwritable cache root still loads (the cache only saves time)', async () => {
    const { dir } = await tmp;
    const file = join(dir, 'a-file');
    await writeFile(file, 'not a folder');
    const sample = await loadMnistSample({ cacheRoot: file });
    expect(sample.test.count).toBe(1996);
  });
});
