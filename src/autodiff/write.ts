/** `make-trainable` on files: read a model, build its three models, write them all or nothing. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { decodeModel, encodeModel } from '../graph/proto.js';
import { ensureWritableDir, writeFilesAtomic } from '../util/fs.js';
import { type MakeTrainableOptions, makeTrainable } from './trainable.js';

export interface MakeTrainableFilesOptions extends MakeTrainableOptions {
  /** output folder; default the model's own folder */
  readonly outDir?: string;
}

export interface MakeTrainableFilesResult {
  /** `gradient`: `<stem>.grad.onnx`, written when makeTrainable made one (TrainableModels.gradient) */
  readonly files: { readonly train: string; readonly eval: string; readonly inference: string; readonly gradient?: string };
  readonly parameters: number;
  readonly tensors: number;
  /** how some nodes are trained (TrainableModels.notes) */
  readonly notes: readonly string[];
}

/** Writes `<stem>.train.onnx`, `<stem>.eval.onnx`, `<stem>.onnx` (the initial weights) and, when made, `<stem>.grad.onnx` for `modelFile`. */
export async function makeTrainableFiles(modelFile: string, options: MakeTrainableFilesOptions = {}): Promise<MakeTrainableFilesResult> {
  const bytes = await fsp.readFile(modelFile).catch((e: NodeJS.ErrnoException) => { throw new Error(`cannot read '${modelFile}' (${e.code ?? e.message})`); });
  const source = path.basename(modelFile);
  const built = makeTrainable(decodeModel(bytes, modelFile), options, source);
  const outDir = options.outDir ?? path.dirname(modelFile);
  const stem = path.join(outDir, source.replace(/\.onnx$/i, ''));
  const inference = path.resolve(`${stem}.onnx`) === path.resolve(modelFile) ? `${stem}.portable.onnx` : `${stem}.onnx`;
  const files = { train: `${stem}.train.onnx`, eval: `${stem}.eval.onnx`, inference, ...(built.gradient ? { gradient: `${stem}.grad.onnx` } : {}) };
  const encoded: [string, Uint8Array][] = [[files.train, encodeModel(built.train)], [files.eval, encodeModel(built.eval)], [files.inference, encodeModel(built.inference)]];
  if (built.gradient && files.gradient) encoded.push([files.gradient, encodeModel(built.gradient)]);
  await ensureWritableDir(outDir);
  await writeFilesAtomic(encoded);
  // A stale gradient model would train another model's step; removed once the new set is in place.
  if (!built.gradient) await fsp.rm(`${stem}.grad.onnx`, { force: true }).catch(() => undefined);
  return { files, parameters: built.parameters.reduce((n, p) => n + p.data.length, 0), tensors: built.parameters.length, notes: built.notes };
}
