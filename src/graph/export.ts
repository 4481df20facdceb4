/**
 * Writes the three models to a folder, all or nothing, and describes them (ops, nodes, I/O shapes).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { ensureWritableDir, writeFilesAtomic } from '../util/fs.js';
import { checkPortable } from './allowlist.js';
import { dtypeOfCode } from './dtype.js';
import { IO_CONTRACT_VERSION, METADATA_KEYS, modelInfo, withMetadata } from './metadata.js';
import { type ModelOptions, buildEvalModel, buildInferenceModel, buildTrainStepModel } from './models.js';
import { PARAM_COUNT, type Params, initParameters } from './params.js';
import { type IModelProto, type IValueInfoProto, type ModelProto, decodeModel, encodeModel } from './proto.js';
import { DEFAULT_EXPORT_TARGET, type GraphTarget, type GraphTargetName, resolveGraphTarget } from './webgpu-conv.js';
import type { ValueSpec } from '../runtime/binding/types.js';

export const MODEL_FILES = { inference: 'lenet.onnx', train: 'lenet.train.onnx', eval: 'lenet.eval.onnx' } as const;
export type ModelKind = keyof typeof MODEL_FILES;

export interface TensorSignature {
  readonly name: string;
  readonly dtype: string;
  readonly shape: readonly (number | string)[];
}

export interface ModelSummary {
  readonly kind: ModelKind;
  readonly file: string;
  readonly bytes: number;
  readonly nodes: number;
  /** op type → node count */
  readonly ops: Readonly<Record<string, number>>;
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
}

export interface BuildGraphsOptions {
  /** Folder to write to (created if missing). */
  readonly outDir: string;
  /** Seed of the initial weights baked into lenet.onnx (PyTorch's init, MT19937). Default 0. */
  readonly seed?: number;
  /**
   * 'portable' (default: right on every ONNX Runtime backend, the WebGPU-safe Conv pass applied) or 'cpu'
   * (no pass, the fastest on the CPU); see webgpu-conv.ts. 'webgpu' and 'generic' are the old names.
   */
  readonly target?: GraphTargetName;
  /** Replace a trained lenet.onnx in `outDir` with the untrained one (default false: that is an error). */
  readonly force?: boolean;
}

export interface BuildGraphsResult {
  readonly seed: number;
  readonly target: GraphTarget;
  readonly parameters: number;
  readonly models: readonly ModelSummary[];
}

export function signature(info: IValueInfoProto): TensorSignature {
  const tensorType = info.type?.tensorType;
  return {
    name: info.name ?? '',
    dtype: dtypeOfCode(tensorType?.elemType) ?? `type ${tensorType?.elemType}`,
    shape: (tensorType?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue))),
  };
}

/** A model's inputs and outputs as name, element type and shape (the form ONNX Runtime's session metadata takes). */
export function modelValueSpecs(model: IModelProto): { inputs: ValueSpec[]; outputs: ValueSpec[] } {
  const spec = (info: IValueInfoProto): ValueSpec => {
    const s = signature(info);
    return { name: s.name, type: s.dtype, shape: s.shape };
  };
  return { inputs: (model.graph?.input ?? []).map(spec), outputs: (model.graph?.output ?? []).map(spec) };
}

export function summarizeModel(kind: ModelKind, file: string, model: IModelProto, bytes: number): ModelSummary {
  const ops: Record<string, number> = {};
  for (const node of model.graph?.node ?? []) ops[node.opType ?? '?'] = (ops[node.opType ?? '?'] ?? 0) + 1;
  return {
    kind, file, bytes, nodes: model.graph?.node?.length ?? 0, ops,
    inputs: (model.graph?.input ?? []).map(signature),
    outputs: (model.graph?.output ?? []).map(signature),
  };
}

/** `model` with the metadata every exported file carries: its target and the I/O contract version. */
export function exportedModel(model: ModelProto, target: GraphTarget, extra: Readonly<Record<string, string | number | undefined>> = {}): ModelProto {
  return withMetadata(model, { [METADATA_KEYS.target]: target, [METADATA_KEYS.ioContract]: IO_CONTRACT_VERSION, ...extra });
}

/** The three models, built in memory. */
export function buildModels(params: Params, options: ModelOptions = {}): Record<ModelKind, ModelProto> {
  return { inference: buildInferenceModel(params, options), train: buildTrainStepModel(options), eval: buildEvalModel(options) };
}

/**
 * What makes `file` a trained model that build-graph (or a new `train` run) must not replace unasked:
 * `train` metadata in it (epochs, test accuracy), or its checkpoint beside it. Undefined when it is
 * missing or untrained.
 */
export async function trainedModelAt(file: string, checkpoint = path.join(path.dirname(file), 'lenet.ckpt')): Promise<string | undefined> {
  const bytes = await fsp.readFile(file).catch(() => undefined);
  if (bytes === undefined) return undefined;
  try {
    const meta = modelInfo(decodeModel(bytes, file)).metadata;
    if (meta[METADATA_KEYS.epochs] !== undefined) {
      const acc = Number(meta[METADATA_KEYS.testAccuracy]);
      const epochs = meta[METADATA_KEYS.epochs];
      return `trained for ${epochs} epoch${epochs === '1' ? '' : 's'} on ${meta[METADATA_KEYS.dataset] ?? 'unknown data'}${Number.isFinite(acc) ? `, test accuracy ${(100 * acc).toFixed(2)}%` : ''}`;
    }
  } catch {
    // not a model we can read: judged by its neighbours below
  }
  return (await fsp.stat(checkpoint).catch(() => undefined)) ? `it has a training checkpoint beside it (${checkpoint})` : undefined;
}

/** Builds the three models and writes them to `outDir`; nothing is left half-written on failure. */
export async function buildGraphs(options: BuildGraphsOptions): Promise<BuildGraphsResult> {
  const seed = options.seed ?? 0;
  const target = resolveGraphTarget(options.target, DEFAULT_EXPORT_TARGET);
  const built = buildModels(initParameters(seed), { target });
  const models = Object.fromEntries((Object.keys(built) as ModelKind[]).map((kind) => [kind, exportedModel(built[kind], target)])) as typeof built;
  const encoded = (Object.keys(MODEL_FILES) as ModelKind[]).map((kind) => {
    const problems = checkPortable(models[kind]);
    if (problems.length > 0) throw new Error(`internal error: ${MODEL_FILES[kind]} is not portable: ${problems[0]}`);
    return { kind, file: path.join(options.outDir, MODEL_FILES[kind]), bytes: encodeModel(models[kind]) };
  });
  const inference = path.join(options.outDir, MODEL_FILES.inference);
  const trained = options.force ? undefined : await trainedModelAt(inference);
  if (trained !== undefined) {
    throw new Error(`'${inference}' is a trained model (${trained}); build-graph would replace it with untrained weights. ` +
      'Write the graphs elsewhere with --out, or replace it anyway with --force');
  }
  await ensureWritableDir(options.outDir);
  await writeFilesAtomic(encoded.map((e) => [e.file, e.bytes] as const));
  return {
    seed,
    target,
    parameters: PARAM_COUNT,
    models: encoded.map((e) => summarizeModel(e.kind, e.file, models[e.kind], e.bytes.length)),
  };
}
