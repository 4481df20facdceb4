/** `make-trainable` on files: read a model, build its three models, write them all or nothing. */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { decodeModel, encodeModel } from '../graph/proto.js';
import { ensureWritableDir, writeFileAtomic } from '../util/fs.js';
import { type MakeTrainableOptions, makeTrainable } from './trainable.js';

export interface MakeTrainableFilesOptions extends MakeTrainableOptions {
  /** output folder; default the model's own folder */
  readonly outDir?: string;
}

export interface MakeTrainableFilesResult {
  readonly files: { readonly train: string; readonly eval: string; readonly inference: string };
  readonly parameters: number;
  readonly tensors: number;
  /** how some nodes are trained (TrainableModels.notes) */
  readonly notes: readonly string[];
}

/** Writes `<stem>.train.onnx`, `<stem>.eval.onnx` and `<stem>.onnx` (the initial weights) for `modelFile`. */
export async function makeTrainableFiles(modelFile: string, options: MakeTrainableFilesOptions = {}): Promise<MakeTrainableFilesResult> {
  const bytes = await fsp.readFile(modelFile).catch((e: NodeJS.ErrnoException) => { throw new Error(`cannot read '${modelFile}' (${e.code ?? e.message})`); });
  const source = path.basename(modelFile);
  const built = makeTrainable(decodeModel(bytes, modelFile), options, source);
  const outDir = options.outDir ?? path.dirname(modelFile);
  const stem = path.join(outDir, source.replace(/\.onnx$/i, ''));
  const files = { train: `${stem}.train.onnx`, eval: `${stem}.eval.onnx`, inference: `${stem}.onnx` };
  if (path.resolve(files.inference) === path.resolve(modelFile)) files.inference = `${stem}.portable.onnx`;
  const encoded = [[files.train, encodeModel(built.train)], [files.eval, encodeModel(built.eval)], [files.inference, encodeModel(built.inference)]] as const;
  await ensureWritableDir(outDir);
  const written: string[] = [];
  try {
    for (const [file, data] of encoded) {
      await writeFileAtomic(file, data);
      written.push(file);
    }
  } catch (error) {
    await Promise.all(written.map((f) => fsp.rm(f, { force: true })));
    throw error;
  }
  return { files, parameters: built.parameters.reduce((n, p) => n + p.data.length, 0), tensors: built.parameters.length, notes: built.notes };
}
