/**
 * The train-step model behind the page's training panel (`/models/lenet.train.onnx`): the file given
 * with `--train-model`, else `lenet.train.onnx` beside the served model, else — when the served model is
 * LeNet-5 — the one `build-graph` would write, built in memory (it has no weights: the page starts
 * from `initParameters(seed)`, so the bytes are the same for every folder). `train` writes no training
 * graphs, so after the README's `train` then `serve` the last case is the usual one; nothing is written
 * into the model's folder.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { checkPortable } from '../graph/allowlist.js';
import { LOSS } from '../graph/contract.js';
import { MODEL_FILES, exportedModel } from '../graph/export.js';
import { buildTrainStepModel } from '../graph/models.js';
import { PARAMS } from '../graph/params.js';
import { decodeModel, encodeModel, type IModelProto } from '../graph/proto.js';
import { DEFAULT_EXPORT_TARGET } from '../graph/webgpu-conv.js';

/** Where the page's train-step model comes from, or why there is none (`warning`, one line). */
export type TrainModelSource =
  | { readonly kind: 'file'; readonly file: string; readonly warning?: undefined }
  | { readonly kind: 'built'; readonly bytes: Uint8Array; readonly warning?: string }
  | { readonly kind: 'none'; readonly warning: string };

/**
 * `model` is the served inference model (already checked), `given` the `--train-model` option. A
 * given file that cannot be used disables training (the user asked for that file); a bad file beside
 * the model is reported and replaced by the built graph.
 */
export function trainModelSource(model: string, modelBytes: Uint8Array | undefined, given: string | undefined): TrainModelSource {
  if (given !== undefined) {
    const file = path.resolve(given);
    const problem = trainModelProblem(file);
    return problem === undefined ? { kind: 'file', file } : { kind: 'none', warning: `${problem}: the page's training panel is disabled` };
  }
  const beside = path.join(path.dirname(model), MODEL_FILES.train);
  const problem = trainModelProblem(beside);
  if (problem === undefined) return { kind: 'file', file: beside };
  const notLenet = modelBytes === undefined ? 'there is no served model' : notLenetProblem(decodeModel(modelBytes, model));
  if (notLenet !== undefined) {
    return { kind: 'none', warning: `${problem}, and LeNet-5's cannot stand in (${notLenet}): the page's training panel is disabled` };
  }
  const missing = statSafe(beside) === undefined;
  return { kind: 'built', bytes: lenetTrainStepBytes(), ...(missing ? {} : { warning: `${problem}: the page trains with LeNet-5's train-step graph, built in memory` }) };
}

/** `lenet.train.onnx` exactly as `build-graph` writes it (the default target), encoded once. */
let builtOnce: Uint8Array | undefined;
export function lenetTrainStepBytes(): Uint8Array {
  if (builtOnce === undefined) {
    const model = exportedModel(buildTrainStepModel({ target: DEFAULT_EXPORT_TARGET }), DEFAULT_EXPORT_TARGET);
    const problems = checkPortable(model);
    if (problems.length > 0) throw new Error(`internal error: ${MODEL_FILES.train} is not portable: ${problems[0]}`);
    builtOnce = encodeModel(model);
  }
  return builtOnce;
}

/** Why the inference `model` is not LeNet-5 (whose weights the page's training replaces), or undefined. */
export function notLenetProblem(model: IModelProto): string | undefined {
  const initializers = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', (t.dims ?? []).map(Number)]));
  for (const spec of PARAMS) {
    const dims = initializers.get(spec.name);
    if (dims === undefined) return `it has no ${spec.name}`;
    if (dims.join('×') !== spec.shape.join('×')) return `its ${spec.name} is ${dims.join('×')}, not ${spec.shape.join('×')}`;
  }
  return undefined;
}

/** Why `file` cannot be the page's train-step model (missing, not a file, not ONNX), or undefined when it can. */
function trainModelProblem(file: string): string | undefined {
  const info = statSafe(file);
  if (info === undefined) return `no train-step model at ${file}`;
  if (!info.isFile()) return `${file} is not a file`;
  try {
    const graph = decodeModel(readFileSync(file), file).graph;
    const names = new Set((graph?.output ?? []).map((o) => o.name));
    if (!names.has(LOSS)) return `${file} is not a train-step model (no loss output)`;
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

function statSafe(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}
