/**
 * A validation split carved from the training split, so that choices (a learning rate, a batch size,
 * when to stop) can be made without ever looking at the test split.
 *
 * Stratified and seeded: for each class, its images' indices are shuffled by an MT19937 seeded with
 * `seed`, and the last `round(fraction × count)` of them go to validation. Both parts keep the original
 * order of the images, so the result depends only on the split, the fraction and the seed (not on the
 * training seed, the batch size or anything else a sweep varies).
 *
 * Pure code (no Node APIs).
 */
import { Mt19937 } from '../util/rng.js';
import { IMAGE_PIXELS, type Split } from './types.js';

export interface ValidationSplitOptions {
  /** Share of each class's training images held out for validation, in (0, 1); e.g. 0.1. */
  readonly fraction: number;
  /** Seed of the hold-out draw; the same seed gives the same validation images. */
  readonly seed: number;
}

export interface CarvedSplits {
  /** What remains to train on. */
  readonly train: Split;
  /** The held-out images. */
  readonly validation: Split;
}

/** Throws a one-line RangeError unless `options` describe a usable hold-out. */
export function checkValidationOptions(options: ValidationSplitOptions): void {
  if (!(options.fraction > 0 && options.fraction < 1)) throw new RangeError(`validation fraction must be in (0, 1), got ${options.fraction}`);
  if (!Number.isInteger(options.seed) || options.seed < 0 || options.seed > 0xffffffff) {
    throw new RangeError(`validation seed must be an integer in [0, 2^32), got ${options.seed}`);
  }
}

function subset(split: Split, indices: readonly number[]): Split {
  const images = new Uint8Array(indices.length * IMAGE_PIXELS);
  const labels = new Uint8Array(indices.length);
  indices.forEach((index, i) => {
    images.set(split.images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS);
    labels[i] = split.labels[index];
  });
  return { images, labels, count: indices.length };
}

/** The indices of `split` that go to validation, ascending (see the file header for the rule). */
export function validationIndices(split: Split, options: ValidationSplitOptions): number[] {
  checkValidationOptions(options);
  const rng = new Mt19937(options.seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < split.count; i++) {
    const label = split.labels[i];
    const list = byClass.get(label) ?? [];
    list.push(i);
    byClass.set(label, list);
  }
  const held: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const order = Uint32Array.from(byClass.get(label)!);
    rng.shuffle(order);
    const take = Math.round(options.fraction * order.length);
    held.push(...order.subarray(order.length - take));
  }
  return held.sort((a, b) => a - b);
}

/** Splits `split` into a training part and a validation part; throws when either would be empty. */
export function carveValidation(split: Split, options: ValidationSplitOptions): CarvedSplits {
  const held = validationIndices(split, options);
  if (held.length === 0 || held.length === split.count) {
    throw new RangeError(`a validation fraction of ${options.fraction} of ${split.count} training images leaves ${held.length === 0 ? 'no validation' : 'no training'} images`);
  }
  const isHeld = new Uint8Array(split.count);
  for (const i of held) isHeld[i] = 1;
  const kept: number[] = [];
  for (let i = 0; i < split.count; i++) if (isHeld[i] === 0) kept.push(i);
  return { train: subset(split, kept), validation: subset(split, held) };
}
