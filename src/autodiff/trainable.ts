/**
 * Any forward-only ONNX model made trainable: the train step (forward, loss, reverse mode, Adam) with
 * the same contract as lenet.train.onnx, the eval model and the inference model, all portable.
 *
 * - every float32 initializer of rank ≥ 1 that is not frozen is a parameter (a state input keeping its
 *   name, with `adam.m.<name>` / `adam.v.<name>`); rank-0 and frozen ones stay constants;
 * - the data input keeps its name; `label` is int32 [N]; the loss is mean cross-entropy on the model's
 *   first output (or `output`), read as logits (N,K);
 * - outputs `next.<X>` for every state input X, `loss` and `correct`.
 */
import { checkPortable } from '../graph/allowlist.js';
import { BIAS_CORRECTION2_SQRT, CORRECT, LABEL, LOSS, LOSS_SUM, STEP_SIZE, adamM, adamV, next } from '../graph/contract.js';
import { adamUpdate } from '../graph/layers/adam.js';
import { crossEntropyBackward, crossEntropyForward } from '../graph/layers/loss.js';
import type { IModelProto, ModelProto } from '../graph/proto.js';
import { formatShape } from '../graph/shape.js';
import { Tape, type Value } from '../graph/tape.js';
import type { HostTensor } from '../graph/tensor.js';
import { type GraphTargetName, forTarget } from '../graph/webgpu-conv.js';
import { type Forward, recordForward } from './forward.js';
import { gradients } from './reverse.js';
import { type SourceGraph, readSourceGraph } from './source.js';

