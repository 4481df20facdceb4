/**
 * Decoder of `/data/mnist-sample.bin`, the bundled digits as the server sends them (the encoder and the
 * layout are in src/serve/sample-data.ts): header "LNS1", train count, test count, 784 (uint32 LE),
 * then train images, test images, train labels, test labels (bytes).
 */

export interface DigitSplit {
  /** count·784 bytes, row-major 28×28, white ink on black. */
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface DigitData {
  readonly train: DigitSplit;
  readonly test: DigitSplit;
}

const HEADER_BYTES = 16;
const PIXELS = 784;

export function decodeSample(bytes: Uint8Array): DigitData {
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (bytes.length < HEADER_BYTES || magic !== 'LNS1') throw new RangeError(`not a digits file: magic '${magic}', expected 'LNS1'`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const trainCount = view.getUint32(4, true);
  const testCount = view.getUint32(8, true);
  const pixels = view.getUint32(12, true);
  const expected = HEADER_BYTES + (trainCount + testCount) * (PIXELS + 1);
  if (pixels !== PIXELS || bytes.length !== expected) {
    throw new RangeError(`digits file holds ${bytes.length} bytes and ${pixels} pixels per image, expected ${expected} and ${PIXELS}`);
  }
  let offset = HEADER_BYTES;
  const take = (n: number): Uint8Array => bytes.subarray(offset, (offset += n));
  const trainImages = take(trainCount * PIXELS);
  const testImages = take(testCount * PIXELS);
  return {
    train: { images: trainImages, labels: take(trainCount), count: trainCount },
    test: { images: testImages, labels: take(testCount), count: testCount },
  };
}

/** `count` images starting at `indices` (or a contiguous range), as float32 [0,1], ready for the model. */
export function gatherImages(split: DigitSplit, indices: ArrayLike<number>): Float32Array {
  const out = new Float32Array(indices.length * PIXELS);
  for (let k = 0; k < indices.length; k++) {
    const from = indices[k] * PIXELS;
    for (let p = 0; p < PIXELS; p++) out[k * PIXELS + p] = split.images[from + p] / 255;
  }
  return out;
}

/**
 * `n` indices of `count` (all of them when n ≥ count), evenly spaced: the bundled digits are sorted by
 * class, so the first few hundred would all be zeros, while evenly spaced ones hold every class alike.
 */
export function spreadIndices(count: number, n: number): Uint32Array {
  const k = Math.min(n, count);
  return Uint32Array.from({ length: k }, (_, i) => Math.floor((i * count) / k));
}
