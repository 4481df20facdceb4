/**
 * How large a training batch may be. The CPU trainer holds the whole batch's activations and gradients at
 * once: about 112 KB per image (measured: peak RSS 237 MB at batch 1,024 and 580 MB at 4,096, one thread),
 * so a batch of 100,000,000 asked for ~11 TB and failed deep inside with "Array buffer allocation failed".
 */
import { totalmem } from 'node:os';

/** The largest training set (MNIST, Fashion-MNIST: 60,000 images); a larger batch would be the whole set anyway. */
export const MAX_BATCH_SIZE = 60_000;
/** Memory one image of a batch needs while a step runs, bytes (measured, see above). */
export const BYTES_PER_BATCH_IMAGE = 112 * 1024;
/** The fixed part of a training process: runtime, sessions, data set (measured ~120 MB). */
const BASE_BYTES = 128 * 1024 * 1024;

const gb = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GB`;

/** `batchSize` if it is a positive integer that fits the limit and this machine's memory, else a RangeError saying the limit. */
export function checkBatchSize(batchSize: number, memory: number = totalmem()): number {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${batchSize}`);
  if (batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batch size must be at most ${MAX_BATCH_SIZE.toLocaleString('en-US')} (the size of the largest training set), got ${batchSize.toLocaleString('en-US')}`);
  }
  const needed = BASE_BYTES + batchSize * BYTES_PER_BATCH_IMAGE;
  if (needed > memory) {
    const fits = Math.max(1, Math.floor((memory - BASE_BYTES) / BYTES_PER_BATCH_IMAGE));
    throw new RangeError(`batch size ${batchSize.toLocaleString('en-US')} needs about ${gb(needed)} of memory (~112 KB per image) and this machine has ${gb(memory)}; use at most ${fits.toLocaleString('en-US')}`);
  }
  return batchSize;
}
