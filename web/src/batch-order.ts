/**
 * The page's stream of training batches, resumable: the seeded shuffle of src/data/batches.ts and,
 * when on, the random shifts of src/train/augment.ts (drawn from their own generator, seeded as the Node
 * trainer seeds it). Its state — the data generator as it was before this epoch's shuffle, the batches
 * of the epoch already taken, and the augmentation generator — is plain data, so a run saved in the
 * browser continues with exactly the batches it would have had.
 */
import { type Batch, BatchIterator } from '../../src/data/batches.js';
import { augmentSeed, shiftBatch } from '../../src/train/augment.js';
import { Mt19937, type RngState } from '../../src/util/rng.js';
import type { DigitSplit } from './dataset.js';

export interface OrderState {
  readonly batchSize: number;
  /** The data generator before the current epoch's shuffle. */
  readonly epochRng: RngState;
  /** Batches of the current epoch already handed out. */
  readonly batchInEpoch: number;
  readonly augmentRng: RngState;
}

export class BatchOrder {
  private epochRng: RngState;
  private batchInEpoch = 0;
  private batches: Iterator<Batch>;
  private readonly iterator: BatchIterator;

  private constructor(split: DigitSplit, readonly batchSize: number, private readonly dataRng: Mt19937, private readonly augmentRng: Mt19937) {
    this.iterator = new BatchIterator(split, batchSize, { shuffle: true, rng: dataRng });
    this.epochRng = dataRng.getState();
    this.batches = this.iterator.epoch();
  }

  /** A fresh order for a run seeded with `seed`. */
  static create(split: DigitSplit, batchSize: number, seed: number): BatchOrder {
    return new BatchOrder(split, batchSize, new Mt19937(seed), new Mt19937(augmentSeed(seed)));
  }

  /** The order of a saved run, at the batch where it stopped. */
  static restore(split: DigitSplit, state: OrderState): BatchOrder {
    const order = new BatchOrder(split, state.batchSize, Mt19937.fromState(state.epochRng), Mt19937.fromState(state.augmentRng));
    if (!Number.isInteger(state.batchInEpoch) || state.batchInEpoch < 0 || state.batchInEpoch >= order.iterator.batchesPerEpoch) {
      throw new RangeError(`saved position ${state.batchInEpoch} is outside an epoch of ${order.iterator.batchesPerEpoch} batches`);
    }
    for (let i = 0; i < state.batchInEpoch; i++) order.batches.next();
    order.batchInEpoch = state.batchInEpoch;
    return order;
  }

  /** The next batch (a new, reshuffled epoch after the last one), shifted by up to `maxShift` pixels when > 0. */
  next(maxShift: number): Batch {
    let next = this.batches.next();
    if (next.done) {
      this.epochRng = this.dataRng.getState();
      this.batchInEpoch = 0;
      this.batches = this.iterator.epoch();
      next = this.batches.next();
    }
    this.batchInEpoch++;
    const batch = next.value as Batch;
    if (maxShift > 0) shiftBatch(batch, this.augmentRng, maxShift);
    return batch;
  }

  get state(): OrderState {
    // At the end of an epoch the next one has not been shuffled yet: the data generator as it is now is
    // what the next epoch starts from.
    const ended = this.batchInEpoch === this.iterator.batchesPerEpoch;
    return {
      batchSize: this.batchSize,
      epochRng: ended ? this.dataRng.getState() : this.epochRng,
      batchInEpoch: ended ? 0 : this.batchInEpoch,
      augmentRng: this.augmentRng.getState(),
    };
  }
}
