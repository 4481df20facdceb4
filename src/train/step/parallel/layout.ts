/**
 * The flat layout the CPU trainer keeps its state in: every parameter of the gradient model laid end to
 * end in input order, so that one Adam update runs over one vector (or one slice of it per thread)
 * instead of one per tensor.
 */
import { sizeOf, type TensorSpec } from '../state.js';

export interface FlatLayout {
  readonly specs: readonly TensorSpec[];
  /** Where each tensor starts, in `specs` order. */
  readonly offsets: readonly number[];
  /** Values in all. */
  readonly total: number;
}

export function flatLayout(specs: readonly TensorSpec[]): FlatLayout {
  const offsets: number[] = [];
  let total = 0;
  for (const spec of specs) {
    offsets.push(total);
    total += sizeOf(spec.shape);
  }
  return { specs, offsets, total };
}

/** View of tensor `k` of the layout inside a flat vector. */
export function viewOf(layout: FlatLayout, flat: Float32Array, k: number): Float32Array {
  return flat.subarray(layout.offsets[k], layout.offsets[k] + sizeOf(layout.specs[k].shape));
}

/** Named tensors (by spec name) laid end to end into `flat`. */
export function flattenInto(layout: FlatLayout, values: (name: string) => Float32Array, flat: Float32Array): void {
  layout.specs.forEach((spec, k) => flat.set(values(spec.name), layout.offsets[k]));
}
