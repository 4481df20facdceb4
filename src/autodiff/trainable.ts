/**
 * Any forward-only ONNX model made trainable: the train step (forward, loss, reverse mode, optimizer)
 * with the same contract as lenet.train.onnx, the eval model and the inference model, all portable.
 *
 * - every float32 initializer of rank ≥ 1 that is not frozen and not a running statistic is a parameter
 *   (a state input keeping its name, with the optimizer's state: optimizers.ts); rank-0 and frozen ones
 *   stay constants;
 * - BatchNormalization's running mean and variance (initializers) are state without optimizer state:
 *   inputs of the train and eval models keeping their names, `next.<name>` out of the train step
 *   (normalization.ts); initializers of the inference model;
 * - the data input keeps its name; `label` and the loss on the model's first output (or `output`):
 *   losses.ts;
 * - outputs `next.<X>` for every state input X, `loss` and `correct`;
 * - for cross-entropy with Adam and no BatchNormalization also the CPU trainer's gradient model
 *   (`grad.<p>`, as LeNet's buildGradientModel), so `train --model` runs data-parallel on the CPU.
 */
import { checkPortable } from '../graph/allowlist.js';
import { BATCH_COUNT, CORRECT, LABEL, LOSS, LOSS_SUM, gradOf, next } from '../graph/contract.js';
import { crossEntropyBackward, crossEntropyForward } from '../graph/layers/loss.js';
import type { IModelProto, ModelProto } from '../graph/proto.js';
import { Tape, type Value } from '../graph/tape.js';
import { type HostTensor, float32Tensor } from '../graph/tensor.js';
import { type GraphTargetName, forTarget } from '../graph/webgpu-conv.js';
import { type Forward, recordForward } from './forward.js';
import { type LossName, evalLoss, trainLoss } from './losses.js';
import { type OptimizerName, type OptimizerSettings, checkOptimizerSettings, recordOptimizer } from './optimizers.js';
import { gradients } from './reverse.js';
import type { RecordingEnv } from './rule.js';
import { type SourceGraph, readSourceGraph } from './source.js';

export { LOSSES, type LossName } from './losses.js';
export { OPTIMIZERS, type OptimizerName, type OptimizerSettings, optimizerInputs } from './optimizers.js';

export interface MakeTrainableOptions extends OptimizerSettings {
  /** default 'cross-entropy' */
  readonly loss?: LossName;
  /** default 'adam' */
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
  /**
   * The gradient of one part of a batch, as LeNet's buildGradientModel (the CPU trainer's data-parallel
   * runner runs one per thread): parameters, data, `label`, `batch_count` → `grad.<p>`, `loss_sum`,
   * `correct`. Only for cross-entropy with Adam and no BatchNormalization (a part's batch statistics are
   * not the whole batch's, and the running statistics have no place in it); undefined otherwise.
   */
  readonly gradient?: ModelProto;
  /** the trainable parameters and their initial values, in the train model's input order */
  readonly parameters: readonly Parameter[];
  /** state that is not trained (BatchNormalization's running statistics) and its initial values */
  readonly buffers: readonly Parameter[];
  readonly dataInput: string;
  /** how some nodes are trained, one line each (e.g. Dropout as the identity) */
  readonly notes: readonly string[];
}

/** Initializers read as BatchNormalization's running statistics (inputs 3 and 4). */
function bufferNames(graph: SourceGraph, freeze: readonly string[]): string[] {
  const names = graph.nodes.filter((n) => n.opType === 'BatchNormalization').flatMap((n) => [n.inputs[3], n.inputs[4]]);
  return [...new Set(names)].filter((n) => n && graph.initializers.get(n)?.dtype === 'float32' && !freeze.includes(n));
}

