/**
 * The three models, each built from the same forward (lenet.ts) and the one parameter table:
 * inference (`lenet.onnx`), one Adam step (`lenet.train.onnx`) and evaluation (`lenet.eval.onnx`).
 * See contract.ts for their inputs and outputs.
 */
import type { ModelProto } from './proto.js';
import {
  BATCH_COUNT, BIAS_CORRECTION2_SQRT, CORRECT, FLAT_M, FLAT_PARAM, FLAT_V, IMAGE, IMAGE_SIZE, LABEL, LOGITS, LOSS,
  LOSS_SUM, PROBABILITIES, STEP_SIZE, adamM, adamV, gradOf, next,
} from './contract.js';
import { add } from './ops.js';
import { type AdamScalarValues, adamUpdate } from './layers/adam.js';
import { crossEntropyBackward, crossEntropyForward } from './layers/loss.js';
import { type ParamValues, lenetBackward, lenetForward } from './lenet.js';
import { PARAMS, type Params } from './params.js';
import { Tape, type Value } from './tape.js';
import { type GraphTargetName, forTarget } from './webgpu-conv.js';

const BATCH = 'N';

function imageInput(tape: Tape): Value {
  return tape.input(IMAGE, 'float32', [BATCH, 1, IMAGE_SIZE, IMAGE_SIZE]);
}

function paramInputs(tape: Tape): ParamValues {
  const values = {} as ParamValues;
  for (const spec of PARAMS) values[spec.name] = tape.input(spec.name, 'float32', spec.shape);
  return values;
}

export interface ModelOptions {
  /**
   * What the graph is built for: 'cpu' (default for these in-memory builders: no rewrite, fastest on the
   * CPU) or 'portable' (the WebGPU-safe Conv pass of webgpu-conv.ts applied: right on every backend,
   * including ONNX Runtime's native WebGPU provider; the default of the files `build-graph` and `train`
   * write). 'generic' and 'webgpu' are accepted as the old names. Inputs, outputs and numbers are the same.
   */
  readonly target?: GraphTargetName;
}

/** Inference: image → logits, probabilities; the weights are initializers. */
export function buildInferenceModel(params: Params, options: ModelOptions = {}): ModelProto {
  const tape = new Tape('lenet');
  const image = imageInput(tape);
  const p = {} as ParamValues;
  for (const spec of PARAMS) p[spec.name] = tape.initializer(spec.name, { dtype: 'float32', dims: spec.shape, data: params[spec.name] });
  const { logits } = lenetForward(image, p);
  tape.output(logits, LOGITS);
  tape.output(softmax(logits), PROBABILITIES);
  return forTarget(tape.toModel('LeNet-5 inference. image: float32 [N,1,28,28], pixels in [0,1]; outputs logits and probabilities [N,10].'), options.target);
}

function softmax(logits: Value): Value {
  return logits.tape.node('Softmax', [logits], [{ dtype: 'float32', shape: logits.shape }], { axis: 1 })[0];
}

export interface TrainStepOptions extends ModelOptions {
  /** Also output `grad.<param>` (the gradient of the mean loss), for tests and debugging. */
  readonly exposeGradients?: boolean;
}

function adamScalarInputs(tape: Tape): AdamScalarValues {
  return { stepSize: tape.input(STEP_SIZE, 'float32', []), biasCorrection2Sqrt: tape.input(BIAS_CORRECTION2_SQRT, 'float32', []) };
}

/** One Adam step: state + batch in, next state + mean loss + correct count out. */
export function buildTrainStepModel(options: TrainStepOptions = {}): ModelProto {
  const tape = new Tape('lenet_train_step');
  const p = paramInputs(tape);
  const m = {} as ParamValues;
  const v = {} as ParamValues;
  for (const spec of PARAMS) m[spec.name] = tape.input(adamM(spec.name), 'float32', spec.shape);
  for (const spec of PARAMS) v[spec.name] = tape.input(adamV(spec.name), 'float32', spec.shape);
  const scalars = adamScalarInputs(tape);
  const image = imageInput(tape);
  const label = tape.input(LABEL, 'int32', [BATCH]);

  const act = lenetForward(image, p);
  const loss = crossEntropyForward(act.logits, label);
  const grads = lenetBackward(act, p, crossEntropyBackward(loss));

  const updated = PARAMS.map((spec) => adamUpdate({ param: p[spec.name], m: m[spec.name], v: v[spec.name] }, grads[spec.name], scalars));
  PARAMS.forEach((spec, i) => tape.output(updated[i].param, next(spec.name)));
  PARAMS.forEach((spec, i) => tape.output(updated[i].m, next(adamM(spec.name))));
  PARAMS.forEach((spec, i) => tape.output(updated[i].v, next(adamV(spec.name))));
  tape.output(loss.loss, LOSS);
  tape.output(loss.correct, CORRECT);
  if (options.exposeGradients) for (const spec of PARAMS) tape.output(grads[spec.name], gradOf(spec.name));
  return forTarget(tape.toModel('LeNet-5 training step: forward, backward and torch.optim.Adam, as one graph.'), options.target);
}

