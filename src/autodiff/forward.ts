/**
 * The forward pass of a SourceGraph re-recorded on a tape, node by node through the rule table: shapes
 * inferred and checked, integer shape arithmetic evaluated, errors naming the node.
 */
import { GraphShapeError } from '../graph/shape.js';
import type { Dim } from '../graph/shape.js';
import type { Tape, Value } from '../graph/tape.js';
import { NodeContext, NodeError, type OpRule, type RecordingEnv, inferenceEnv } from './rule.js';
import { RULES } from './rules/index.js';
import type { SourceGraph, SourceNode } from './source.js';

export interface RecordedNode {
  readonly node: SourceNode;
  readonly rule: OpRule;
  readonly ins: readonly (Value | undefined)[];
  readonly outs: readonly (Value | undefined)[];
}

export interface Forward {
  readonly tape: Tape;
  /** source value name → tape value */
  readonly values: ReadonlyMap<string, Value>;
  /** nodes that compute something (pure aliases such as Identity are not recorded) */
  readonly recorded: readonly RecordedNode[];
  readonly known: Map<string, Dim[]>;
  readonly env: RecordingEnv;
}

/** Runs `f` and rethrows a shape error from the graph builder as an error naming `node`. */
export function atNode<T>(node: SourceNode, f: () => T): T {
  try {
    return f();
  } catch (error) {
    if (error instanceof GraphShapeError) throw new NodeError(`node '${node.name}' (${node.opType}): ${error.message}`);
    throw error;
  }
}

/**
 * Records `graph`'s nodes on `tape`. `bound` gives the tape value of every graph input and of every
 * float initializer the caller turns into a parameter or constant; integer initializers not bound become
 * constants whose values are known at build time. `env` says whether this is the train step's forward.
 */
export function recordForward(tape: Tape, graph: SourceGraph, bound: ReadonlyMap<string, Value>, env: RecordingEnv = inferenceEnv()): Forward {
  const values = new Map(bound);
  const known = new Map<string, Dim[]>();
  for (const [name, t] of graph.initializers) {
    if (values.has(name)) continue;
    const v = tape.tensor(t);
    values.set(name, v);
    if (t.dtype === 'int64' || t.dtype === 'int32') known.set(v.name, Array.from(t.data as ArrayLike<number | bigint>, Number));
  }
  const recorded: RecordedNode[] = [];
  for (const node of graph.nodes) {
    const rule = RULES[node.opType];
    if (!rule) throw new NodeError(`node '${node.name}': operator ${node.opType} is not supported (no rule)`);
    const ins = node.inputs.map((name) => {
      if (!name) return undefined;
      const v = values.get(name);
      if (!v) throw new NodeError(`node '${node.name}' (${node.opType}): input '${name}' is not produced by any node, input or initializer`);
      return v;
    });
    const ctx = new NodeContext(tape, node, known, env);
    const outs = atNode(node, () => rule.forward(ctx, ins));
    node.outputs.forEach((name, i) => { const v = outs[i]; if (name && v) values.set(name, v); });
    if (outs.some((o) => o && !ins.includes(o))) recorded.push({ node, rule, ins, outs });
  }
  return { tape, values, recorded, known, env };
}
