/**
 * Batching for the trainer: one epoch of a split in batches of float32 pixels in [0, 1] and int32
 * labels, optionally shuffled by a seeded MT19937 (same seed → same order on every platform).
 *
 * Pure code (no Node APIs): the page batches its digits with it too.
 *
 * Buffers are allocated once (two sets for full batches, used in turn, and one for the short last batch)
 * and reused: a yielded batch stays valid while the iterator advances once more, also into the next epoch
 * (so a trainer can look one batch ahead), and is overwritten after that; copy it to keep it.
 */
import type { Mt19937 } from '../util/rng.js';
import { IMAGE_PIXELS, type Split } from './types.js';

export interface Batch {
  /** size*784 floats, float32(pixel / 255) exactly as torchvision's ToTensor gives them. */
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly size: number;
}

export interface BatchIteratorOptions {
  /** Shuffle the order at the start of every epoch (default false). Requires `rng`. */
  shuffle?: boolean;
  /** The generator that drives shuffling; its state advances with every shuffled epoch. */
  rng?: Mt19937;
}

/** float32(p / 255) for every byte p: the division ToTensor does, rounded once to float32. */
export const PIXEL_TO_FLOAT: Float32Array = Float32Array.from({ length: 256 }, (_, p) => p / 255);

/** Writes image `index` of `split` as floats into `out` at image slot `slot`. */
function copyImage(split: Split, index: number, out: Float32Array, slot: number): void {
  const src = index * IMAGE_PIXELS;
  const dst = slot * IMAGE_PIXELS;
  const images = split.images;
  for (let k = 0; k < IMAGE_PIXELS; k++) out[dst + k] = PIXEL_TO_FLOAT[images[src + k]];
}

function makeBatch(size: number): Batch {
  return { images: new Float32Array(size * IMAGE_PIXELS), labels: new Int32Array(size), size };
}

export class BatchIterator {
  readonly batchesPerEpoch: number;
  private readonly order: Uint32Array;
  /** Full batches go to these in turn, across epochs too. */
  private readonly full: readonly [Batch, Batch];
  private turn = 0;
  private readonly last: Batch | undefined;

  constructor(
    private readonly split: Split,
    readonly batchSize: number,
    private readonly options: BatchIteratorOptions = {},
  ) {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (options.shuffle === true && options.rng === undefined) throw new TypeError('shuffle: true needs an rng (an Mt19937) so the order is reproducible');
    if (split.images.length !== split.count * IMAGE_PIXELS || split.labels.length !== split.count) {
      throw new RangeError(`split of ${split.count} images needs ${split.count * IMAGE_PIXELS} image bytes and ${split.count} labels, got ${split.images.length} and ${split.labels.length}`);
    }
    this.batchesPerEpoch = Math.ceil(split.count / batchSize);
    this.order = new Uint32Array(split.count);
    const fullSize = Math.min(batchSize, split.count);
    const rest = split.count % batchSize;
    this.full = [makeBatch(fullSize), makeBatch(fullSize)];
    this.last = rest > 0 && split.count > batchSize ? makeBatch(rest) : undefined;
  }

  /** Yields the batches of one epoch (a fresh shuffle of the whole split when shuffling). */
  *epoch(): IterableIterator<Batch> {
    const order = this.order;
    for (let i = 0; i < order.length; i++) order[i] = i;
    if (this.options.shuffle === true) this.options.rng!.shuffle(order);
    for (let start = 0; start < order.length; start += this.batchSize) {
      const size = Math.min(this.batchSize, order.length - start);
      const batch = size === this.full[0].size ? this.full[this.turn++ % 2] : this.last!;
      for (let slot = 0; slot < size; slot++) {
        const index = order[start + slot];
        copyImage(this.split, index, batch.images, slot);
        batch.labels[slot] = this.split.labels[index];
      }
      yield batch;
    }
  }
}
