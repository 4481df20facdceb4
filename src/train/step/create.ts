/** The step runner the trainer uses for an execution provider. */
import type { ExecutionProvider } from '../../runtime/execution-provider.js';
import { ParallelCpuRunner } from './parallel/runner.js';
import type { TrainStepRunner } from './runner.js';
import { createSessionRunner } from './session-runner.js';
import type { StateSource } from './state.js';

export interface StepRunnerOptions {
  /** CPU threads (runtime/threads.ts): on the CPU the batch shares, on GPU providers ONNX Runtime's CPU part. */
  readonly threads?: number;
  /** The largest batch a step will be given. */
  readonly maxBatch: number;
}

/**
 * On the CPU the data-parallel runner (a gradient model per thread, flat Adam); on GPU providers one
 * session of the train-step model with the state kept on the device.
 */
export async function createStepRunner(ep: ExecutionProvider, from: StateSource, options: StepRunnerOptions): Promise<TrainStepRunner> {
  if (ep === 'cpu') return ParallelCpuRunner.create(from, options);
  return createSessionRunner(ep, from, { threads: options.threads });
}
