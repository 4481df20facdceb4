/** Data types shared by the data layer (re-exported from dataset.ts, the public entry point). */

/** MNIST-style images: 28×28 grey bytes, row-major. */
export const IMAGE_ROWS = 28;
export const IMAGE_COLS = 28;
export const IMAGE_PIXELS = IMAGE_ROWS * IMAGE_COLS;

/** The named data sets (any folder of IDX files can be loaded too, via `dataDir`). */
export type DatasetName = 'mnist' | 'fashion-mnist' | 'mnist-sample';

export const DATASET_NAMES: readonly DatasetName[] = ['mnist', 'fashion-mnist', 'mnist-sample'];

/** One split: `count` 28x28 uint8 images, row-major, and their labels in [0, 9]. */
export interface Split {
  /** count*784 bytes, row-major 28x28. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface Dataset {
  /** The data set, e.g. 'mnist', or 'folder /x' for a folder of IDX files not recognised by checksum. */
  readonly name: string;
  /** Human readable: where it came from. */
  readonly source: string;
  readonly train: Split;
  readonly test: Split;
}

/** Per-class counts of a split's labels (10 entries). */
export function labelHistogram(split: Split): number[] {
  const counts = new Array<number>(10).fill(0);
  for (const label of split.labels) counts[label]++;
  return counts;
}
