/**
 * `train --model`: the three models make-trainable writes for `<stem>.onnx` — `<stem>.train.onnx` (the
 * train step), `<stem>.eval.onnx` and the inference model `<stem>.onnx` (or `<stem>.portable.onnx` when
 * make-trainable kept the source's name), whose float32 initializers are the initial parameters, found
 * by name. The trained model is that inference model with the trained values in those initializers.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { hostTensor } from '../autodiff/source.js';
import { ADAM_LR, LABEL, SGD_LR } from '../graph/contract.js';
import { withMetadata } from '../graph/metadata.js';
import { type ModelProto, decodeModel, encodeModel, onnx } from '../graph/proto.js';

const TRAIN_SUFFIX = '.train.onnx';

export interface TrainableModelFiles {
  /** `<stem>` of `<stem>.train.onnx` */
  readonly stem: string;
  readonly train: string;
  readonly eval: string;
  readonly inference: string;
  /** `<stem>.grad.onnx`, when make-trainable wrote one: the CPU trainer's data-parallel gradient model */
  readonly gradient?: string;
}

export interface TrainableModel {
  readonly files: TrainableModelFiles;
  readonly train: Uint8Array;
  readonly eval: Uint8Array;
  readonly inference: ModelProto;
  readonly gradient?: ModelProto;
  /** float32 initializers of the inference model by name: the parameters' initial values */
  readonly initial: Readonly<Record<string, Float32Array>>;
}

const exists = (file: string): Promise<boolean> => fsp.stat(file).then((s) => s.isFile(), () => false);

/** The files of `--model <stem>.train.onnx | <dir>` (a folder holding one `*.train.onnx`); an error naming what is missing. */
export async function trainableModelFiles(model: string): Promise<TrainableModelFiles> {
  let train = model;
  const stat = await fsp.stat(model).catch(() => undefined);
  if (!stat) throw new Error(`--model '${model}' does not exist; give <stem>.train.onnx written by make-trainable, or its folder`);
  if (stat.isDirectory()) {
    const found = (await fsp.readdir(model)).filter((f) => f.endsWith(TRAIN_SUFFIX)).sort();
    if (found.length !== 1) throw new Error(`--model '${model}' holds ${found.length === 0 ? 'no' : `${found.length}`} *${TRAIN_SUFFIX} files (${found.join(', ') || 'run make-trainable first'}); name one`);
    train = path.join(model, found[0]);
  } else if (!model.endsWith(TRAIN_SUFFIX)) {
    throw new Error(`--model '${model}' is not a <stem>${TRAIN_SUFFIX} written by make-trainable`);
  }
  const dir = path.dirname(train);
  const stem = path.basename(train).slice(0, -TRAIN_SUFFIX.length);
  const evalFile = path.join(dir, `${stem}.eval.onnx`);
  if (!(await exists(evalFile))) throw new Error(`--model: '${evalFile}' (the eval model make-trainable writes beside ${path.basename(train)}) is missing`);
  const candidates = [path.join(dir, `${stem}.portable.onnx`), path.join(dir, `${stem}.onnx`)];
  const inference = (await Promise.all(candidates.map(exists))).findIndex(Boolean);
  if (inference < 0) throw new Error(`--model: '${candidates[1]}' (the inference model with the initial weights) is missing`);
  const gradient = path.join(dir, `${stem}.grad.onnx`);
  return {
    stem, train: path.resolve(train), eval: path.resolve(evalFile), inference: path.resolve(candidates[inference]),
    ...((await exists(gradient)) ? { gradient: path.resolve(gradient) } : {}),
  };
}

/**
 * `train --model` feeds Adam's step size and bias correction, and integer class labels: a train step made
 * with another optimizer or loss needs other inputs. An error naming the option it was made with, else
 * nothing. Reading the model also refuses a damaged file before anything starts.
 */
function checkTrainContract(train: Uint8Array, file: string): void {
  const inputs = decodeModel(train, file).graph?.input ?? [];
  const names = new Set(inputs.map((i) => i.name));
  const label = inputs.find((i) => i.name === LABEL);
  const made = names.has(SGD_LR) ? '--optimizer sgd' : names.has(ADAM_LR) ? '--optimizer adamw'
    : label && label.type?.tensorType?.elemType !== onnx.TensorProto.DataType.INT64 && label.type?.tensorType?.elemType !== onnx.TensorProto.DataType.INT32 ? '--loss mse' : undefined;
  if (made !== undefined) {
    throw new Error(`--model '${file}' was made with make-trainable ${made}; train trains make-trainable's default (Adam, --loss cross-entropy, class labels): ` +
      'make it again without that option, or run its train step in your own loop');
  }
}

export async function loadTrainableModel(model: string): Promise<TrainableModel> {
  const files = await trainableModelFiles(model);
  const [train, evalBytes, inferenceBytes] = await Promise.all([files.train, files.eval, files.inference].map((f) => fsp.readFile(f)));
  checkTrainContract(train, files.train);
  const inference = decodeModel(inferenceBytes, files.inference);
  const initial: Record<string, Float32Array> = {};
  for (const t of inference.graph?.initializer ?? []) {
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT) continue;
    initial[t.name ?? ''] = hostTensor(t, files.inference).data as Float32Array;
  }
  const gradient = files.gradient ? decodeModel(await fsp.readFile(files.gradient), files.gradient) : undefined;
  return { files, train: new Uint8Array(train), eval: new Uint8Array(evalBytes), inference, ...(gradient ? { gradient } : {}), initial };
}

/** The inference model with `values` in its float32 initializers of those names, and `metadata` added. */
export function trainedModelBytes(inference: ModelProto, values: Readonly<Record<string, Float32Array>>,
  metadata: Readonly<Record<string, string | number | undefined>>): Uint8Array {
  const copy = onnx.ModelProto.decode(encodeModel(inference));
  const left = new Set(Object.keys(values));
  for (const t of copy.graph?.initializer ?? []) {
    const v = values[t.name ?? ''];
    if (!v) continue;
    const size = (t.dims ?? []).reduce((a: number, b) => a * Number(b), 1);
    if (t.dataType !== onnx.TensorProto.DataType.FLOAT || size !== v.length) throw new RangeError(`initializer '${t.name}' of the inference model does not take ${v.length} float32 values`);
    t.rawData = new Uint8Array(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    t.floatData = [];
    left.delete(t.name ?? '');
  }
  if (left.size > 0) throw new RangeError(`the inference model has no initializer '${[...left][0]}', a parameter of the train step`);
  return encodeModel(withMetadata(copy, metadata));
}
