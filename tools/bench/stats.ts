/** Order statistics for benchmark samples. */

/** The q-quantile (0…1) of `xs` by the nearest-rank rule on a sorted copy. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

/** Step (or call) times of one configuration and part: median, spread, and the images/s of the median. */
export interface Latency {
  readonly batch: number;
  readonly median: number;
  readonly p10: number;
  readonly p90: number;
  readonly n: number;
  readonly imagesPerSecond: number;
}

/** The Latency of `ms` (one time per call) for calls of `batch` images. */
export function latency(batch: number, ms: readonly number[]): Latency {
  const median = quantile(ms, 0.5);
  return { batch, median, p10: quantile(ms, 0.1), p90: quantile(ms, 0.9), n: ms.length, imagesPerSecond: (batch / median) * 1000 };
}