/**
 * The gradient of one part of a batch (the CPU trainer runs one per thread): parameters, the part's
 * images and labels, and `batch_count`, the size of the whole batch → `grad.<p>`, this part's share of
 * the gradient of the whole batch's mean loss (the shares add up to it), and the part's `loss_sum` and
 * `correct`. With the whole batch as the one part, the gradients are the train step's, bit for bit.
 */
export function buildGradientModel(options: ModelOptions = {}): ModelProto {
  const tape = new Tape('lenet_gradient');
  const p = paramInputs(tape);
  const image = imageInput(tape);
  const label = tape.input(LABEL, 'int32', [BATCH]);
  const batchCount = tape.input(BATCH_COUNT, 'float32', []);
  const act = lenetForward(image, p);
  const loss = crossEntropyForward(act.logits, label);
  const grads = lenetBackward(act, p, crossEntropyBackward(loss, batchCount));
  for (const spec of PARAMS) tape.output(grads[spec.name], gradOf(spec.name));
  tape.output(loss.lossSum, LOSS_SUM);
  tape.output(loss.correct, CORRECT);
  return forTarget(tape.toModel('LeNet-5 gradient of one part of a batch: this part\'s share of the gradient of the batch mean loss.'), options.target);
}

/**
 * torch.optim.Adam over `length` values of the flat parameter vector (the CPU trainer's flat layout, src/train/step/parallel/layout.ts), with the
 * gradient given as `parts` shares that are summed in order: `param`, `adam.m`, `adam.v`, `grad.0` …,
 * the two Adam scalars → `next.param`, `next.adam.m`, `next.adam.v`. Element for element the same
 * arithmetic as the train step's per-tensor update.
 */
export function buildFlatAdamModel(length: number, parts: number): ModelProto {
  if (!Number.isInteger(length) || length < 1) throw new RangeError(`flat Adam length must be a positive integer, got ${length}`);
  if (!Number.isInteger(parts) || parts < 1) throw new RangeError(`gradient parts must be a positive integer, got ${parts}`);
  const tape = new Tape('lenet_adam_flat');
  const scalars = adamScalarInputs(tape);
  const state = {
    param: tape.input(FLAT_PARAM, 'float32', [length]),
    m: tape.input(FLAT_M, 'float32', [length]),
    v: tape.input(FLAT_V, 'float32', [length]),
  };
  const shares = Array.from({ length: parts }, (_, k) => tape.input(gradOf(k), 'float32', [length]));
  const updated = adamUpdate(state, shares.reduce((sum, g) => add(sum, g)), scalars);
  tape.output(updated.param, next(FLAT_PARAM));
  tape.output(updated.m, next(FLAT_M));
  tape.output(updated.v, next(FLAT_V));
  return tape.toModel(`torch.optim.Adam over ${length} parameters laid end to end; the gradient arrives in ${parts} part(s).`);
}

/** Evaluation of a labelled batch with the given parameters: loss sum and correct count, no update. */
export function buildEvalModel(options: ModelOptions = {}): ModelProto {
  const tape = new Tape('lenet_eval');
  const p = paramInputs(tape);
  const image = imageInput(tape);
  const label = tape.input(LABEL, 'int32', [BATCH]);
  const loss = crossEntropyForward(lenetForward(image, p).logits, label);
  tape.output(loss.lossSum, LOSS_SUM);
  tape.output(loss.correct, CORRECT);
  return forTarget(tape.toModel('LeNet-5 evaluation: summed cross-entropy and correct count of a labelled batch.'), options.target);
}
