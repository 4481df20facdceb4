/**
 * The WebGPU-safe Conv pass: a graph pass over any built ONNX model that rewrites, exactly, the Conv
 * nodes ONNX Runtime's native WebGPU provider computes wrongly (see docs/webgpu.md and
 * `tools/webgpu-conv-repro.ts`, which says whether the installed ONNX Runtime still needs it).
 *
 * The bug (onnxruntime-node 1.30's WebGPU provider; the same code runs in `onnxruntime-web/webgpu`): a
 * 2-D Conv goes channels-last through the provider's tiled matmul program. When the output channels are
 * a multiple of 4 and the input channels a multiple of 3 but not of 4 — 6, 9, 15, 18, … (3 itself is
 * fine) — it reads the input three channels at a time and indexes them as if they were four: outputs
 * off by as much as the outputs themselves. Every other channel combination tried was right to ~1e-5, and
 * ConvTranspose is not affected. In LeNet this hits conv2 (6 → 16) and conv2's weight gradient (a Conv
 * with the batch as its input channels and 16 output channels) whenever N is 6, 9, 15, 18, 30, ….
 *
 * The pass reads the channel counts from the weight's shape (an initializer, a graph input or a
 * value_info entry: w is [M, C, kh, kw]) and rewrites with zeros only, so the sums are the same:
 * - static input channels C in the bad set: zero-pad x and w on the channel axis to the next multiple
 *   of 4 (conv2: 6 → 8); the provider then reads 4 channels at a time, correctly;
 * - input channels unknown (symbolic, e.g. the batch in a weight gradient): give w (and b) one zero
 *   output channel (16 → 17) and Slice it off the result; with output channels not a multiple of 4 the
 *   provider takes its scalar path, which is right for every C.
 * Only Pad and Slice nodes are added (both on the portable allow-list); inputs, outputs and initializers
 * are unchanged. The pass is idempotent: the rewritten Convs no longer meet the condition. Grouped Convs
 * (group ≠ 1), non-2-D Convs and Convs whose output channel count is unknown are left alone; the last are
 * reported as `unresolved`.
 */
import { type IModelProto, type INodeProto, type IValueInfoProto, type ModelProto, onnx } from './proto.js';
import type { Dim } from './shape.js';

/**
 * What a graph is built for. `portable` (the default for exported files) computes the same numbers on
 * every ONNX Runtime backend, including the native WebGPU provider; `cpu` skips the WebGPU-safe Conv
 * pass and is the fastest on the CPU (and right on CUDA and onnxruntime-web's default JSEP build).
 * Both variants have the same inputs, outputs and numbers on the CPU.
 */
export type GraphTarget = 'portable' | 'cpu';

export const GRAPH_TARGETS: readonly GraphTarget[] = ['portable', 'cpu'];

/** Older names, still accepted: `webgpu` is `portable`, `generic` is `cpu`. */
export const GRAPH_TARGET_ALIASES: Readonly<Record<string, GraphTarget>> = { webgpu: 'portable', generic: 'cpu' };

export type GraphTargetName = GraphTarget | 'webgpu' | 'generic';

/** The target exported files (`build-graph`, `train`'s lenet.onnx) are built for unless told otherwise. */
export const DEFAULT_EXPORT_TARGET: GraphTarget = 'portable';

/** A target name or alias → the target; `fallback` when undefined. */
export function resolveGraphTarget(name: string | undefined, fallback: GraphTarget): GraphTarget {
  if (name === undefined) return fallback;
  if ((GRAPH_TARGETS as readonly string[]).includes(name)) return name as GraphTarget;
  const alias = GRAPH_TARGET_ALIASES[name];
  if (alias) return alias;
  throw new RangeError(`graph target must be one of ${[...GRAPH_TARGETS, ...Object.keys(GRAPH_TARGET_ALIASES)].map((t) => `'${t}'`).join(', ')}; got '${name}'`);
}

/** True when ONNX Runtime 1.30's WebGPU Conv may compute a Conv with these channel counts wrongly. */
export function webgpuConvHazard(inChannels: Dim, outChannels: number): boolean {
  if (outChannels % 4 !== 0) return false;
  if (typeof inChannels !== 'number') return true;
  return inChannels > 3 && inChannels % 3 === 0 && inChannels % 4 !== 0;
}