function parameterNames(graph: SourceGraph, freeze: readonly string[], buffers: readonly string[], source: string): string[] {
  for (const name of freeze) if (!graph.initializers.has(name)) throw new Error(`${source}: --freeze names '${name}', which is not an initializer of the model`);
  return [...graph.initializers].filter(([name, t]) => t.dtype === 'float32' && t.dims.length > 0 && !freeze.includes(name) && !buffers.includes(name)).map(([name]) => name);
}

interface Built { readonly tape: Tape; readonly forward: Forward; readonly data: Value; readonly state: Map<string, Value>; readonly output: Value; readonly outputs: (Value | undefined)[] }

/** The forward on a new tape: `state` (parameters, running statistics) as inputs (`asInputs`) or initializers, the rest constants. */
function buildForward(name: string, graph: SourceGraph, state: readonly string[], asInputs: boolean, env: RecordingEnv, output: string | undefined, source: string): Built {
  const tape = new Tape(name);
  const [dataSpec, ...others] = graph.inputs;
  if (!dataSpec || others.length > 0) throw new Error(`${source}: expected exactly one data input, found ${graph.inputs.map((i) => `'${i.name}'`).join(', ') || 'none'}`);
  if (dataSpec.dtype !== 'float32') throw new Error(`${source}: data input '${dataSpec.name}' is ${dataSpec.dtype}; float32 is supported`);
  const bound = new Map<string, Value>();
  const values = new Map<string, Value>();
  for (const p of state) {
    const t = graph.initializers.get(p) as HostTensor;
    const v = asInputs ? tape.input(p, 'float32', t.dims) : tape.initializer(p, t);
    bound.set(p, v);
    values.set(p, v);
  }
  for (const [n, t] of graph.initializers) if (!bound.has(n) && t.dtype === 'float32') bound.set(n, tape.tensor(t));
  const data = tape.input(dataSpec.name, 'float32', dataSpec.shape);
  bound.set(dataSpec.name, data);
  let fwd: Forward;
  try { fwd = recordForward(tape, graph, bound, env); } catch (e) { throw new Error(`${source}: ${(e as Error).message}`); }
  const outName = output ?? graph.outputs[0];
  if (!graph.outputs.includes(outName)) throw new Error(`${source}: the model has no output '${outName}'`);
  const outputs = graph.outputs.map((o) => fwd.values.get(o));
  return { tape, forward: fwd, data, state: values, output: fwd.values.get(outName) as Value, outputs };
}

function checked(model: ModelProto, what: string): ModelProto {
  const problems = checkPortable(model);
  if (problems.length > 0) throw new Error(`${what}: ${problems[0]}`);
  return model;
}

/** The CPU trainer's gradient model of a cross-entropy model without running statistics (TrainableModels.gradient). */
function buildGradient(graph: SourceGraph, names: readonly string[], target: GraphTargetName, output: string | undefined, source: string): ModelProto {
  const g = buildForward(`${graph.name}_gradient`, graph, names, true, envOf(true), output, source);
  // the output was checked to be logits [N,K] when the train step was built
  const f = crossEntropyForward(g.output, g.tape.input(LABEL, 'int32', [g.data.shape[0]]));
  const count = g.tape.input(BATCH_COUNT, 'float32', []);
  // this part's share of d(mean loss of the whole batch): (softmax − onehot) / batch_count
  let grads: Map<string, Value>;
  try { grads = gradients(g.forward, g.output, crossEntropyBackward(f, count), names.map((n) => g.state.get(n)!)); } catch (e) { throw new Error(`${source}: ${(e as Error).message}`); }
  for (const n of names) {
    const p = g.state.get(n)!;
    const shape = p.shape as number[];
    g.tape.output(grads.get(n) ?? g.tape.tensor(float32Tensor(shape, new Float32Array(shape.reduce((a, b) => a * b, 1)))), gradOf(n));
  }
  g.tape.output(f.lossSum, LOSS_SUM);
  g.tape.output(f.correct, CORRECT);
  const doc = `${graph.name}: this part's share of the gradient of the batch's mean cross-entropy (the CPU trainer's data-parallel step), made by onnx-lenet make-trainable.`;
  return checked(forTarget(g.tape.toModel(doc), target), `${source}: internal error: the gradient model is not portable`);
}

