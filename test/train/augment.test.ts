/**
 * Known answers for augmentation (src/train/augment.ts). The seed's `--augment`: each image is shifted by
 * (dx, dy) drawn as nextInt(5) − 2 (x first, then y), the uncovered border filled with 0; a scripted
 * generator fixes the offsets so the expected images are written out by hand. The affine/elastic warp:
 * identity, whole-pixel shift, 90° rotation, scaling and a uniform elastic move, each against the pixels
 * it must give; the draws' ranges and determinism; and warping in the runner's parts equals warping here.
 */
import { describe, expect, it, test } from 'vitest';
import type { Batch } from '../../src/data/batches.js';
import { ELASTIC_GRID, SHIFT_ONLY, checkAugmentRange, drawAffine, paramsPerImage, shiftBatch, warpImage, warpImages, warpImagesInto } from '../../src/train/augment.js';
import { BatchAugmenter } from '../../src/train/augmenter.js';
import { Mt19937 } from '../../src/util/rng.js';

/** A generator whose nextInt returns `values` in order (and checks the range it is asked for). */
function scripted(values: number[]): Mt19937 {
  const queue = [...values];
  return { nextInt: (n: number) => { expect(n).toBe(5); const v = queue.shift(); if (v === undefined) throw new Error('script exhausted'); return v; } } as unknown as Mt19937;
}

/** A batch of `size` images, image k with value k+1 at (x, y) = (10, 12) and 0.5 at (0, 0). */
function batch(size: number): Batch {
  const images = new Float32Array(size * 784);
  for (let k = 0; k < size; k++) {
    images[k * 784 + 12 * 28 + 10] = k + 1;
    images[k * 784] = 0.5;
  }
  return { images, labels: new Int32Array(size), size };
}

const nonzero = (b: Batch, k: number): [number, number, number][] => {
  const out: [number, number, number][] = [];
  for (let p = 0; p < 784; p++) { const v = b.images[k * 784 + p]; if (v !== 0) out.push([p % 28, Math.floor(p / 28), v]); }
  return out;
};

