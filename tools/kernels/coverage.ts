/**
 * Static check that every node of a model has a kernel on a GPU execution provider, at the model's opset
 * and for the element types of its inputs and outputs, according to the kernel tables beside it. Types
 * come from the graph (inputs, outputs, initializers, value_info, Constant nodes); for values with none,
 * simple forward rules fill them in (comparisons give bool, Shape/ArgMax int64, Cast its `to`, else the
 * first input's type). A node reported here would fail to load with CPU fallback disabled (src/runtime/providers.ts).
 */
import { CUDA_KERNELS } from './cuda.js';
import { type ArgRef, type KernelTable, SIGNATURES, rangeFor } from './types.js';
import { WEBGPU_KERNELS } from './webgpu.js';
import { type IModelProto, type INodeProto, type TensorType, typeName } from '../../src/runtime/onnx.js';
import type { ExecutionProvider } from '../../src/runtime/execution-provider.js';

export interface CoverageProblem {
  /** Node name (or `<op>#<index>` when unnamed). */
  readonly node: string;
  readonly op: string;
  readonly reason: string;
}

export const KERNEL_TABLES: Readonly<Record<'cuda' | 'webgpu', KernelTable>> = { cuda: CUDA_KERNELS, webgpu: WEBGPU_KERNELS };

const BOOL_OUT = new Set(['Greater', 'Less', 'Equal', 'GreaterOrEqual', 'LessOrEqual', 'Not', 'And', 'Or', 'Xor']);
const INT64_OUT = new Set(['Shape', 'ArgMax', 'ArgMin', 'Size', 'NonZero']);

/** An int64 field as protobufjs decodes it (number, or a Long whose toString is decimal). */
function toNumber(value: unknown): number {
  return typeof value === 'number' ? value : Number(String(value));
}

/** Opset of the default ONNX domain, or undefined if the model does not import it. */
export function defaultOpset(model: IModelProto): number | undefined {
  const entry = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  return entry?.version == null ? undefined : toNumber(entry.version);
}

/** Element types of every value the graph declares. */
function declaredTypes(model: IModelProto): Map<string, TensorType | undefined> {
  const types = new Map<string, TensorType | undefined>();
  const g = model.graph ?? {};
  for (const t of g.initializer ?? []) if (t.name) types.set(t.name, typeName(t.dataType));
  for (const v of [...(g.input ?? []), ...(g.valueInfo ?? []), ...(g.output ?? [])]) {
    if (v.name && v.type?.tensorType) types.set(v.name, typeName(v.type.tensorType.elemType));
  }
  return types;
}

function inferOutputs(node: INodeProto, types: Map<string, TensorType | undefined>): void {
  const op = node.opType ?? '';
  const attr = (name: string) => (node.attribute ?? []).find((a) => a.name === name);
  (node.output ?? []).forEach((out, k) => {
    if (!out || types.has(out)) return;
    let t: TensorType | undefined;
    if (op === 'Constant') t = typeName(attr('value')?.t?.dataType);
    else if (op === 'Cast') t = typeName(toNumber(attr('to')?.i ?? 0));
    else if (BOOL_OUT.has(op)) t = 'bool';
    else if (INT64_OUT.has(op) || (op === 'MaxPool' && k === 1)) t = 'int64';
    else if (op === 'Where') t = types.get(node.input?.[1] ?? '');
    else t = types.get(node.input?.[0] ?? '');
    types.set(out, t);
  });
}

function argNames(node: INodeProto, ref: ArgRef): string[] {
  if (ref === 'i*') return (node.input ?? []).filter((n) => n !== '');
  const list = ref.startsWith('i') ? node.input ?? [] : node.output ?? [];
  const name = list[Number(ref.slice(1))];
  return name ? [name] : [];
}

function opsetSpan(table: KernelTable, op: string): string {
  return (table.ops[op] ?? []).map((r) => (r.until === null ? `${r.since}+` : r.since === r.until ? `${r.since}` : `${r.since}-${r.until}`)).join(', ');
}

function checkNode(node: INodeProto, opset: number, table: KernelTable, types: Map<string, TensorType | undefined>): string[] {
  const op = node.opType ?? '';
  const ep = table.ep;
  if (node.domain && node.domain !== 'ai.onnx') return [`domain '${node.domain}' is not the default ONNX domain`];
  if (op === 'Constant') return []; // folded into an initializer at load time
  const ranges = table.ops[op];
  if (!ranges || ranges.length === 0) return [`no ${ep} kernel for ${op} in the table (${table.source})`];
  const range = rangeFor(ranges, opset);
  if (!range) return [`no ${ep} kernel for ${op} at opset ${opset} (the table has opsets ${opsetSpan(table, op)})`];
  if (ep === 'webgpu' && op === 'MaxPool' && (node.output ?? []).filter(Boolean).length > 1) {
    return [`MaxPool's Indices output (int64) is not supported on webgpu`];
  }
  const reasons: string[] = [];
  for (const [constraint, refs] of Object.entries(SIGNATURES[op] ?? {})) {
    const allowed = range.types[constraint];
    if (!allowed) continue;
    for (const name of refs.flatMap((ref) => argNames(node, ref))) {
      const t = types.get(name);
      if (t === undefined) reasons.push(`type of '${name}' (${constraint}) is unknown, so ${ep} support cannot be shown`);
      else if (!allowed.includes(t)) reasons.push(`${op} on ${ep} at opset ${opset} takes ${constraint} ∈ {${allowed.join(', ')}}; '${name}' is ${t}`);
    }
  }
  return reasons;
}

/**
 * Nodes of `model` without a kernel on `ep` at the model's opset (empty: the whole graph runs on `ep`).
 * For 'cpu' the answer is always empty: the CPU provider is the reference and the fallback.
 */
export function checkCoverage(model: IModelProto, ep: ExecutionProvider, table?: KernelTable): CoverageProblem[] {
  if (ep === 'cpu') return [];
  const kernels = table ?? KERNEL_TABLES[ep];
  const opset = defaultOpset(model);
  if (opset === undefined) return [{ node: '(model)', op: '', reason: 'the model imports no default-domain opset' }];
  const types = declaredTypes(model);
  const problems: CoverageProblem[] = [];
  (model.graph?.node ?? []).forEach((node, index) => {
    const op = node.opType ?? '';
    const label = node.name || `${op}#${index}`;
    inferOutputs(node, types);
    for (const reason of checkNode(node, opset, kernels, types)) problems.push({ node: label, op, reason });
  });
  return problems;
}
