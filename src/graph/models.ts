/**
 * The three models, each built from the same forward (lenet.ts) and the one parameter table:
 * inference (`lenet.onnx`), one Adam step (`lenet.train.onnx`) and evaluation (`lenet.eval.onnx`).
 * See contract.ts for their inputs and outputs.
 */
import type { ModelProto } from './proto.js';
import {
  BIAS_CORRECTION2_SQRT, CORRECT, IMAGE, IMAGE_SIZE, LABEL, LOGITS, LOSS, LOSS_SUM, PROBABILITIES, STEP_SIZE,
  adamM, adamV, next,
} from './contract.js';
import { adamUpdate } from './layers/adam.js';
import { crossEntropyBackward, crossEntropyForward } from './layers/loss.js';
import { type ParamValues, lenetBackward, lenetForward } from './lenet.js';
import { PARAMS, type Params } from './params.js';
import { Tape, type Value } from './tape.js';
import type { GraphTarget } from './webgpu-conv.js';

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
   * Which execution provider the graph is built for: 'generic' (default, every provider, fastest on the
   * CPU) or 'webgpu' (exact rewrites around ONNX Runtime's WebGPU Conv bug, see webgpu-conv.ts). The
   * inputs, outputs and numbers are the same.
   */
  readonly target?: GraphTarget;
}

/** Inference: image → logits, probabilities; the weights are initializers. */
export function buildInferenceModel(params: Params, options: ModelOptions = {}): ModelProto {
  const tape = new Tape('lenet');
  const image = imageInput(tape);
  const p = {} as ParamValues;
  for (const spec of PARAMS) p[spec.name] = tape.initializer(spec.name, { dtype: 'float32', dims: spec.shape, data: params[spec.name] });
  const { logits } = lenetForward(image, p, options.target);
  tape.output(logits, LOGITS);
  tape.output(softmax(logits), PROBABILITIES);
  return tape.toModel('LeNet-5 inference. image: float32 [N,1,28,28], pixels in [0,1]; outputs logits and probabilities [N,10].');
}

function softmax(logits: Value): Value {
  return logits.tape.node('Softmax', [logits], [{ dtype: 'float32', shape: logits.shape }], { axis: 1 })[0];
}

export interface TrainStepOptions extends ModelOptions {
  /** Also output `grad.<param>` (the gradient of the mean loss), for tests and debugging. */
  readonly exposeGradients?: boolean;
}

/** One Adam step: state + batch in, next state + mean loss + correct count out. */
export function buildTrainStepModel(options: TrainStepOptions = {}): ModelProto {
  const tape = new Tape('lenet_train_step');
  const p = paramInputs(tape);
  const m = {} as ParamValues;
  const v = {} as ParamValues;
  for (const spec of PARAMS) m[spec.name] = tape.input(adamM(spec.name), 'float32', spec.shape);
  for (const spec of PARAMS) v[spec.name] = tape.input(adamV(spec.name), 'float32', spec.shape);
  const scalars = {
    stepSize: tape.input(STEP_SIZE, 'float32', []),
    biasCorrection2Sqrt: tape.input(BIAS_CORRECTION2_SQRT, 'float32', []),
  };
  const image = imageInput(tape);
  const label = tape.input(LABEL, 'int32', [BATCH]);

  const act = lenetForward(image, p, options.target);
  const loss = crossEntropyForward(act.logits, label);
  const grads = lenetBackward(act, p, crossEntropyBackward(loss), options.target);

  const updated = PARAMS.map((spec) => adamUpdate({ param: p[spec.name], m: m[spec.name], v: v[spec.name] }, grads[spec.name], scalars));
  PARAMS.forEach((spec, i) => tape.output(updated[i].param, next(spec.name)));
  PARAMS.forEach((spec, i) => tape.output(updated[i].m, next(adamM(spec.name))));
  PARAMS.forEach((spec, i) => tape.output(updated[i].v, next(adamV(spec.name))));
  tape.output(loss.loss, LOSS);
  tape.output(loss.correct, CORRECT);
  if (options.exposeGradients) for (const spec of PARAMS) tape.output(grads[spec.name], `grad.${spec.name}`);
  return tape.toModel('LeNet-5 training step: forward, backward and torch.optim.Adam, as one graph.');
}

/** Evaluation of a labelled batch with the given parameters: loss sum and correct count, no update. */
export function buildEvalModel(options: ModelOptions = {}): ModelProto {
  const tape = new Tape('lenet_eval');
  const p = paramInputs(tape);
  const image = imageInput(tape);
  const label = tape.input(LABEL, 'int32', [BATCH]);
  const loss = crossEntropyForward(lenetForward(image, p, options.target).logits, label);
  tape.output(loss.lossSum, LOSS_SUM);
  tape.output(loss.correct, CORRECT);
  return tape.toModel('LeNet-5 evaluation: summed cross-entropy and correct count of a labelled batch.');
}