export const LOSSES = ['cross-entropy'] as const;
export type LossName = (typeof LOSSES)[number];
export const OPTIMIZERS = ['adam'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export interface MakeTrainableOptions {
  readonly loss?: LossName;
  readonly optimizer?: OptimizerName;
  /** initializers to keep constant */
  readonly freeze?: readonly string[];
  /** the model output the loss reads; default the first */
  readonly output?: string;
  /** default 'portable' (see webgpu-conv.ts) */
  readonly target?: GraphTargetName;
}

export interface Parameter {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

export interface TrainableModels {
  readonly train: ModelProto;
  readonly eval: ModelProto;
  readonly inference: ModelProto;
  /** the trainable parameters and their initial values, in the train model's input order */
  readonly parameters: readonly Parameter[];
  readonly dataInput: string;
}

function parameterNames(graph: SourceGraph, freeze: readonly string[], source: string): string[] {
  for (const name of freeze) if (!graph.initializers.has(name)) throw new Error(`${source}: --freeze names '${name}', which is not an initializer of the model`);
  return [...graph.initializers].filter(([name, t]) => t.dtype === 'float32' && t.dims.length > 0 && !freeze.includes(name)).map(([name]) => name);
}

interface Built { readonly tape: Tape; readonly forward: Forward; readonly data: Value; readonly params: Map<string, Value>; readonly logits: Value; readonly outputs: Value[] }

/** The forward on a new tape: parameters as inputs (`asInputs`) or initializers, the rest constants. */
function buildForward(name: string, graph: SourceGraph, paramNames: readonly string[], asInputs: boolean, output: string | undefined, source: string): Built {
  const tape = new Tape(name);
  const [dataSpec, ...others] = graph.inputs;
  if (!dataSpec || others.length > 0) throw new Error(`${source}: expected exactly one data input, found ${graph.inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}`);
  if (dataSpec.dtype !== 'float32') throw new Error(`${source}: data input '${dataSpec.name}' is ${dataSpec.dtype}; float32 is supported`);
  const bound = new Map<string, Value>();
  const params = new Map<string, Value>();
  for (const p of paramNames) {
    const t = graph.initializers.get(p) as HostTensor;
    const v = asInputs ? tape.input(p, 'float32', t.dims) : tape.initializer(p, t);
    bound.set(p, v);
    params.set(p, v);
  }
  for (const [n, t] of graph.initializers) if (!bound.has(n) && t.dtype === 'float32') bound.set(n, tape.tensor(t));
  const data = tape.input(dataSpec.name, 'float32', dataSpec.shape);
  bound.set(dataSpec.name, data);
  const fwd = recordForward(tape, graph, bound);
  const outName = output ?? graph.outputs[0];
  if (!graph.outputs.includes(outName)) throw new Error(`${source}: the model has no output '${outName}'`);
  const outputs = graph.outputs.map((o) => fwd.values.get(o) as Value);
  const logits = fwd.values.get(outName) as Value;
  if (logits.shape.length !== 2 || logits.shape[0] !== data.shape[0]) {
    throw new Error(`${source}: output '${outName}' ${formatShape(logits.shape)} is not logits of shape [${String(data.shape[0])},classes]`);
  }
  return { tape, forward: fwd, data, params, logits, outputs };
}

function checked(model: ModelProto, what: string): ModelProto {
  const problems = checkPortable(model);
  if (problems.length > 0) throw new Error(`${what}: ${problems[0]}`);
  return model;
}

/** The three models of `model`; an error naming the node when an op is unsupported or has no gradient rule. */
export function makeTrainable(model: IModelProto, options: MakeTrainableOptions = {}, source = 'model'): TrainableModels {
  if ((options.loss ?? 'cross-entropy') !== 'cross-entropy') throw new Error(`loss '${options.loss}' is not supported yet`);
  if ((options.optimizer ?? 'adam') !== 'adam') throw new Error(`optimizer '${options.optimizer}' is not supported yet`);
  const graph = readSourceGraph(model, source);
  const names = parameterNames(graph, options.freeze ?? [], source);
  const target = options.target ?? 'portable';
  const fail = (e: unknown): never => { throw new Error(`${source}: ${(e as Error).message}`); };

  // Train step: parameters, moments, Adam scalars, data, label → next.*, loss, correct.
  const t = (() => { try { return buildForward(`${graph.name}_train_step`, graph, names, true, options.output, source); } catch (e) { return fail(e); } })();
  const label = t.tape.input(LABEL, 'int32', [t.data.shape[0]]);
  const loss = crossEntropyForward(t.logits, label);
  let grads: Map<string, Value>;
  try { grads = gradients(t.forward, t.logits, crossEntropyBackward(loss), [...t.params.values()]); } catch (e) { return fail(e); }
  const trained = names.filter((n) => grads.has(n));
  const m = new Map(trained.map((n) => [n, t.tape.input(adamM(n), 'float32', t.params.get(n)!.shape)]));
  const v = new Map(trained.map((n) => [n, t.tape.input(adamV(n), 'float32', t.params.get(n)!.shape)]));
  const scalars = { stepSize: t.tape.input(STEP_SIZE, 'float32', []), biasCorrection2Sqrt: t.tape.input(BIAS_CORRECTION2_SQRT, 'float32', []) };
  const updated = new Map(trained.map((n) => [n, adamUpdate({ param: t.params.get(n)!, m: m.get(n)!, v: v.get(n)! }, grads.get(n)!, scalars)]));
  for (const n of names) t.tape.output(updated.get(n)?.param ?? t.params.get(n)!, next(n));
  for (const n of trained) t.tape.output(updated.get(n)!.m, next(adamM(n)));
  for (const n of trained) t.tape.output(updated.get(n)!.v, next(adamV(n)));
  t.tape.output(loss.loss, LOSS);
  t.tape.output(loss.correct, CORRECT);
  const train = checked(forTarget(t.tape.toModel(`${graph.name}: one training step (forward, cross-entropy, reverse mode, torch.optim.Adam), made by onnx-lenet make-trainable.`), target), `${source}: internal error: the train step is not portable`);

  const e = buildForward(`${graph.name}_eval`, graph, names, true, options.output, source);
  const eLoss = crossEntropyForward(e.logits, e.tape.input(LABEL, 'int32', [e.data.shape[0]]));
  e.tape.output(eLoss.lossSum, LOSS_SUM);
  e.tape.output(eLoss.correct, CORRECT);
  const evalModel = checked(forTarget(e.tape.toModel(`${graph.name}: summed cross-entropy and correct count of a labelled batch.`), target), `${source}: the eval model is not portable`);

  const i = buildForward(graph.name, graph, names, false, options.output, source);
  graph.outputs.forEach((o, k) => i.tape.output(i.outputs[k], o));
  const inference = checked(forTarget(i.tape.toModel(`${graph.name}: inference, re-recorded in portable operators by onnx-lenet make-trainable.`), target), `${source}: the inference model is not portable`);

  const parameters = names.map((n) => { const h = graph.initializers.get(n) as HostTensor; return { name: n, shape: h.dims, data: h.data as Float32Array }; });
  return { train, eval: evalModel, inference, parameters, dataInput: t.data.name };
}
