/**
 * `threads`, with one meaning, one default, one validation and one bound: how many CPU threads ONNX
 * Runtime computes on. The CPU trainer splits each batch into that many shares, each run by its own
 * one-thread session (src/train/step/parallel); evaluation and the CPU parts of GPU sessions get that many
 * intra-op threads.
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

/** What limits the threads that help: the machine's cores and, for the CPU trainer, the images of a batch. */
export interface ThreadLimits {
  /** Cores this process may use (default: `os.availableParallelism()`). */
  readonly cores?: number;
  /** The CPU trainer's batch size: each thread takes a share of at least one image. */
  readonly batchSize?: number;
}

export interface BoundThreads {
  /** The threads that will be used: min(requested, cores, batch size). */
  readonly threads: number;
  readonly requested: number;
  /** Why fewer than requested, one line (absent when none were cut). */
  readonly reason?: string;
}

/**
 * Bounds `requested` by what helps. More threads than cores only take turns on them (`--threads 1000`
 * started 1,933 OS threads, used 18–20 GB and took over 5 minutes for one step); more shares than images
 * leave threads with nothing to do.
 */
export function boundThreads(requested: number, limits: ThreadLimits = {}): BoundThreads {
  checkThreads(requested);
  const cores = limits.cores ?? availableParallelism();
  const byBatch = limits.batchSize !== undefined && limits.batchSize < cores;
  const limit = byBatch ? limits.batchSize! : cores;
  if (requested <= limit) return { threads: requested, requested };
  const why = byBatch
    ? `a batch of ${limit} image${limit === 1 ? '' : 's'} gives at most ${limit} thread${limit === 1 ? '' : 's'} a share`
    : `this machine has ${cores} core${cores === 1 ? '' : 's'}, and more threads than cores only take turns on them`;
  return { threads: limit, requested, reason: `using ${limit} thread${limit === 1 ? '' : 's'}, not ${requested}: ${why}` };
}
