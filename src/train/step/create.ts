/** The step runner the trainer uses for an execution provider. */
import type { ModelProto } from '../../graph/proto.js';
import type { ExecutionProvider } from '../../runtime/execution-provider.js';
import { boundThreads } from '../../runtime/threads.js';
import { ParallelCpuRunner } from './parallel/runner.js';
import type { TrainStepRunner } from './runner.js';
import { createSessionRunner } from './session-runner.js';
import type { StateSource } from './state.js';

export interface StepRunnerOptions {
  /** CPU threads (runtime/threads.ts): on the CPU the batch shares, on GPU providers ONNX Runtime's CPU part. */
  readonly threads?: number;
  /** The largest batch a step will be given. */
  readonly maxBatch: number;
  /** The CPU runner's gradient model (default LeNet's): make-trainable's `<stem>.grad.onnx`. */
  readonly gradient?: ModelProto;
}

/**
 * On the CPU the data-parallel runner (a gradient model per thread, flat Adam); on GPU providers one
 * session of the train-step model with the state kept on the device. Threads are bounded by the cores
 * and the batch (runtime/threads.ts); `runner.threads` says how many run.
 */
export async function createStepRunner(ep: ExecutionProvider, from: StateSource, options: StepRunnerOptions): Promise<TrainStepRunner> {
  if (ep === 'cpu') {
    const threads = options.threads === undefined ? undefined : boundThreads(options.threads, { batchSize: options.maxBatch }).threads;
    return ParallelCpuRunner.create(from, { ...options, threads });
  }
  return createSessionRunner(ep, from, { threads: options.threads });
}
