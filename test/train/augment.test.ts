/**
 * Known answers for `--augment` (src/train/augment.ts): each image is shifted by (dx, dy) drawn as
 * nextInt(5) − 2 (x first, then y), the uncovered border filled with 0. A scripted generator fixes the
 * offsets so the expected images are written out by hand.
 */
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../src/data/batches.js';
import { augmentBatch } from '../../src/train/augment.js';
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

describe('augmentBatch', () => {
  it('shifts by (nextInt(5) − 2, nextInt(5) − 2): right/up, left/down, none; what leaves the image is dropped', () => {
    const b = batch(3);
    augmentBatch(b, scripted([4, 1, 0, 3, 2, 2])); // (dx, dy) = (+2, −1), (−2, +1), (0, 0)
    expect(nonzero(b, 0)).toEqual([[12, 11, 1]]);             // (10,12) → (12,11); (0,0) → (2,−1): gone
    expect(nonzero(b, 1)).toEqual([[8, 13, 2]]);              // (10,12) → (8,13); (0,0) → (−2,1): gone
    expect(nonzero(b, 2)).toEqual([[0, 0, 0.5], [10, 12, 3]]); // unchanged
  });

  it('a shift fills the uncovered rows and columns with 0', () => {
    const b = { images: new Float32Array(784).fill(1), labels: new Int32Array(1), size: 1 };
    augmentBatch(b, scripted([3, 0])); // (dx, dy) = (+1, −2)
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
    augmentBatch(b, rng);
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
