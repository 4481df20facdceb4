import { describe, expect, it } from 'vitest';
import { BatchIterator, PIXEL_TO_FLOAT, type Batch } from '../../src/data/batches.js';
import type { Split } from '../../src/data/dataset.js';
import { Mt19937 } from '../../src/util/rng.js';

/** Image i has every pixel equal to i (mod 256) and label i % 10, so a batch reveals its indices. */
function split(count: number): Split {
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) images.fill(i & 0xff, i * 784, (i + 1) * 784);
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), count };
}

/** The image indices of one epoch, batch by batch (valid for count <= 256). */
function indices(it: BatchIterator): number[][] {
  return Array.from(it.epoch(), (b: Batch) => Array.from({ length: b.size }, (_, s) => Math.round(b.images[s * 784] * 255)));
}

describe('BatchIterator', () => {
  it('yields every image once, in order, with a short last batch', () => {
    const it = new BatchIterator(split(10), 4);
    expect(it.batchesPerEpoch).toBe(3);
    expect(indices(it)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
  });

  it.each([
    [8, 4, [4, 4]],
    [3, 8, [3]],
    [0, 8, []],
  ])('count %i, batch %i → batch sizes %j', (count, size, sizes) => {
    const it = new BatchIterator(split(count), size);
    expect(Array.from(it.epoch(), (b) => b.size)).toEqual(sizes);
    expect(it.batchesPerEpoch).toBe(sizes.length);
  });

  it('converts pixels as float32(p / 255) (what ToTensor gives) and labels to int32', () => {
    const s = split(3);
    s.images[784 + 5] = 255;
    s.images[784 + 6] = 128;
    const [batch] = new BatchIterator(s, 3).epoch();
    expect(batch.images[784 + 5]).toBe(1);
    expect(batch.images[784 + 6]).toBe(Math.fround(128 / 255));
    expect(batch.images[784 + 7]).toBe(Math.fround(1 / 255));
    expect(Array.from(batch.labels)).toEqual([0, 1, 2]);
    expect(PIXEL_TO_FLOAT).toHaveLength(256);
  });

  it('reuses its buffers: two in turn for full batches, one for the short last batch', () => {
    const batches = Array.from(new BatchIterator(split(14), 4).epoch());
    expect(batches[0]).not.toBe(batches[1]);
    expect(batches[0]).toBe(batches[2]);
    expect(batches[1]).not.toBe(batches[3]);
    expect(batches[3].size).toBe(2);
    const again = Array.from(new BatchIterator(split(10), 4).epoch());
    expect(again[0].images.length).toBe(4 * 784);
    expect(again[2].images.length).toBe(2 * 784);
  });

  it('a batch stays as it was while the iterator advances once more (a trainer looking one batch ahead), also into the next epoch', () => {
    const iterator = new BatchIterator(split(12), 4, { shuffle: true, rng: new Mt19937(3) });
    const batches = (function* () { yield* iterator.epoch(); yield* iterator.epoch(); })();
    let previous = batches.next().value as Batch;
    for (let k = 1; k < 6; k++) {
      const kept = { images: previous.images.slice(), labels: previous.labels.slice() };
      const next = batches.next().value as Batch;
      expect(previous.images, `batch ${k - 1} after taking batch ${k}`).toEqual(kept.images);
      expect(previous.labels).toEqual(kept.labels);
      previous = next;
    }
  });

  it('shuffles reproducibly: same seed, same order; each epoch a new permutation', () => {
    const a = new BatchIterator(split(50), 16, { shuffle: true, rng: new Mt19937(42) });
    const b = new BatchIterator(split(50), 16, { shuffle: true, rng: new Mt19937(42) });
    const a1 = indices(a).flat();
    const a2 = indices(a).flat();
    expect(indices(b).flat()).toEqual(a1);
    expect(indices(b).flat()).toEqual(a2);
    expect(a1).not.toEqual(a2);
    expect([...a1].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const c = new BatchIterator(split(50), 16, { shuffle: true, rng: new Mt19937(43) });
    expect(indices(c).flat()).not.toEqual(a1);
  });

  it('the shuffled order is pinned (same on every platform: integer MT19937 + Fisher–Yates)', () => {
    const it = new BatchIterator(split(12), 12, { shuffle: true, rng: new Mt19937(0) });
    expect(indices(it)[0]).toEqual(PINNED_SEED0_12);
  });

  it('rejects bad arguments with the value in the message', () => {
    expect(() => new BatchIterator(split(4), 0)).toThrow(/batchSize must be a positive integer, got 0/);
    expect(() => new BatchIterator(split(4), 2, { shuffle: true })).toThrow(/shuffle: true needs an rng/);
    expect(() => new BatchIterator({ images: new Uint8Array(10), labels: new Uint8Array(1), count: 1 }, 2)).toThrow(/needs 784 image bytes and 1 labels, got 10 and 1/);
  });
});

/** Order of 12 items after one shuffle with Mt19937(0); computed once by this implementation. */
const PINNED_SEED0_12 = [11, 4, 0, 5, 10, 1, 2, 9, 6, 3, 7, 8];
