/** A small IDX data set cut from the bundled digits, so a sweep's trials take a second or two each. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadDataset } from '../../src/data/dataset.js';
import { IMAGE_PIXELS, type Split } from '../../src/data/types.js';
import { idxImages, idxLabels } from '../data/helpers.js';

/** Every `stride`-th image of the split (the bundled splits are grouped by digit, so all digits stay in). */
function every(split: Split, stride: number): { images: Uint8Array; labels: number[] } {
  const picked = Array.from({ length: Math.floor(split.count / stride) }, (_, i) => i * stride);
  const images = new Uint8Array(picked.length * IMAGE_PIXELS);
  picked.forEach((index, i) => images.set(split.images.subarray(index * IMAGE_PIXELS, (index + 1) * IMAGE_PIXELS), i * IMAGE_PIXELS));
  return { images, labels: picked.map((i) => split.labels[i]) };
}

/** Writes ~1,000 training and ~250 test images of mnist-sample as the four IDX files; returns the folder. */
export async function smallDataDir(): Promise<string> {
  const sample = await loadDataset({ dataset: 'mnist-sample' });
  const dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-sweep-data-'));
  for (const [name, split] of [['train', every(sample.train, 8)], ['t10k', every(sample.test, 8)]] as const) {
    writeFileSync(path.join(dir, `${name}-images-idx3-ubyte`), idxImages(split.labels.length, (i, k) => split.images[i * IMAGE_PIXELS + k]));
    writeFileSync(path.join(dir, `${name}-labels-idx1-ubyte`), idxLabels(split.labels));
  }
  return dir;
}