const envOf = (training: boolean): RecordingEnv => ({ training, updates: new Map(), notes: [] });

/** The three models of `model`; an error naming the node when an op is unsupported or has no gradient rule. */
export function makeTrainable(model: IModelProto, options: MakeTrainableOptions = {}, source = 'model'): TrainableModels {
  const loss = options.loss ?? 'cross-entropy';
  const optimizer = options.optimizer ?? 'adam';
  checkOptimizerSettings(optimizer, options);
  const graph = readSourceGraph(model, source);
  const freeze = options.freeze ?? [];
  const buffers = bufferNames(graph, freeze);
  const names = parameterNames(graph, freeze, buffers, source);
  const target = options.target ?? 'portable';
  const where = `${source}: output '${options.output ?? graph.outputs[0]}'`;

  // Train step: parameters, running statistics, optimizer state and scalars, data, label → next.*, loss, correct.
  const env = envOf(true);
  const t = buildForward(`${graph.name}_train_step`, graph, [...names, ...buffers], true, env, options.output, source);
  const l = trainLoss(loss, t.tape, t.output, t.data, where);
  let grads: Map<string, Value>;
  try { grads = gradients(t.forward, t.output, l.seed, names.map((n) => t.state.get(n)!)); } catch (e) { throw new Error(`${source}: ${(e as Error).message}`); }
  const trained = names.filter((n) => grads.has(n));
  const step = recordOptimizer(t.tape, optimizer, options, trained.map((n) => ({ name: n, param: t.state.get(n)!, grad: grads.get(n)! })));
  for (const n of names) t.tape.output(step.params.get(n) ?? t.state.get(n)!, next(n));
  for (const n of buffers) t.tape.output(env.updates.get(n) ?? t.state.get(n)!, next(n));
  for (const [n, v] of step.state) t.tape.output(v, next(n));
  t.tape.output(l.loss, LOSS);
  t.tape.output(l.correct, CORRECT);
  const doc = `${graph.name}: one training step (forward, ${loss}, reverse mode, ${optimizer}), made by onnx-lenet make-trainable.`;
  const train = checked(forTarget(t.tape.toModel(doc), target), `${source}: internal error: the train step is not portable`);

  const e = buildForward(`${graph.name}_eval`, graph, [...names, ...buffers], true, envOf(false), options.output, source);
  const el = evalLoss(loss, e.tape, e.output, e.data, where);
  e.tape.output(el.lossSum, LOSS_SUM);
  e.tape.output(el.correct, CORRECT);
  const evalModel = checked(forTarget(e.tape.toModel(`${graph.name}: summed ${loss} and correct count of a labelled batch.`), target), `${source}: the eval model is not portable`);

  const i = buildForward(graph.name, graph, [...names, ...buffers], false, envOf(false), options.output, source);
  graph.outputs.forEach((o, k) => { const v = i.outputs[k]; if (v) i.tape.output(v, o); });    // training-form BN's running-stat outputs have no inference value
  const inference = checked(forTarget(i.tape.toModel(`${graph.name}: inference, re-recorded in portable operators by onnx-lenet make-trainable.`), target), `${source}: the inference model is not portable`);

  const gradient = loss === 'cross-entropy' && optimizer === 'adam' && buffers.length === 0
    ? buildGradient(graph, names, target, options.output, source) : undefined;

  const initial = (n: string): Parameter => { const h = graph.initializers.get(n) as HostTensor; return { name: n, shape: h.dims, data: h.data as Float32Array }; };
  return { train, eval: evalModel, inference, ...(gradient ? { gradient } : {}), parameters: names.map(initial), buffers: buffers.map(initial), dataInput: t.data.name, notes: env.notes };
}
