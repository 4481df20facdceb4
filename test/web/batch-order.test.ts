/**
 * The page's resumable batch order (web/src/batch-order.ts): a stream restored from a saved state yields
 * exactly the batches the uninterrupted stream yields — mid-epoch, at an epoch's end, with augmentation.
 */
import { describe, expect, test } from 'vitest';
import { BatchOrder } from '../../web/src/batch-order.js';
import type { DigitSplit } from '../../web/src/dataset.js';

/** 10 distinct 28×28 images (each pixel = image index * 20 + a small pattern), labels 0…9. */
function split(count = 10): DigitSplit {
  const images = new Uint8Array(count * 784);
  for (let i = 0; i < count; i++) for (let p = 0; p < 784; p++) images[i * 784 + p] = p % 28 > 8 && p % 28 < 20 && p > 200 && p < 600 ? 30 + i * 20 : 0;
  return { images, labels: Uint8Array.from({ length: count }, (_, i) => i), count };
}

/** The next `n` batches (copied: the order reuses its buffers). */
const take = (order: BatchOrder, n: number, shift: number): { labels: number[]; images: Float32Array }[] =>
  Array.from({ length: n }, () => {
    const b = order.next(shift);
    return { labels: Array.from(b.labels), images: b.images.slice() };
  });

describe('BatchOrder', () => {
  for (const shift of [0, 2]) {
    test(`restored at any batch, it goes on with the same batches (shift ${shift})`, () => {
      const data = split();
      // Batch 3 of 10 images: 4 batches per epoch (3, 3, 3, 1); stop points cover mid-epoch and epoch ends.
      const reference = take(BatchOrder.create(data, 3, 7), 12, shift);
      for (const stopAt of [1, 3, 4, 5, 8]) {
        const first = BatchOrder.create(data, 3, 7);
        const before = take(first, stopAt, shift);
        const saved = structuredClone(first.state); // what IndexedDB stores
        const after = take(BatchOrder.restore(data, saved), 12 - stopAt, shift);
        expect([...before, ...after].map((b) => b.labels), `stopped after ${stopAt}`).toEqual(reference.map((b) => b.labels));
        [...before, ...after].forEach((b, i) => expect(b.images, `batch ${i}, stopped after ${stopAt}`).toEqual(reference[i].images));
      }
    });
  }

  test('each epoch is a new shuffle of every image; shifts move the ink', () => {
    const data = split();
    const order = BatchOrder.create(data, 5, 1);
    const epochs = [take(order, 2, 0), take(order, 2, 0)].map((e) => e.flatMap((b) => b.labels));
    for (const e of epochs) expect([...e].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(epochs[0]).not.toEqual(epochs[1]);
    const plain = take(BatchOrder.create(data, 10, 1), 1, 0)[0];
    const shifted = take(BatchOrder.create(data, 10, 1), 1, 2)[0];
    expect(shifted.labels).toEqual(plain.labels); // shifts come from their own generator
    expect(shifted.images).not.toEqual(plain.images);
  });

  test('a saved position outside the epoch is refused', () => {
    const data = split();
    const state = { ...BatchOrder.create(data, 3, 0).state, batchInEpoch: 4 };
    expect(() => BatchOrder.restore(data, state)).toThrow(/outside an epoch of 4 batches/);
  });
});
