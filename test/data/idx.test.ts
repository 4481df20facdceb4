import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { IdxFormatError, IMAGE_PIXELS, parseIdxImages, parseIdxLabels, readIdxImages, readIdxLabels } from '../../src/data/idx.js';
import { Mt19937 } from '../../src/util/rng.js';
import { gz, idxImages, idxLabels, tempDir } from './helpers.js';

const images3 = idxImages(3);
const labels3 = idxLabels([0, 9, 4]);

describe('IDX reader: valid files', () => {
  it.each([
    ['raw', images3],
    ['gzipped', gz(images3)],
  ])('reads %s images', (_kind, bytes) => {
    const parsed = parseIdxImages(bytes, 'x');
    expect(parsed).toMatchObject({ count: 3, rows: 28, cols: 28 });
    expect(parsed.data.length).toBe(3 * 784);
    expect(parsed.data[784 + 5]).toBe((7 + 5) & 0xff);
  });

  it.each([
    ['raw', labels3],
    ['gzipped', gz(labels3)],
  ])('reads %s labels', (_kind, bytes) => {
    expect(Array.from(parseIdxLabels(bytes, 'x').data)).toEqual([0, 9, 4]);
  });

  it('reads zero images', () => {
    expect(parseIdxImages(idxImages(0), 'x').count).toBe(0);
  });

  const tmp = tempDir();
  afterAll(async () => (await tmp).cleanup());
  it('reads files from disk, gzip detected by content not by name', async () => {
    const { dir } = await tmp;
    await writeFile(join(dir, 'images.raw'), gz(images3));
    await writeFile(join(dir, 'labels.gz'), labels3);
    expect((await readIdxImages(join(dir, 'images.raw'))).count).toBe(3);
    expect((await readIdxLabels(join(dir, 'labels.gz'))).count).toBe(3);
  });

  it('names a missing file', async () => {
    await expect(readIdxImages('/nonexistent/t10k-images-idx3-ubyte.gz')).rejects.toThrow(/\/nonexistent\/t10k-images-idx3-ubyte\.gz: expected a readable IDX file, found ENOENT/);
  });
});

describe('IDX reader: clear one-line errors', () => {
  const withCount = (b: Buffer, count: number): Buffer => {
    const copy = Buffer.from(b);
    copy.writeUInt32BE(count, 4);
    return copy;
  };
  it.each([
    ['labels given as images', () => parseIdxImages(labels3, 'f'), /f: expected IDX images \(magic 2051 = 0x00000803\), found magic 2049 = 0x00000801/],
    ['images given as labels', () => parseIdxLabels(images3, 'f'), /expected IDX labels \(magic 2049 = 0x00000801\), found magic 2051/],
    ['wrong image size', () => parseIdxImages(idxImages(2, () => 0, 32, 32), 'f'), /expected 28x28 images, found 32x32/],
    ['truncated header', () => parseIdxImages(images3.subarray(0, 10), 'f'), /16-byte header, found only 10 bytes; the file is truncated/],
    ['truncated body', () => parseIdxImages(images3.subarray(0, 1000), 'f'), /expected 2368 bytes .*found 1000; the file is truncated/],
    ['trailing bytes', () => parseIdxLabels(Buffer.concat([labels3, Buffer.from([1])]), 'f'), /expected 11 bytes .*found 12; the file has trailing bytes/],
    ['count larger than the file', () => parseIdxLabels(withCount(labels3, 4_000_000_000), 'f'), /expected 4000000008 bytes/],
    ['label out of range', () => parseIdxLabels(idxLabels([1, 10]), 'f'), /expected labels in \[0, 9\], found 10 at index 1/],
    ['damaged gzip', () => parseIdxImages(gz(images3).subarray(0, 40), 'f'), /f: expected a valid gzip stream, found a damaged one/],
  ])('%s', (_name, fn, message) => {
    let error: unknown;
    try {
      fn();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
  });
});

describe('IDX reader: fuzz', () => {
  /** Either a consistent result or an IdxFormatError; anything else fails the test. */
  /** Either a consistent result or an IdxFormatError; anything else fails the test. (Plain checks: `expect` is slow in a hot loop.) */
  function check(bytes: Uint8Array, kind: 'images' | 'labels'): 'ok' | 'error' {
    try {
      const r = kind === 'images' ? parseIdxImages(bytes, 'fuzz') : parseIdxLabels(bytes, 'fuzz');
      const size = kind === 'images' ? r.count * IMAGE_PIXELS : r.count;
      if (r.data.length !== size) throw new Error(`inconsistent result: ${r.data.length} bytes for ${size}`);
      if (kind === 'labels' && r.data.some((l) => l > 9)) throw new Error('label out of range accepted');
      return 'ok';
    } catch (error) {
      if (!(error instanceof IdxFormatError)) throw error;
      if (error.message.includes('\n') || !error.message.startsWith('fuzz: expected')) throw new Error(`bad message: ${error.message}`);
      return 'error';
    }
  }

  function mutate(rng: Mt19937, base: Uint8Array): Uint8Array {
    const mode = rng.nextInt(4);
    if (mode === 0) return Uint8Array.from({ length: rng.nextInt(64) }, () => rng.nextInt(256)); // random bytes
    if (mode === 1) return base.subarray(0, rng.nextInt(base.length)); // truncated
    const out = Uint8Array.from(base);
    const flips = 1 + rng.nextInt(mode === 2 ? 1 : 8);
    for (let f = 0; f < flips; f++) {
      // Mostly in the header, where the interesting checks are.
      const at = rng.nextInt(2) === 0 ? rng.nextInt(Math.min(20, out.length)) : rng.nextInt(out.length);
      out[at] ^= 1 << rng.nextInt(8);
    }
    return out;
  }

  it('never crashes or hangs on 4,000 random, truncated and bit-flipped inputs', () => {
    const rng = new Mt19937(1234);
    const bases: [Uint8Array, 'images' | 'labels'][] = [
      [idxImages(2), 'images'],
      [gz(idxImages(2)), 'images'],
      [idxLabels([3, 1, 4, 1, 5]), 'labels'],
      [gz(idxLabels([3, 1, 4, 1, 5])), 'labels'],
    ];
    const tally = { ok: 0, error: 0 };
    for (let n = 0; n < 4000; n++) {
      const [base, kind] = bases[n % bases.length];
      tally[check(mutate(rng, base), kind)]++;
    }
    // never hangs: the test's own timeout; speed belongs to the bench
    expect(tally.error).toBeGreaterThan(2000);
    expect(tally.ok).toBeGreaterThan(50); // bit flips in pixels / labels 0..7 still parse
  });
});
