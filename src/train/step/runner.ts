/** What the trainer needs from a step runner, whichever runtime runs the step. */
import type { Batch } from '../../data/batches.js';
import type { HostState } from './state.js';

export interface StepResult {
  /** Mean loss of the batch, before the update. */
  readonly loss: number;
  /** Images of the batch the model got right, before the update. */
  readonly correct: number;
}

export interface TrainStepRunner {
  /** Where the step runs: an execution provider ('cpu', 'cuda', 'webgpu', 'wasm'). */
  readonly ep: string;
  /** CPU runners: the threads each batch is split across. */
  readonly threads?: number;
  /** One optimizer step on `batch` with the given step size and bias correction (see adamScalars). */
  step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number): Promise<StepResult>;
  /** A host copy of the current state, in the model's input order. */
  readState(): Promise<HostState>;
  release(): Promise<void>;
}
