/**
 * What the CPU trainer's threads share: one set of SharedArrayBuffers, the batch split, the slices of
 * the flat parameter vector each thread updates, and the little command protocol between them.
 *
 * onnxruntime-node does not accept tensors over a SharedArrayBuffer ("Invalid argument"), so every thread
 * runs its sessions on private buffers and copies through these at the two exchange points of a step.
 */
import { PIXELS } from '../../../graph/contract.js';
import { MAX_PARAMS_PER_IMAGE } from '../../augment.js';

/** Commands the main thread gives every part. */
export const Command = {
  /** Take the batch share, run the gradient model, publish the gradient for the other parts' slices. */
  Gradients: 1,
  /** Sum the gradient shares of this part's slice and run Adam on it; publish the new parameters. */
  Adam: 2,
  /** Publish this part's slice of the parameters and of Adam's m and v. */
  Publish: 3,
  /** Release the sessions and end the thread. */
  Exit: 4,
  /**
   * Gradients, then wait (on the Arrived slot) until every part has published its gradient, then Adam: a
   * whole step in one command, for when no part runs on the driving thread (the page), which then wakes
   * once per step instead of twice.
   */
  Step: 5,
} as const;
export type Command = (typeof Command)[keyof typeof Command];

/** Int32 slots of the control array. */
export const Slot = {
  /** Incremented by the main thread for every command. */
  Sequence: 0,
  Command: 1,
  /** Which of the two alternating state sets holds the current state. */
  Parity: 2,
  /** Images in the current batch. */
  BatchSize: 3,
  /** Workers done with the current command. */
  Done: 4,
  /** 1 + the index of a part whose command failed in a worker (its message comes as a message), else 0. */
  Failed: 5,
  /** Warp parameters per image in `warp` for the current Gradients or Step (augment.ts paramsPerImage), 0: none. */
  WarpStride: 6,
  /** Parts done with the gradient half of a Step command. */
  Arrived: 7,
} as const;
const CONTROL_SLOTS = 8;

export interface SharedBuffers {
  readonly parts: number;
  /** Parameters laid end to end (layout.ts). */
  readonly paramCount: number;
  /** Largest batch a step may bring (sizes the image and label buffers). */
  readonly maxBatch: number;
  readonly control: SharedArrayBuffer;
  /** float32: step size, √(1−β2^t); then per part: loss_sum, correct. */
  readonly scalars: SharedArrayBuffer;
  /** The parameters, flat (layout.ts): the current ones after each Adam when there are several parts, else after Publish. */
  readonly params: SharedArrayBuffer;
  /** Adam's m and v, flat; written on Publish (and at the start). */
  readonly m: SharedArrayBuffer;
  readonly v: SharedArrayBuffer;
  /** parts × paramCount floats: part k's gradient share, written for the slices of the other parts. */
  readonly grads: SharedArrayBuffer;
  readonly images: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  /** float64: the batch's augmentation warp parameters (augment.ts drawAffine), image by image; each part warps its own share. */
  readonly warp: SharedArrayBuffer;
}

export function allocateShared(parts: number, maxBatch: number, paramCount: number): SharedBuffers {
  const f32 = (n: number): SharedArrayBuffer => new SharedArrayBuffer(n * 4);
  return {
    parts, maxBatch, paramCount,
    control: f32(CONTROL_SLOTS),
    scalars: f32(2 + 2 * parts),
    params: f32(paramCount), m: f32(paramCount), v: f32(paramCount),
    grads: f32(parts * paramCount),
    images: f32(maxBatch * PIXELS),
    labels: f32(maxBatch),
    warp: new SharedArrayBuffer(maxBatch * MAX_PARAMS_PER_IMAGE * 8),
  };
}

/** Scalar slots (float32). */
export const STEP_SIZE_SLOT = 0;
export const BC2_SLOT = 1;
export const lossSumSlot = (part: number): number => 2 + 2 * part;
export const correctSlot = (part: number): number => 3 + 2 * part;

export interface Range {
  readonly start: number;
  readonly end: number;
}

/** Images [start, end) of a batch of `size` that part `k` of `parts` takes: contiguous, sizes differ by ≤ 1. */
export function batchShare(size: number, parts: number, k: number): Range {
  const base = Math.floor(size / parts);
  const extra = size % parts;
  const start = k * base + Math.min(k, extra);
  return { start, end: start + base + (k < extra ? 1 : 0) };
}

/** The slice [start, end) of the flat parameter vector (`paramCount` values) whose Adam update part `k` of `parts` runs. */
export function paramSlice(paramCount: number, parts: number, k: number): Range {
  return batchShare(paramCount, parts, k);
}
