/** Seeded inputs and error measures for the float64 reference tests. */
import { Mt19937 } from '../../src/util/rng.js';

/** n images of independent uniform pixels in [0,1): max-pool ties have probability 0. */
export function uniformImages(rng: Mt19937, n: number): Float64Array {
  const images = new Float64Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextUint32() / 2 ** 32;
  return images;
}

/**
 * n digit-like images: a few thick anti-aliased strokes on an exactly-0 background (normalised −1),
 * saturating at exactly 1 inside the strokes, quantised to k/255 like MNIST. Full of max-pool ties.
 */
export function strokeImages(rng: Mt19937, n: number): Float64Array {
  const images = new Float64Array(n * 784);
  const coord = (): number => 5 + (rng.nextUint32() / 2 ** 32) * 18;
  for (let b = 0; b < n; b++) {
    const strokes = 2 + rng.nextInt(3);
    for (let s = 0; s < strokes; s++) {
      const ax = coord(), ay = coord(), bx = coord(), by = coord();
      const dx = bx - ax, dy = by - ay;
      const len2 = dx * dx + dy * dy || 1;
      for (let y = 0; y < 28; y++) {
        for (let x = 0; x < 28; x++) {
          const t = Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / len2));
          const dist = Math.hypot(x - ax - t * dx, y - ay - t * dy);
          const ink = Math.round(255 * Math.min(1, Math.max(0, 2.2 - dist))) / 255;
          const i = b * 784 + y * 28 + x;
          if (ink > images[i]) images[i] = ink;
        }
      }
    }
  }
  return images;
}

export function randomLabels(rng: Mt19937, n: number): number[] {
  return Array.from({ length: n }, () => rng.nextInt(10));
}

/** `count` distinct indices in [0, size), sorted; all of them when count ≥ size. */
export function sampleIndices(rng: Mt19937, size: number, count: number): number[] {
  if (count >= size) return Array.from({ length: size }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(rng.nextInt(size));
  return [...picked].sort((a, b) => a - b);
}

/** |a − b| / max(|a|, |b|, floor): relative error with a floor for entries near zero. */
export function relError(a: number, b: number, floor: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), floor);
}

export function maxAbs(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

export interface ErrorRow {
  param: string;
  checked: number;
  maxAbsGrad: string;
  maxAbsErr: string;
  maxRelErr: string;
  /** FD checks only: entries over the relative tolerance but within the difference's rounding noise. */
  noiseOnly?: number;
}

/** Compares `expected[i]` (reference) with `actual[i]` at `indices`; floor = 1e-6 · max|expected|. */
export function compareAt(
  param: string, expected: ArrayLike<number>, actual: (i: number) => number, indices: readonly number[],
): { row: ErrorRow; absErr: number; relErr: number } {
  const scale = maxAbs(expected);
  let absErr = 0;
  let relErr = 0;
  for (const i of indices) {
    const a = actual(i);
    absErr = Math.max(absErr, Math.abs(a - expected[i]));
    relErr = Math.max(relErr, relError(a, expected[i], 1e-6 * scale));
  }
  const row = {
    param, checked: indices.length, maxAbsGrad: scale.toExponential(2),
    maxAbsErr: absErr.toExponential(2), maxRelErr: relErr.toExponential(2),
  };
  return { row, absErr, relErr };
}