export interface WebgpuConvRewrite {
  /** The Conv node's name (or its first output's name when it has none). */
  readonly node: string;
  readonly kind: 'pad-input-channels' | 'extra-output-channel';
  readonly inChannels: Dim;
  readonly outChannels: number;
}

export interface WebgpuConvPassResult {
  readonly model: ModelProto;
  readonly rewritten: readonly WebgpuConvRewrite[];
  /** Convs the pass could not judge (weight shape or output channels unknown); left as they were. */
  readonly unresolved: readonly string[];
}

type Dims = (Dim | undefined)[];

function dimsOf(info: IValueInfoProto): Dims | undefined {
  const shape = info.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? Number(d.dimValue) : undefined));
}

function intAttribute(node: INodeProto, name: string): number | undefined {
  const a = (node.attribute ?? []).find((x) => x.name === name);
  return a?.i !== undefined && a.i !== null ? Number(a.i) : undefined;
}

/** Applies the WebGPU-safe Conv rewrite to every Conv of `model` that meets the bug's condition. */
export function webgpuSafeConvPass(model: IModelProto): WebgpuConvPassResult {
  const out = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());          // deep copy
  const graph = out.graph;
  if (!graph) throw new Error('webgpuSafeConvPass: the model has no graph');
  const opset = Number((out.opsetImport ?? []).find((o) => !o.domain)?.version ?? 17);

  const shapes = new Map<string, Dims>();
  const elemTypes = new Map<string, number>();
  for (const info of [...graph.input ?? [], ...graph.valueInfo ?? [], ...graph.output ?? []]) {
    const d = dimsOf(info);
    if (d && info.name) shapes.set(info.name, d);
    if (info.name && info.type?.tensorType?.elemType) elemTypes.set(info.name, info.type.tensorType.elemType);
  }
  for (const t of graph.initializer ?? []) {
    if (!t.name) continue;
    shapes.set(t.name, (t.dims ?? []).map(Number));
    if (t.dataType) elemTypes.set(t.name, t.dataType);
  }

  const names = new Set<string>();
  for (const n of graph.node ?? []) for (const v of [...n.input ?? [], ...n.output ?? [], n.name ?? '']) names.add(v);
  for (const v of [...graph.input ?? [], ...graph.output ?? [], ...graph.valueInfo ?? [], ...graph.initializer ?? []]) names.add(v.name ?? '');
  const fresh = (base: string): string => {
    let name = base;
    for (let k = 1; names.has(name); k++) name = `${base}_${k}`;
    names.add(name);
    return name;
  };

  const int64s = (base: string, values: readonly number[]): string => {
    const name = fresh(base);
    const bytes = new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    graph.initializer = [...graph.initializer ?? [], onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: bytes })];
    return name;
  };

  const declare = (name: string, dims: Dims | undefined, like: string): void => {
    if (dims) shapes.set(name, dims);
    if (!dims || dims.some((d) => d === undefined)) return;
    const elemType = elemTypes.get(like) ?? onnx.TensorProto.DataType.FLOAT;
    elemTypes.set(name, elemType);
    graph.valueInfo = [...graph.valueInfo ?? [], onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d as string })) } } },
    })];
  };

  const nodes: INodeProto[] = [];
  /** Zero padding of `input` (rank `rank`) at the end of `axis` by `extra`; returns the new value's name. */
  const padEnd = (base: string, input: string, rank: number, axis: number, extra: number): string => {
    const pads = new Array<number>(2 * rank).fill(0);
    pads[rank + axis] = extra;
    const output = fresh(`${base}_padded`);
    const node = onnx.NodeProto.create({ name: fresh(`${base}_webgpu_pad`), opType: 'Pad', output: [output] });
    if (opset >= 11) node.input = [input, int64s(`${base}_webgpu_pads`, pads)];
    else {
      node.input = [input];
      node.attribute = [onnx.AttributeProto.create({ name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: pads })];
    }
    nodes.push(node);
    const dims = shapes.get(input);
    declare(output, dims && dims.map((d, i) => (i === axis && typeof d === 'number' ? d + extra : d)), input);
    return output;
  };

  const rewritten: WebgpuConvRewrite[] = [];
  const unresolved: string[] = [];
  for (const node of graph.node ?? []) {
    const label = node.name || node.output?.[0] || 'Conv';
    const inputs = node.input ?? [];
    if (node.opType !== 'Conv' || (node.domain ?? '') !== '' || (intAttribute(node, 'group') ?? 1) !== 1) {
      nodes.push(node);
      continue;
    }
    const w = shapes.get(inputs[1]);
    if (!w || w.length !== 4 || typeof w[0] !== 'number') {
      if (!w || w.length === 4) unresolved.push(label);
      nodes.push(node);
      continue;
    }
    const [outChannels, inChannels] = [w[0], w[1] ?? '?'];
    if (!webgpuConvHazard(inChannels, outChannels)) {
      nodes.push(node);
      continue;
    }
    const base = (node.name || node.output?.[0] || 'conv').replace(/[^\w.]/g, '_');
    if (typeof inChannels === 'number') {
      const extra = 4 - (inChannels % 4);                                              // C → next multiple of 4
      const x = padEnd(`${base}_x`, inputs[0], 4, 1, extra);
      const wp = padEnd(`${base}_w`, inputs[1], 4, 1, extra);
      node.input = [x, wp, ...inputs.slice(2)];
      nodes.push(node);
      rewritten.push({ node: label, kind: 'pad-input-channels', inChannels, outChannels });
      continue;
    }
    const wp = padEnd(`${base}_w`, inputs[1], 4, 0, 1);                                // M + 1 output channels
    const b = inputs[2] ? padEnd(`${base}_b`, inputs[2], 1, 0, 1) : undefined;
    const result = node.output?.[0] ?? '';
    const wide = fresh(`${base}_wide`);
    node.input = [inputs[0], wp, ...inputs.slice(2)];
    if (b) node.input[2] = b;
    node.output = [wide, ...(node.output ?? []).slice(1)];
    nodes.push(node);
    const y = shapes.get(result);
    declare(wide, y && y.map((d, i) => (i === 1 ? outChannels + 1 : d)), result);
    const slice = onnx.NodeProto.create({ name: fresh(`${base}_webgpu_slice`), opType: 'Slice', output: [result] });
    if (opset >= 10) slice.input = [wide, int64s(`${base}_webgpu_start`, [0]), int64s(`${base}_webgpu_end`, [outChannels]), int64s(`${base}_webgpu_axis`, [1])];
    else {
      const A = onnx.AttributeProto.AttributeType;
      slice.input = [wide];
      slice.attribute = [{ name: 'starts', type: A.INTS, ints: [0] }, { name: 'ends', type: A.INTS, ints: [outChannels] }, { name: 'axes', type: A.INTS, ints: [1] }]
        .map((a) => onnx.AttributeProto.create(a));
    }
    nodes.push(slice);
    rewritten.push({ node: label, kind: 'extra-output-channel', inChannels, outChannels });
  }
  if (rewritten.length === 0) return { model: model instanceof onnx.ModelProto ? model : onnx.ModelProto.create(model), rewritten, unresolved };
  graph.node = nodes as typeof graph.node;
  const problem = onnx.ModelProto.verify(out);
  if (problem) throw new Error(`internal error: webgpuSafeConvPass made an invalid ModelProto: ${problem}`);
  return { model: out, rewritten, unresolved };
}

/** `model` as built for `target`: the WebGPU-safe Conv pass applied for `portable`, unchanged for `cpu`. */
export function forTarget(model: ModelProto, target: GraphTargetName = 'cpu'): ModelProto {
  return resolveGraphTarget(target, 'cpu') === 'portable' ? webgpuSafeConvPass(model).model : model;
}

/** The graph variant to build for an execution provider ('cpu', 'cuda', 'webgpu'). */
export function graphTargetFor(executionProvider: string): GraphTarget {
  return executionProvider === 'webgpu' ? 'portable' : 'cpu';
}
