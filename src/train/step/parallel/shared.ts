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

/**
 * Int32 slots of the control array: the counters, then each batch slot's command fields (fieldSlot).
 * The counters only grow, so a part can tell which command they count without anyone resetting them.
 */
export const Slot = {
  /** Commands given so far; command number n (1, 2, …) uses batch slot n mod `slots`. */
  Sequence: 0,
  /** Commands finished, summed over the threads (each counts every command it finishes). */
  Done: 1,
  /** 1 + the index of a part whose command failed in a worker (its message comes as a message), else 0. */
  Failed: 2,
  /** Gradient halves of Step commands finished, summed over the parts. */
  Arrived: 3,
} as const;

/** The fields of one command, one set per batch slot. */
export const Field = {
  Command: 0,
  /** Which of the two alternating state sets holds the state the command starts from. */
  Parity: 1,
  /** Images in the command's batch. */
  BatchSize: 2,
  /**
   * Warp parameters per image (augment.ts paramsPerImage), 0: none; in the slot's `warp`, or, for a step
   * with staged batches, in the staging areas' (one stride for both).
   */
  WarpStride: 3,
  /** 1 + the staging area (StagingViews) that already holds this step's images, else 0. */
  Staged: 4,
  /** 1 + the staging area holding the next step's images, to warp while waiting for the other parts, else 0. */
  NextStaged: 5,
  /** Images in the next step's batch, when NextStaged. */
  NextBatchSize: 6,
} as const;
const COUNTERS = 4;
const FIELDS = 7;

/**
 * Whether Int32 counter value `count` has reached `target` (a count of the same thing as a plain number):
 * compared modulo 2^32, so a counter that wraps after 2^31 increments still compares right.
 */
export const reached = (count: number, target: number): boolean => ((count - target) | 0) >= 0;

/** The control array's index of `field` for batch slot `slot`. */
export const fieldSlot = (slot: number, field: (typeof Field)[keyof typeof Field]): number => COUNTERS + FIELDS * slot + field;

export interface SharedBuffers {
  readonly parts: number;
  /** Parameters laid end to end (layout.ts). */
  readonly paramCount: number;
  /** Largest batch a step may bring (sizes the image and label buffers). */
  readonly maxBatch: number;
  /**
   * Batch slots: 2 when the driver may hand over the next step while the current one runs (the page's
   * pipelined Step commands), else 1. Each slot has its own command fields, scalars, images, labels and warp.
   */
  readonly slots: 1 | 2;
  readonly control: SharedArrayBuffer;
  /** Per slot, float32: step size, √(1−β2^t); then per part: loss_sum, correct (slotViews). */
  readonly scalars: SharedArrayBuffer;
  /** The parameters, flat (layout.ts): the current ones after each Adam when there are several parts, else after Publish. */
  readonly params: SharedArrayBuffer;
  /** Adam's m and v, flat; written on Publish (and at the start). */
  readonly m: SharedArrayBuffer;
  readonly v: SharedArrayBuffer;
  /** parts × paramCount floats: part k's gradient share, written for the slices of the other parts. */
  readonly grads: SharedArrayBuffer;
  /** Per slot: the batch's images and labels. */
  readonly images: SharedArrayBuffer;
  readonly labels: SharedArrayBuffer;
  /** Per slot, float64: the batch's augmentation warp parameters (augment.ts drawAffine), image by image; each part warps its own share. */
  readonly warp: SharedArrayBuffer;
  /**
   * Two staging areas (StagingViews) for a batch handed over one step early, whose images any part warps
   * in place while it would otherwise wait for the others.
   */
  readonly staging: { readonly images: SharedArrayBuffer; readonly warp: SharedArrayBuffer; readonly state: SharedArrayBuffer };
}

/** Staging areas in SharedBuffers.staging: the one for the next step and the one of the step running. */
export const STAGING_AREAS = 2;

/** Image states in a staging area's `state`. */
export const ImageState = { Raw: 0, Warping: 1, Warped: 2 } as const;

export function allocateShared(parts: number, maxBatch: number, paramCount: number, slots: 1 | 2 = 1): SharedBuffers {
  const f32 = (n: number): SharedArrayBuffer => new SharedArrayBuffer(n * 4);
  return {
    parts, maxBatch, paramCount, slots,
    control: f32(COUNTERS + FIELDS * slots),
    scalars: f32(slots * scalarsPerSlot(parts)),
    params: f32(paramCount), m: f32(paramCount), v: f32(paramCount),
    grads: f32(parts * paramCount),
    images: f32(slots * maxBatch * PIXELS),
    labels: f32(slots * maxBatch),
    warp: new SharedArrayBuffer(slots * maxBatch * MAX_PARAMS_PER_IMAGE * 8),
    staging: {
      images: f32(STAGING_AREAS * maxBatch * PIXELS),
      warp: new SharedArrayBuffer(STAGING_AREAS * maxBatch * MAX_PARAMS_PER_IMAGE * 8),
      state: f32(STAGING_AREAS * maxBatch),
    },
  };
}

const scalarsPerSlot = (parts: number): number => 2 + 2 * parts;

/** Scalar slots (float32) of a slot's `scalars` view. */
export const STEP_SIZE_SLOT = 0;
export const BC2_SLOT = 1;
export const lossSumSlot = (part: number): number => 2 + 2 * part;
export const correctSlot = (part: number): number => 3 + 2 * part;

/** Batch slot `slot`'s views of the per-slot buffers. */
export interface SlotViews {
  readonly scalars: Float32Array;
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly warp: Float64Array;
}

export function slotViews(shared: SharedBuffers, slot: number): SlotViews {
  const { parts, maxBatch } = shared;
  const n = scalarsPerSlot(parts);
  return {
    scalars: new Float32Array(shared.scalars, slot * n * 4, n),
    images: new Float32Array(shared.images, slot * maxBatch * PIXELS * 4, maxBatch * PIXELS),
    labels: new Int32Array(shared.labels, slot * maxBatch * 4, maxBatch),
    warp: new Float64Array(shared.warp, slot * maxBatch * MAX_PARAMS_PER_IMAGE * 8, maxBatch * MAX_PARAMS_PER_IMAGE),
  };
}

/** Staging area `area`: the batch's images (warped in place), their warp parameters and each image's ImageState. */
export interface StagingViews {
  readonly images: Float32Array;
  readonly warp: Float64Array;
  readonly state: Int32Array;
}

export function stagingViews(shared: SharedBuffers, area: number): StagingViews {
  const { maxBatch, staging } = shared;
  return {
    images: new Float32Array(staging.images, area * maxBatch * PIXELS * 4, maxBatch * PIXELS),
    warp: new Float64Array(staging.warp, area * maxBatch * MAX_PARAMS_PER_IMAGE * 8, maxBatch * MAX_PARAMS_PER_IMAGE),
    state: new Int32Array(staging.state, area * maxBatch * 4, maxBatch),
  };
}

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
