/** `evaluate(options)`: accuracy of an inference model on a data set's test split, per class, confusion matrix. */
import { BatchIterator } from '../data/batches.js';
import { type DatasetName, loadDataset } from '../data/dataset.js';
import type { ModelInfo } from '../graph/metadata.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import { type ClassAccuracy, emptyConfusion, summariseConfusion } from './confusion.js';
import { InferenceModel, argmaxRow } from './inference.js';

export type { ClassAccuracy };

export interface EvaluateOptions {
  /** Path of a model with the inference contract (e.g. models/lenet.onnx). */
  readonly model: string;
  readonly dataset?: DatasetName;
  readonly dataDir?: string;
  readonly fallback?: boolean;
  readonly ep?: ExecutionProvider;
  readonly threads?: number;
  /** Images per run (default 1000). */
  readonly batchSize?: number;
  readonly onWarning?: (message: string) => void;
}

export interface EvaluateResult {
  readonly model: string;
  /** What the model file says it is: producer, target, data set, recipe, … (graph/metadata.ts) */
  readonly modelInfo: ModelInfo;
  readonly dataset: string;
  readonly count: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly perClass: readonly ClassAccuracy[];
  /** confusion[true][predicted] */
  readonly confusion: readonly (readonly number[])[];
}

export async function evaluate(options: EvaluateOptions): Promise<EvaluateResult> {
  const model = await InferenceModel.load(options.model, options.ep ?? 'cpu', options.threads);
  try {
    const data = await loadDataset({ dataset: options.dataset, dataDir: options.dataDir, fallback: options.fallback, onWarning: options.onWarning });
    const confusion = emptyConfusion();
    for (const batch of new BatchIterator(data.test, options.batchSize ?? 1000).epoch()) {
      const { logits } = await model.run(batch.images, batch.size);
      for (let i = 0; i < batch.size; i++) confusion[batch.labels[i]][argmaxRow(logits, i)]++;
    }
    const { perClass, correct } = summariseConfusion(confusion);
    return { model: options.model, modelInfo: model.info, dataset: data.name, count: data.test.count, correct, accuracy: correct / data.test.count, perClass, confusion };
  } finally {
    await model.release();
  }
}
