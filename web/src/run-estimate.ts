/** How long the rest of a training run will take, from its throughput so far (the panel's "Time left"). */

/** Seconds for `stepsLeft` more steps of `batchSize` images at `imagesPerSecond`; Infinity when nothing is known yet. */
export function secondsLeft(stepsLeft: number, batchSize: number, imagesPerSecond: number): number {
  if (stepsLeft <= 0) return 0;
  return imagesPerSecond > 0 ? (stepsLeft * batchSize) / imagesPerSecond : Infinity;
}

/** "8 s", "3 min 20 s", "2 h 05 min"; "–" when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}
