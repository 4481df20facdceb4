/** Order statistics for benchmark samples. */

/** The q-quantile (0…1) of `xs` by the nearest-rank rule on a sorted copy. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  const i = Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))));
  return sorted[i];
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);
