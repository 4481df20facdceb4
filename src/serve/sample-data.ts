/**
 * The bundled digits in the compact binary form the page downloads (`/data/mnist-sample.bin`), instead
 * of the 40 MB of JSON in the `mnist` package. Layout (all integers uint32 little-endian):
 *
 *   0  magic "LNS1"   4  train count   8  test count   12  pixels per image (784)
 *   16 train images (count·784 bytes) · test images · train labels (count bytes) · test labels
 *
 * The page's decoder is `web/src/dataset.ts`.
 */
import { loadDataset } from '../data/dataset.js';

export const SAMPLE_MAGIC = 'LNS1';
export const SAMPLE_HEADER_BYTES = 16;
const PIXELS = 784;

/** One split as the data layer gives it. */
export interface SampleSplit {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface SampleSplits {
  readonly train: SampleSplit;
  readonly test: SampleSplit;
}

export function encodeSample({ train, test }: SampleSplits): Uint8Array {
  for (const [name, split] of [['train', train], ['test', test]] as const) {
    if (split.images.length !== split.count * PIXELS || split.labels.length !== split.count) {
      throw new RangeError(`${name} split: ${split.images.length} image bytes and ${split.labels.length} labels do not match count ${split.count}`);
    }
  }
  const out = new Uint8Array(SAMPLE_HEADER_BYTES + (train.count + test.count) * (PIXELS + 1));
  const view = new DataView(out.buffer);
  for (let i = 0; i < 4; i++) out[i] = SAMPLE_MAGIC.charCodeAt(i);
  view.setUint32(4, train.count, true);
  view.setUint32(8, test.count, true);
  view.setUint32(12, PIXELS, true);
  let offset = SAMPLE_HEADER_BYTES;
  for (const bytes of [train.images, test.images, train.labels, test.labels]) {
    out.set(bytes, offset);
    offset += bytes.length;
  }
  return out;
}

/** The data layer's bundled `mnist-sample` split (8,000 train / 2,000 test from the `mnist` package). */
export async function loadBundledSample(): Promise<SampleSplits> {
  const { train, test } = await loadDataset({ dataset: 'mnist-sample' });
  return { train, test };
}
