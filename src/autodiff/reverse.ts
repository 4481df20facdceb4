/**
 * Reverse mode over a recorded forward: from the seed's gradient back to the wanted values, one rule
 * per node in reverse order. Gradients of a value used several times are summed as they arrive; a node
 * is differentiated only if one of its outputs received a gradient and one of its inputs depends on a
 * wanted value, and only those inputs' gradients are built.
 */
import { add } from '../graph/ops.js';
import type { Value } from '../graph/tape.js';
import { type Forward, atNode } from './forward.js';
import { NodeContext, NodeError } from './rule.js';

/** The gradient of `seed` (whose own gradient is `dseed`) with respect to each of `wrt` that it depends on, by value name. */
export function gradients(fwd: Forward, seed: Value, dseed: Value, wrt: readonly Value[]): Map<string, Value> {
  return gradientsOf(fwd, [[seed, dseed]], wrt);
}

/** The gradient of Σ seeds (each `[value, its gradient]`, e.g. every output of a Split) with respect to each of `wrt`. */
export function gradientsOf(fwd: Forward, seeds: readonly (readonly [Value, Value])[], wrt: readonly Value[]): Map<string, Value> {
  const depends = new Set(wrt.map((v) => v.name));
  for (const r of fwd.recorded) {
    if (r.ins.some((v) => v && depends.has(v.name))) for (const o of r.outs) if (o && o.dtype === 'float32') depends.add(o.name);
  }
  const grads = new Map<string, Value>();
  const accumulate = (v: Value, g: Value): void => {
    const prior = grads.get(v.name);
    grads.set(v.name, prior ? add(prior, g) : g);
  };
  for (const [seed, dseed] of seeds) accumulate(seed, dseed);
  for (let i = fwd.recorded.length - 1; i >= 0; i--) {
    const { node, rule, ins, outs } = fwd.recorded[i];
    const dys = outs.map((o) => (o ? grads.get(o.name) : undefined));
    if (dys.every((g) => !g)) continue;
    const needs = ins.map((v) => !!v && v.dtype === 'float32' && depends.has(v.name));
    if (!needs.some(Boolean)) continue;
    if (!rule.backward) throw new NodeError(`node '${node.name}': operator ${node.opType} has no gradient rule`);
    const backward = rule.backward;
    const dxs = atNode(node, () => backward(new NodeContext(fwd.tape, node, fwd.known, fwd.env), dys, ins, outs, needs));
    ins.forEach((v, k) => { const g = dxs[k]; if (v && needs[k] && g) accumulate(v, g); });
  }
  const result = new Map<string, Value>();
  for (const v of wrt) { const g = grads.get(v.name); if (g) result.set(v.name, g); }
  return result;
}
