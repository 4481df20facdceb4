/**
 * The served model's training run, for the page's curves (`/models/metrics.json`): the `metrics.json`
 * that `train` writes beside the model (trainer.ts, writeOutputs), checked field by field and against
 * the model it is served with — `train` commits the model and its metrics as one set, and the model's
 * metadata says how many epochs it was trained for, so a metrics file left by another run (an untrained
 * `build-graph --force` model, a copied lenet.onnx) is not shown as this model's history.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { METADATA_KEYS, modelInfo } from '../graph/metadata.js';
import { decodeModel } from '../graph/proto.js';
import type { EpochMetrics } from '../train/types.js';

/** One epoch as the page draws it: what `train` recorded for it (metrics.json's `epochs`). */
export type RunEpoch = EpochMetrics;

/** What `/models/metrics.json` serves: the run's recipe, its data, and its epochs. */
export interface RunMetrics {
  /** The metrics file's name beside the model (for the page's caption). */
  readonly file: string;
  readonly recipe: {
    readonly epochs: number;
    readonly batchSize: number;
    readonly lr: number;
    readonly lrSchedule: string;
    readonly augment: boolean;
    readonly seed: number;
    /** Written since `--recipe` (absent in older files): the recipe's name, the warm-up and the warp's ranges. */
    readonly name?: string;
    readonly warmupEpochs?: number;
    readonly augmentRange?: { readonly shift: number; readonly rotate: number; readonly scale: number; readonly elastic: number };
    /** make-trainable's model trained instead of LeNet-5 (its file name), when one was. */
    readonly model?: string;
  };
  readonly dataset: { readonly name: string; readonly source?: string; readonly train: number; readonly validation?: number; readonly test: number };
  readonly ep: string;
  readonly threads?: number;
  readonly step: number;
  readonly epochs: readonly RunEpoch[];
  readonly testAccuracy: number | null;
}

export const METRICS_URL = '/models/metrics.json';
const METRICS_NAME = 'metrics.json';

/**
 * The run behind `model` (its bytes given): `{ metrics }`, `{ absent }` when there is no metrics.json
 * beside it, or `{ problem }` (one line) when there is one that is unreadable or not this model's.
 */
export async function readRunMetrics(model: string, modelBytes: Uint8Array): Promise<{ metrics: RunMetrics } | { absent: true } | { problem: string }> {
  const file = path.join(path.dirname(model), METRICS_NAME);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { absent: true };
    return { problem: `cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
  let metrics: RunMetrics;
  try {
    metrics = parseRunMetrics(JSON.parse(text) as unknown);
  } catch (error) {
    return { problem: `${file} is not a metrics file written by onnx-lenet train (${(error as Error).message})` };
  }
  const meta = modelInfo(decodeModel(modelBytes, model)).metadata;
  const epochs = meta[METADATA_KEYS.epochs];
  if (epochs === undefined || Number(epochs) !== metrics.epochs.length) {
    const says = epochs === undefined ? 'an untrained model' : `trained for ${epochs} epochs`;
    return { problem: `${file} records ${metrics.epochs.length} epochs but ${path.basename(model)} is ${says}: the metrics belong to another run` };
  }
  return { metrics };
}

/** Checks `value` (parsed metrics.json) and keeps the fields the page shows; throws naming the first bad field. */
export function parseRunMetrics(value: unknown): RunMetrics {
  const root = record(value, 'the file');
  const options = record(root.options, 'options');
  const dataset = record(root.dataset, 'dataset');
  const epochsValue = root.epochs;
  if (!Array.isArray(epochsValue)) throw new Error('epochs is not a list');
  const epochs = epochsValue.map((e, i): RunEpoch => {
    const where = `epochs[${i}]`;
    const r = record(e, where);
    const epoch = count(r.epoch, `${where}.epoch`);
    if (epoch !== i + 1) throw new Error(`${where}.epoch is ${epoch}, expected ${i + 1}`);
    const optional = (key: 'validationLoss' | 'validationAccuracy'): Partial<RunEpoch> =>
      r[key] === undefined ? {} : { [key]: num(r[key], `${where}.${key}`) };
    return {
      epoch,
      loss: num(r.loss, `${where}.loss`),
      trainAccuracy: num(r.trainAccuracy, `${where}.trainAccuracy`),
      testLoss: num(r.testLoss, `${where}.testLoss`),
      testAccuracy: num(r.testAccuracy, `${where}.testAccuracy`),
      ...optional('validationLoss'),
      ...optional('validationAccuracy'),
      seconds: num(r.seconds, `${where}.seconds`),
      imagesPerSecond: num(r.imagesPerSecond, `${where}.imagesPerSecond`),
      lr: num(r.lr, `${where}.lr`),
    };
  });
  if (typeof options.augment !== 'boolean') throw new Error('options.augment is not true or false');
  const testAccuracy = root.testAccuracy === null ? null : num(root.testAccuracy, 'testAccuracy');
  return {
    file: METRICS_NAME,
    recipe: {
      epochs: count(options.epochs, 'options.epochs'),
      batchSize: count(options.batchSize, 'options.batchSize'),
      lr: num(options.lr, 'options.lr'),
      lrSchedule: str(options.lrSchedule, 'options.lrSchedule'),
      augment: options.augment,
      seed: count(options.seed, 'options.seed', 0),
      ...(options.recipe !== undefined ? { name: str(options.recipe, 'options.recipe') } : {}),
      ...(options.warmupEpochs !== undefined ? { warmupEpochs: num(options.warmupEpochs, 'options.warmupEpochs') } : {}),
      ...(options.augmentShift !== undefined ? {
        augmentRange: {
          shift: num(options.augmentShift, 'options.augmentShift'), rotate: num(options.augmentRotate ?? 0, 'options.augmentRotate'),
          scale: num(options.augmentScale ?? 0, 'options.augmentScale'), elastic: num(options.augmentElastic ?? 0, 'options.augmentElastic'),
        },
      } : {}),
      ...(options.model !== undefined ? { model: path.basename(str(options.model, 'options.model')) } : {}),
    },
    dataset: {
      name: str(dataset.name, 'dataset.name'),
      ...(dataset.source !== undefined ? { source: str(dataset.source, 'dataset.source') } : {}),
      train: count(dataset.train, 'dataset.train'),
      ...(dataset.validation !== undefined ? { validation: count(dataset.validation, 'dataset.validation') } : {}),
      test: count(dataset.test, 'dataset.test'),
    },
    ep: str(root.ep, 'ep'),
    ...(root.threads !== undefined ? { threads: count(root.threads, 'threads') } : {}),
    step: count(root.step, 'step', 0),
    epochs,
    testAccuracy,
  };
}

function record(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${what} is not an object`);
  return value as Record<string, unknown>;
}

function num(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${what} is not a finite number`);
  return value;
}

function count(value: unknown, what: string, min = 1): number {
  const n = num(value, what);
  if (!Number.isInteger(n) || n < min) throw new Error(`${what} is not an integer ≥ ${min}`);
  return n;
}

function str(value: unknown, what: string): string {
  if (typeof value !== 'string') throw new Error(`${what} is not a string`);
  return value;
}