describe('shiftBatch (the seed\'s --augment)', () => {
  it('shifts by (nextInt(5) − 2, nextInt(5) − 2): right/up, left/down, none; what leaves the image is dropped', () => {
    const b = batch(3);
    shiftBatch(b, scripted([4, 1, 0, 3, 2, 2]), 2); // (dx, dy) = (+2, −1), (−2, +1), (0, 0)
    expect(nonzero(b, 0)).toEqual([[12, 11, 1]]);             // (10,12) → (12,11); (0,0) → (2,−1): gone
    expect(nonzero(b, 1)).toEqual([[8, 13, 2]]);              // (10,12) → (8,13); (0,0) → (−2,1): gone
    expect(nonzero(b, 2)).toEqual([[0, 0, 0.5], [10, 12, 3]]); // unchanged
  });

  it('a shift fills the uncovered rows and columns with 0', () => {
    const b = { images: new Float32Array(784).fill(1), labels: new Int32Array(1), size: 1 };
    shiftBatch(b, scripted([3, 0]), 2); // (dx, dy) = (+1, −2)
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) expect(b.images[y * 28 + x], `(${x}, ${y})`).toBe(x === 0 || y >= 26 ? 0 : 1);
    }
  });

  it('with a real seeded generator: offsets in [−2, 2]², all 25 used, about equally often', () => {
    const rng = new Mt19937(7);
    const counts = new Map<string, number>();
    const n = 5000;
    const b = { images: new Float32Array(n * 784), labels: new Int32Array(n), size: n };
    for (let k = 0; k < n; k++) b.images[k * 784 + 14 * 28 + 14] = 1; // one pixel at the centre
    shiftBatch(b, rng, 2);
    for (let k = 0; k < n; k++) {
      const [[x, y]] = nonzero(b, k);
      counts.set(`${x - 14},${y - 14}`, (counts.get(`${x - 14},${y - 14}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(25);
    for (const [offset, c] of counts) {
      const [dx, dy] = offset.split(',').map(Number);
      expect(Math.max(Math.abs(dx), Math.abs(dy))).toBeLessThanOrEqual(2);
      expect(c, offset).toBeGreaterThan(n / 25 / 2);
      expect(c, offset).toBeLessThan((n / 25) * 2);
    }
  });
});

/** An image whose pixel (x, y) is f(x, y). */
const imageOf = (f: (x: number, y: number) => number): Float32Array => Float32Array.from({ length: 784 }, (_, p) => f(p % 28, Math.floor(p / 28)));
/** Warp parameters of one image: θ (radians), s, tx, ty, then the elastic grid's if given. */
const params = (theta: number, s: number, tx: number, ty: number, grid: number[] = []): Float64Array => Float64Array.from([theta, s, tx, ty, ...grid]);
const warped = (image: Float32Array, p: Float64Array): Float32Array => {
  const out = new Float32Array(784);
  warpImage(image, p, 0, p.length, out);
  return out;
};
/** A pattern with no symmetry: every pixel differs. */
const pattern = imageOf((x, y) => ((x * 7 + y * 13) % 29) / 29 + x / 1000);

describe('warpImage (affine and elastic augmentation), known answers', () => {
  test('identity parameters give the same image, bit for bit', () => {
    expect(warped(pattern, params(0, 1, 0, 0))).toEqual(pattern);
  });

  test('a whole-pixel shift equals shiftBatch\'s, background 0 where the image is uncovered', () => {
    const viaShift = { images: pattern.slice(), labels: new Int32Array(1), size: 1 };
    shiftBatch(viaShift, scripted([2 + 2, 2 - 1]), 2); // (dx, dy) = (+2, −1)
    expect(warped(pattern, params(0, 1, 2, -1))).toEqual(viaShift.images);
  });

  test('a 90° rotation maps pixel (x, y) to the input\'s (y, 27 − x)', () => {
    const out = warped(pattern, params(Math.PI / 2, 1, 0, 0));
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) expect(out[y * 28 + x], `(${x}, ${y})`).toBeCloseTo(pattern[(27 - x) * 28 + y], 6);
    }
  });

  test('scaling by 2 about the centre: bilinear sampling reproduces a linear ramp exactly', () => {
    const ramp = imageOf((x) => x / 27);
    const out = warped(ramp, params(0, 2, 0, 0));
    for (let x = 0; x < 28; x++) expect(out[5 * 28 + x], `x ${x}`).toBeCloseTo((13.5 + (x - 13.5) / 2) / 27, 6);
  });

  test('shrinking fills the border with background 0', () => {
    const ones = imageOf(() => 1);
    const out = warped(ones, params(0, 0.5, 0, 0));
    expect(out[0]).toBe(0);
    expect(out[14 * 28 + 14]).toBe(1);
  });

  test('an elastic grid moved by (1, 0) everywhere is a shift one pixel to the left', () => {
    const grid = Array.from({ length: ELASTIC_GRID * ELASTIC_GRID }, () => [1, 0]).flat();
    expect(warped(pattern, params(0, 1, 0, 0, grid))).toEqual(warped(pattern, params(0, 1, -1, 0)));
  });
});

/**
 * The warp as the module comment defines it, pixel by pixel with every tap checked: what warpImage's
 * shortcuts (zero-bordered copy, non-zero box, separable grid) must reproduce.
 */
function referenceWarp(image: Float32Array, p: Float64Array): Float32Array {
  const out = new Float32Array(784);
  const [theta, s, tx, ty] = p;
  const c = 13.5;
  const at = (x: number, y: number): number => (x >= 0 && x < 28 && y >= 0 && y < 28 ? image[y * 28 + x] : 0);
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      const [dx, dy] = [x - c - tx, y - c - ty];
      let sx = (Math.cos(theta) * dx + Math.sin(theta) * dy) / s + c;
      let sy = (-Math.sin(theta) * dx + Math.cos(theta) * dy) / s + c;
      if (p.length > 4) {
        const [gx, gy] = [(x * 4) / 27, (y * 4) / 27];
        const [ix, iy] = [Math.min(Math.floor(gx), 3), Math.min(Math.floor(gy), 3)];
        const [fx, fy] = [gx - ix, gy - iy];
        const g = (i: number, j: number, k: number): number => p[4 + 2 * (j * ELASTIC_GRID + i) + k];
        for (const k of [0, 1]) {
          const d = (1 - fx) * (1 - fy) * g(ix, iy, k) + fx * (1 - fy) * g(ix + 1, iy, k) + (1 - fx) * fy * g(ix, iy + 1, k) + fx * fy * g(ix + 1, iy + 1, k);
          if (k === 0) sx += d;
          else sy += d;
        }
      }
      const [x0, y0] = [Math.floor(sx), Math.floor(sy)];
      const [fx, fy] = [sx - x0, sy - y0];
      out[y * 28 + x] = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) + fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
    }
  }
  return out;
}

describe('warpImage against its definition', () => {
  const rng = new Mt19937(11);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * (rng.nextUint32() / 0x100000000);
  /** A digit-like image: a filled ellipse of random size anywhere (touching the border too) on background 0. */
  const blob = (): Float32Array => {
    const [cx, cy, rx, ry] = [uniform(-3, 30), uniform(-3, 30), uniform(1, 12), uniform(1, 12)];
    return imageOf((x, y) => Math.max(0, 1 - ((x - cx) / rx) ** 2 - ((y - cy) / ry) ** 2));
  };
  const images = [imageOf(() => 0), imageOf(() => 1), pattern, imageOf((x, y) => (x === 27 && y === 0 ? 1 : 0)), ...Array.from({ length: 60 }, blob)];

  test.each([
    ['the strong recipe\'s ranges', { rotate: 15, scale: 0.15, shift: 2, elastic: 2 }],
    ['the widest ranges checkAugmentRange allows', { rotate: 180, scale: 0.9, shift: 27, elastic: 8 }],
    ['affine only', { rotate: 45, scale: 0.5, shift: 6, elastic: 0 }],
  ])('%s: the same pixels within 1e-6, also when warped in place in a batch', (_, range) => {
    const stride = paramsPerImage(range);
    const p = new Float64Array(images.length * stride);
    drawAffine(rng, range, images.length, p);
    images.forEach((image, k) => {
      const one = p.slice(k * stride, (k + 1) * stride);
      const want = referenceWarp(image, one);
      const got = warped(image, one);
      let worst = 0;
      for (let i = 0; i < 784; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
      expect(worst, `image ${k}`).toBeLessThan(1e-6);
    });
    const batchOf = new Float32Array(images.length * 784);
    images.forEach((image, k) => batchOf.set(image, k * 784));
    const into = new Float32Array(batchOf.length).fill(Number.NaN);
    warpImagesInto(batchOf, p, stride, images.length, into);
    warpImages(batchOf, p, stride, 0, images.length);
    images.forEach((image, k) => expect(batchOf.subarray(k * 784, (k + 1) * 784), `image ${k} warped in its batch`).toEqual(warped(image, p.slice(k * stride, (k + 1) * stride))));
    expect(into, 'warped into another buffer').toEqual(batchOf);
  });

  test('warpImagesInto refuses to warp a buffer into itself', () => {
    const batch = new Float32Array(2 * 784);
    expect(() => warpImagesInto(batch.subarray(0, 784), new Float64Array(4), 4, 1, batch.subarray(784))).toThrow(/different buffers/);
  });
});

describe('drawAffine', () => {
  const range = { shift: 2, rotate: 10, scale: 0.1, elastic: 1.5 };
  test('draws within the ranges, both signs, the same for the same seed', () => {
    const n = 500;
    const stride = paramsPerImage(range);
    expect(stride).toBe(4 + 2 * ELASTIC_GRID * ELASTIC_GRID);
    const a = new Float64Array(n * stride);
    const b = new Float64Array(n * stride);
    drawAffine(new Mt19937(5), range, n, a);
    drawAffine(new Mt19937(5), range, n, b);
    expect(b).toEqual(a);
    const column = (k: number): number[] => Array.from({ length: n }, (_, i) => a[i * stride + k]);
    const within = (k: number, lo: number, hi: number): void => {
      const c = column(k);
      expect(Math.min(...c)).toBeGreaterThanOrEqual(lo);
      expect(Math.max(...c)).toBeLessThanOrEqual(hi);
      expect(Math.min(...c)).toBeLessThan(lo + (hi - lo) / 10);
      expect(Math.max(...c)).toBeGreaterThan(hi - (hi - lo) / 10);
    };
    within(0, -Math.PI / 18, Math.PI / 18);
    within(1, 0.9, 1.1);
    within(2, -2, 2);
    within(3, -2, 2);
    within(4, -1.5, 1.5);
    within(stride - 1, -1.5, 1.5);
    drawAffine(new Mt19937(6), range, n, b);
    expect(b).not.toEqual(a);
  });

  test('no elastic: four parameters per image', () => {
    expect(paramsPerImage({ ...range, elastic: 0 })).toBe(4);
  });
});

describe('checkAugmentRange', () => {
  test.each([
    [{ shift: -1, rotate: 0, scale: 0, elastic: 0 }, /augment shift must be a number of pixels in \[0, 27\], got -1/],
    [{ shift: 1.5, rotate: 0, scale: 0, elastic: 0 }, /augment shift must be a whole number of pixels when rotate and scale are 0, got 1.5/],
    [{ shift: 2, rotate: 200, scale: 0, elastic: 0 }, /augment rotate must be a number of degrees in \[0, 180\], got 200/],
    [{ shift: 2, rotate: 0, scale: 1, elastic: 0 }, /augment scale must be a fraction in \[0, 0.9\], got 1/],
    [{ shift: 2, rotate: 0, scale: 0, elastic: 9 }, /augment elastic must be a number of pixels in \[0, 8\], got 9/],
  ])('%o', (range, message) => {
    expect(() => checkAugmentRange(range)).toThrow(message);
  });
  test('the seed\'s shifts and a strong range pass', () => {
    expect(() => checkAugmentRange(SHIFT_ONLY)).not.toThrow();
    expect(() => checkAugmentRange({ shift: 1.5, rotate: 10, scale: 0.1, elastic: 1 })).not.toThrow();
  });
});

describe('BatchAugmenter', () => {
  const range = { shift: 2, rotate: 10, scale: 0.1, elastic: 1 };
  const batchOf = (n: number): Batch => ({ images: Float32Array.from({ length: n * 784 }, (_, i) => ((i * 31) % 97) / 97), labels: new Int32Array(n), size: n });

  test('warping here or handing the warp to the runner: the same draws, and the same images once warped', () => {
    const here = batchOf(9);
    expect(new BatchAugmenter(range, new Mt19937(1), false).apply(here)).toBeUndefined();
    const there = batchOf(9);
    const warp = new BatchAugmenter(range, new Mt19937(1), true).apply(there);
    expect(warp?.stride).toBe(paramsPerImage(range));
    expect(there.images).toEqual(batchOf(9).images); // untouched: the runner warps
    warpImages(there.images, warp!.params, warp!.stride, 0, 5);  // as two parts would, share by share
    warpImages(there.images, warp!.params, warp!.stride, 5, 9);
    expect(there.images).toEqual(here.images);
  });

  test('shift-only ranges shift here, as the seed\'s --augment did', () => {
    const a = batchOf(4);
    expect(new BatchAugmenter(SHIFT_ONLY, new Mt19937(2), true).apply(a)).toBeUndefined();
    const b = batchOf(4);
    shiftBatch(b, new Mt19937(2), 2);
    expect(a.images).toEqual(b.images);
  });
});
