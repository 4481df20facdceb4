/**
 * The train-step contract, derived from a model's own inputs and outputs (never from LeNet's parameter
 * table), so that every runner — the CPU data-parallel runner, one session on a GPU provider, the page —
 * feeds, carries and reads back state the same way, for any model with this contract:
 *
 * - **state**: every input X for which the model also has an output `next.X` (parameters, Adam's
 *   `adam.m.<p>` / `adam.v.<p>`); one step's `next.X` is the next step's X;
 * - the other inputs: the step's Adam scalars and the batch (`image`, `label`);
 * - `loss` and `correct` come out beside the state.
 *
 * The CPU trainer's gradient model pairs inputs with outputs the same way (`grad.X` for each parameter
 * X), so one rule, `pairedInputs`, finds both. Pure code: the page loads this file too.
 */
import { isOptimizerState, next } from '../../graph/contract.js';
import { sizeOf } from '../../graph/shape.js';
import type { Binding, Feeds, ValueSpec } from '../../runtime/binding/types.js';

/** A float32 tensor's name and (static) shape. */
export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface StateTensor extends TensorSpec {
  readonly data: Float32Array;
}

/** The state on the host, in the model's input order. */
export type HostState = readonly StateTensor[];

/**
 * Where a runner's initial state comes from: a whole state (a checkpoint), or values by name — every
 * parameter, and optimizer state where it is not to start at zero.
 */
export type StateSource = { readonly state: HostState } | { readonly params: Readonly<Record<string, Float32Array>> };

export interface TrainStepSignature {
  /** State inputs: each input X that the model also returns as `next.X`, in input order. */
  readonly state: readonly TensorSpec[];
  /** Every other input (the Adam scalars, the batch). */
  readonly inputs: readonly ValueSpec[];
  readonly outputs: readonly string[];
}

export { sizeOf };

/** Inputs X of a model for which `outputFor(X)` is one of its outputs, as float32 tensors of static shape. */
export function pairedInputs(inputs: readonly ValueSpec[], outputs: readonly string[], outputFor: (name: string) => string, what: string): TensorSpec[] {
  const outs = new Set(outputs);
  return inputs.filter((i) => outs.has(outputFor(i.name))).map((i) => {
    if (i.type !== 'float32') throw new TypeError(`${what}: input '${i.name}' is ${i.type}; state and parameters must be float32`);
    if (!i.shape.every((d): d is number => typeof d === 'number' && d >= 0)) {
      throw new TypeError(`${what}: input '${i.name}' has shape [${i.shape.join(',')}]; state and parameters need a static shape`);
    }
    return { name: i.name, shape: i.shape as readonly number[] };
  });
}

/** The train-step signature of a model with these inputs and outputs; an error when it carries no state. */
export function trainStepSignature(inputs: readonly ValueSpec[], outputs: readonly string[], what = 'the train-step model'): TrainStepSignature {
  const state = pairedInputs(inputs, outputs, next, what);
  if (state.length === 0) throw new TypeError(`${what} has no state: no input X with an output '${next('X')}'`);
  const names = new Set(state.map((s) => s.name));
  return { state, inputs: inputs.filter((i) => !names.has(i.name)), outputs: [...outputs] };
}

/** The initial state of `specs` (copies): `source.state` checked against them, or `source.params` with optimizer state not given at zero. */
export function initialState(specs: readonly TensorSpec[], source: StateSource, what = 'the train-step model'): HostState {
  if ('state' in source) return checkState(specs, source.state, what);
  return specs.map((spec) => {
    const data = source.params[spec.name] ?? (isOptimizerState(spec.name) ? new Float32Array(sizeOf(spec.shape)) : undefined);
    if (!data) throw new RangeError(`no initial value for '${spec.name}', an input of ${what}`);
    if (data.length !== sizeOf(spec.shape)) throw new RangeError(`initial '${spec.name}' has ${data.length} values; ${what} takes [${spec.shape.join(',')}]`);
    return { ...spec, data: data.slice() };
  });
}

/** `state` in the order of `specs` (copies), or an error naming the first tensor missing, unexpected or of the wrong size. */
export function checkState(specs: readonly TensorSpec[], state: HostState, what = 'the train-step model'): HostState {
  const byName = new Map(state.map((t) => [t.name, t]));
  const wanted = new Set(specs.map((s) => s.name));
  const extra = state.find((t) => !wanted.has(t.name));
  if (extra) throw new RangeError(`state tensor '${extra.name}' is not an input of ${what}`);
  return specs.map((spec) => {
    const t = byName.get(spec.name);
    if (!t) throw new RangeError(`state tensor '${spec.name}' (an input of ${what}) is missing`);
    if (t.data.length !== sizeOf(spec.shape)) throw new RangeError(`state tensor '${spec.name}' has ${t.data.length} values; ${what} takes [${spec.shape.join(',')}]`);
    return { ...spec, data: t.data.slice() };
  });
}

/** The batch's data input: the float32 input whose first dimension is the (symbolic) batch. */
export interface DataInputSpec {
  readonly name: string;
  /** the dimensions after the batch's, whose product is the image's pixels */
  readonly dims: readonly number[];
}

/**
 * The data input of a train-step or eval model (LeNet's `image`, an imported model's own name): the one
 * float32 input with a symbolic first dimension and static others holding `pixels` values per image.
 */
export function dataInputOf(inputs: readonly ValueSpec[], pixels: number, what = 'the model'): DataInputSpec {
  const found = inputs.filter((i) => i.type === 'float32' && i.shape.length >= 2 && typeof i.shape[0] !== 'number');
  if (found.length !== 1) throw new TypeError(`${what} must have one float32 input with a batch dimension (the images); found ${found.map((i) => `'${i.name}'`).join(', ') || 'none'}`);
  const [input] = found;
  const dims = input.shape.slice(1);
  if (!dims.every((d): d is number => typeof d === 'number') || sizeOf(dims) !== pixels) {
    throw new TypeError(`${what}: input '${input.name}' takes [${input.shape.join(',')}]; training feeds images of ${pixels} pixels ([N,1,28,28] or [N,784])`);
  }
  return { name: input.name, dims };
}

/** Every state tensor's values by name. */
export function stateValues(state: HostState): Record<string, Float32Array> {
  return Object.fromEntries(state.map((t) => [t.name, t.data]));
}

/** The model's own state (parameters, running statistics) by name, without the optimizer's. */
export function modelState(state: HostState): Record<string, Float32Array> {
  return stateValues(state.filter((t) => !isOptimizerState(t.name)));
}

/** Feeds of every state tensor on `binding` (over copies of the data). */
export function stateFeeds(binding: Binding, state: HostState): Feeds {
  return Object.fromEntries(state.map((t) => [t.name, binding.float32(t.data.slice(), t.shape)]));
}
