/**
 * `threads`, with one meaning, one default and one validation: how many CPU threads ONNX Runtime computes
 * on. The CPU trainer splits each batch into that many shares, each run by its own one-thread session
 * (src/train/step/parallel); evaluation and the CPU parts of GPU sessions get that many intra-op threads.
 */
import { availableParallelism } from 'node:os';

/**
 * One per core, at most 4: each thread's share of a batch of 64 gets smaller while its fixed cost per
 * step stays (measured only up to 2 threads, docs/benchmarks.md).
 */
export function defaultThreads(): number {
  return Math.min(availableParallelism(), 4);
}

/** `threads` if it is a positive integer, else a RangeError that quotes it. */
export function checkThreads(threads: number): number {
  if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`threads must be an integer ≥ 1, got ${threads}`);
  return threads;
}
