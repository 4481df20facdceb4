/**
 * What one operator contributes to reverse mode: a forward (infer shapes, check, record on the tape —
 * possibly as portable ops, e.g. LogSoftmax) and, beside it, a backward (the gradient rule). Each rule
 * file quotes the forward above its backward. The reverse walk (reverse.ts) calls `backward` only for
 * nodes on a path from a trainable value to the loss, and only asks for the inputs that need a gradient.
 */
import { reduceSum, reshape } from '../graph/ops.js';
import { type Dim, type Shape, formatShape } from '../graph/shape.js';
import type { Tape, Value } from '../graph/tape.js';
import type { SourceAttribute, SourceNode } from './source.js';
import type { HostTensor } from '../graph/tensor.js';

/** An error that names the node it is about. */
export class NodeError extends Error {
  override name = 'NodeError';
}

/**
 * What a forward is recorded for, shared by every node of one recording: the phase (the train step runs
 * BatchNormalization on batch statistics; eval and inference on running ones), the new values of state
 * that is not trained (running statistics, by the name of the value they replace) and notes for the user.
 */
export interface RecordingEnv {
  readonly training: boolean;
  readonly updates: Map<string, Value>;
  readonly notes: string[];
}

export const inferenceEnv = (): RecordingEnv => ({ training: false, updates: new Map(), notes: [] });

export class NodeContext {
  constructor(readonly tape: Tape, readonly node: SourceNode, private readonly knownValues: Map<string, Dim[]>,
    readonly env: RecordingEnv = inferenceEnv()) {}

  /** True when recording the train step. */
  get training(): boolean {
    return this.env.training;
  }

  /** Records `value` as the next value of the state input `state` (a running statistic). */
  update(state: Value, value: Value): void {
    if (this.env.updates.has(state.name)) this.fail(`'${state.name}' is updated by two nodes`);
    this.env.updates.set(state.name, value);
  }

  /** A line for the user about how this node is trained (e.g. Dropout as the identity). */
  note(message: string): void {
    this.env.notes.push(`node '${this.node.name}' (${this.node.opType}): ${message}`);
  }

  fail(message: string): never {
    throw new NodeError(`node '${this.node.name}' (${this.node.opType}): ${message}`);
  }

  private attr(name: string): SourceAttribute | undefined {
    return this.node.attributes[name];
  }

  int(name: string, fallback: number): number {
    const a = this.attr(name);
    if (a === undefined) return fallback;
    if (typeof a !== 'number') this.fail(`attribute '${name}' must be a number`);
    return a;
  }

  ints(name: string, fallback: readonly number[] | undefined): readonly number[] | undefined {
    const a = this.attr(name);
    if (a === undefined) return fallback;
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'number')) this.fail(`attribute '${name}' must be a list of numbers`);
    return a as readonly number[];
  }

  float(name: string, fallback: number): number {
    const a = this.attr(name);
    if (a === undefined) return fallback;
    if (typeof a !== 'number') this.fail(`attribute '${name}' must be a number`);
    return a;
  }

  str(name: string, fallback: string): string {
    const a = this.attr(name);
    if (a === undefined) return fallback;
    if (typeof a !== 'string') this.fail(`attribute '${name}' must be a string`);
    return a;
  }

  tensor(name: string): HostTensor | undefined {
    const a = this.attr(name);
    return a !== undefined && typeof a === 'object' && 'dims' in a ? a : undefined;
  }

  /** Refuses attributes the rule does not implement (e.g. auto_pad other than NOTSET), naming them. */
  only(name: string, allowed: readonly (string | number)[]): void {
    const a = this.attr(name);
    if (a !== undefined && !allowed.includes(a as string | number)) this.fail(`${name}=${String(a)} is not supported`);
  }

  /** The build-time values of an integer tensor (shape arithmetic), when known; dims may be symbolic. */
  known(v: Value | undefined): Dim[] | undefined {
    return v ? this.knownValues.get(v.name) : undefined;
  }

  setKnown(v: Value, values: readonly Dim[]): Value {
    this.knownValues.set(v.name, [...values]);
    return v;
  }

  /** Known static integers of an input (axes, pads, shapes), or an error naming what was expected. */
  knownInts(v: Value | undefined, what: string): number[] {
    const k = this.known(v);
    if (!k || k.some((d) => typeof d !== 'number')) this.fail(`${what} must be a constant (or computable when the model is built)`);
    return k as number[];
  }

  staticShape(v: Value, what: string): number[] {
    if (v.shape.some((d) => typeof d !== 'number')) this.fail(`${what} must have a static shape, got ${formatShape(v.shape)}`);
    return v.shape as number[];
  }

  /** A float input that must be present. */
  input(ins: readonly (Value | undefined)[], i: number, what: string): Value {
    const v = ins[i];
    if (!v) this.fail(`input ${i} (${what}) is missing`);
    return v;
  }
}

export interface OpRule {
  /** Records the node (or a portable equivalent) on the tape; returns one value per node output. */
  readonly forward: (ctx: NodeContext, ins: readonly (Value | undefined)[]) => (Value | undefined)[];
  /**
   * The gradient of each input given the gradients of the outputs (undefined: nothing flows back through
   * that output). Entries for inputs with `needs[i]` false may be left undefined. No backward: the op is
   * not differentiable (integer and shape arithmetic), and needing its gradient is an error.
   */
  readonly backward?: (ctx: NodeContext, dys: readonly (Value | undefined)[], ins: readonly (Value | undefined)[],
    outs: readonly (Value | undefined)[], needs: readonly boolean[]) => (Value | undefined)[];
}

/** Axis normalised to [0, rank). */
export function axisOf(ctx: NodeContext, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) ctx.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** A reshape target for `shape`: its dims, with the one symbolic dim (if any) as −1. */
export function reshapeTarget(ctx: NodeContext, shape: Shape): number[] {
  const symbolic = shape.filter((d) => typeof d !== 'number');
  if (symbolic.length > 1) ctx.fail(`cannot reshape back to ${formatShape(shape)}: more than one symbolic dimension`);
  return shape.map((d) => (typeof d === 'number' ? d : -1));
}

/** `g` reshaped to `shape` (a no-op when it already has it). */
export function reshapeTo(ctx: NodeContext, g: Value, shape: Shape): Value {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  return reshape(g, reshapeTarget(ctx, shape));
}

/**
 * The gradient of a broadcast operand: `g` (the result's shape) summed over the axes broadcasting added
 * (leading axes) or stretched (size 1 in `shape`), so that it has `shape` again.
 */
export function unbroadcast(g: Value, shape: Shape): Value {
  const lead = g.shape.length - shape.length;
  let r = lead > 0 ? reduceSum(g, Array.from({ length: lead }, (_, i) => i)) : g;
  const stretched = shape.map((d, i) => (d === 1 && r.shape[i] !== 1 ? i : -1)).filter((i) => i >= 0);
  if (stretched.length > 0) r = reduceSum(r, stretched, true);
  return r;
}
