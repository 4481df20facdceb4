/** What the trainer needs from a step runner, whichever runtime runs the step. */
import type { Batch } from '../../data/batches.js';
import type { HostState } from './state.js';

export interface StepResult {
  /** Mean loss of the batch, before the update. */
  readonly loss: number;
  /** Images of the batch the model got right, before the update. */
  readonly correct: number;
}

/** An augmentation warp for a step's batch: augment.ts drawAffine's parameters, `stride` per image. */
export interface BatchWarp {
  readonly params: Float64Array;
  readonly stride: number;
}

/** The batch a step will bring next, handed over a step early (TrainStepRunner.step's `upcoming`). */
export interface UpcomingBatch {
  readonly batch: Batch;
  readonly warp: BatchWarp;
}

export interface TrainStepRunner {
  /** Where the step runs: an execution provider ('cpu', 'cuda', 'webgpu', 'wasm'). */
  readonly ep: string;
  /** CPU runners: the threads each batch is split across. */
  readonly threads?: number;
  /**
   * True when `step` takes a `warp` and applies it to the batch itself (the CPU runner: each thread
   * warps its own share before its gradient, off the main thread); others are given warped batches.
   */
  readonly warpsBatches?: boolean;
  /**
   * One optimizer step on `batch` with the given step size and bias correction (see adamScalars); with
   * `warp` (only where warpsBatches), the images are warped by it first, as augment.ts warpImages would.
   * `upcoming` (only where warpsBatches): the batch and warp the next step will bring, copied now so that
   * threads waiting for each other during this step can warp it; the next call must bring that batch.
   */
  step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number, warp?: BatchWarp, upcoming?: UpcomingBatch): Promise<StepResult>;
  /** A host copy of the current state, in the model's input order. */
  readState(): Promise<HostState>;
  release(): Promise<void>;
}
