/**
 * Derives an execution provider's kernel table by experiment: for each op, opset and type, create a
 * session for a one-node model with CPU fallback disabled. It loads only if the provider has a kernel for
 * that node, so the table describes the very binary that is installed.
 */
import { InferenceSession } from 'onnxruntime-node';
import type { TensorType } from '../../src/runtime/onnx.js';
import { sessionOptionsFor } from '../../src/runtime/providers.js';
import { tinyModelBytes } from '../../src/runtime/tiny-model.js';
import { PROBE_DEFAULTS, type ProbeTypes, constraintApplies, probeNode } from './probe-specs.js';
import { type KernelRange, SIGNATURES } from './types.js';

export type ProbeOutcome = 'kernel' | 'no-kernel' | 'invalid';

/** Constraints fixed by the ONNX schema (bool conditions, int64 shapes and indices): not probed. */
const FIXED: Readonly<Record<string, readonly string[]>> = {
  MaxPool: ['I'], Reshape: ['shape'], Greater: ['T1'], Equal: ['T1'], Where: ['B'], Shape: ['T1'], Tile: ['T1'],
};

export const PROBE_TYPES: readonly TensorType[] = ['float', 'float16', 'double', 'int32', 'uint32', 'int64', 'int8', 'uint8', 'bool'];

/** Whether `ep` runs the probe node for (op, opset, types) itself. */
export async function probeOnce(ep: 'cuda' | 'webgpu', op: string, opset: number, types: ProbeTypes): Promise<{ outcome: ProbeOutcome; message?: string }> {
  try {
    const bytes = tinyModelBytes(probeNode(op, opset, types));
    const session = await InferenceSession.create(bytes, sessionOptionsFor(ep, { logSeverityLevel: 4 }));
    await session.release();
    return { outcome: 'kernel' };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/assigned to the default CPU EP|Could not find an implementation|NOT_IMPLEMENTED|node_provider_type.empty\(\)/.test(message)) return { outcome: 'no-kernel' };
    return { outcome: 'invalid', message: message.split('\n')[0] };
  }
}

export interface ProbeOptions {
  readonly ops: readonly string[];
  readonly opsets: readonly number[];
  readonly types?: readonly TensorType[];
  readonly onProgress?: (op: string) => void;
}

export interface ProbeResult {
  readonly ops: Record<string, KernelRange[]>;
  /** Probes that ONNX Runtime rejected as invalid models, per op: (opset, types) → message. */
  readonly invalid: Record<string, string[]>;
}

/** Types per varied constraint that load on `ep` at `opset`. */
async function probeOpset(ep: 'cuda' | 'webgpu', op: string, opset: number, types: readonly TensorType[], invalid: string[]): Promise<Record<string, TensorType[]>> {
  const defaults: ProbeTypes = PROBE_DEFAULTS[op] ?? { T: 'float' };
  const varied = Object.keys(SIGNATURES[op] ?? {}).filter((c) => !(FIXED[op] ?? []).includes(c) && constraintApplies(op, c, opset));
  const found: Record<string, TensorType[]> = {};
  for (const c of varied) {
    for (const t of types) {
      const r = await probeOnce(ep, op, opset, { ...defaults, [c]: t });
      if (r.outcome === 'kernel') (found[c] ??= []).push(t);
      else if (r.outcome === 'invalid') invalid.push(`opset ${opset} ${c}=${t}: ${r.message ?? ''}`);
    }
  }
  return found;
}

/** Merges consecutive opsets with identical type sets into ranges (newest first, as ORT's docs list them). */
function toRanges(perOpset: readonly [number, Record<string, TensorType[]>][]): KernelRange[] {
  const ranges: KernelRange[] = [];
  let current: { since: number; until: number; key: string; types: Record<string, TensorType[]> } | undefined;
  for (const [opset, types] of perOpset) {
    const key = JSON.stringify(Object.entries(types).sort());
    const empty = Object.keys(types).length === 0;
    if (current && current.key === key && current.until === opset - 1 && !empty) {
      current.until = opset;
      continue;
    }
    if (current) ranges.push({ since: current.since, until: current.until, types: current.types });
    current = empty ? undefined : { since: opset, until: opset, key, types };
  }
  if (current) ranges.push({ since: current.since, until: current.until, types: current.types });
  return ranges.reverse();
}

/** Probes every (op, opset, type) on `ep`. Slow on software adapters: about 10k sessions for the full set. */
export async function probeKernels(ep: 'cuda' | 'webgpu', options: ProbeOptions): Promise<ProbeResult> {
  const result: ProbeResult = { ops: {}, invalid: {} };
  for (const op of options.ops) {
    options.onProgress?.(op);
    const invalid: string[] = [];
    const perOpset: [number, Record<string, TensorType[]>][] = [];
    for (const opset of options.opsets) perOpset.push([opset, await probeOpset(ep, op, opset, options.types ?? PROBE_TYPES, invalid)]);
    result.ops[op] = toRanges(perOpset);
    if (invalid.length > 0) result.invalid[op] = invalid;
  }
  return result;
}
