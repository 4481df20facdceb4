/**
 * Validation of a checkpoint's metadata (its `meta_json`): every field the trainer reads is checked for
 * type and range, so a crafted or damaged checkpoint is a one-line error naming the field instead of a
 * TypeError or NaN losses halfway through a run.
 */
import { DATASET_NAMES } from '../data/types.js';
import type { RngState } from '../util/rng.js';
import { SHIFT_ONLY } from './augment.js';
import { RECIPE_NAMES } from './recipes.js';
import { LR_SCHEDULES } from './schedule.js';
import type { EpochMetrics, ResumableOptions } from './types.js';

/** Where training stands: enough to continue exactly where it stopped. */
export interface TrainProgress {
  /** Adam steps taken so far. */
  readonly step: number;
  /** 0-based epoch in progress (equals the number of finished epochs when batchInEpoch is 0). */
  readonly epoch: number;
  /** Batches of that epoch already trained on. */
  readonly batchInEpoch: number;
  /** The data RNG as it was before this epoch's shuffle. */
  readonly epochRng: RngState;
  /** The augmentation RNG now. */
  readonly augmentRng: RngState;
  /** Running sums of the epoch in progress. */
  readonly epochStats: { readonly lossSum: number; readonly correct: number; readonly seen: number; readonly elapsedMs: number };
  readonly history: readonly EpochMetrics[];
  /** Images in the training split, to refuse resuming on different data. */
  readonly trainCount: number;
  /** MD5 of the training split's labels and images (splitFingerprint); absent in older checkpoints. */
  readonly dataFingerprint?: string;
}

/** A metadata field that is missing or out of range; `field` is its path, e.g. `progress.epochRng.mt`. */
export class CheckpointFieldError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`${field} ${detail}`);
  }
}

type Obj = Readonly<Record<string, unknown>>;

const RNG_WORDS = 624;

function object(value: unknown, field: string): Obj {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CheckpointFieldError(field, 'must be an object');
  return value as Obj;
}

function number(o: Obj, key: string, field: string, check: (x: number) => boolean, what: string): number {
  const x = o[key];
  if (typeof x !== 'number' || !check(x)) throw new CheckpointFieldError(`${field}.${key}`, `must be ${what}, found ${JSON.stringify(x) ?? 'nothing'}`);
  return x;
}

const count = (o: Obj, key: string, field: string): number => number(o, key, field, (x) => Number.isSafeInteger(x) && x >= 0, 'an integer ≥ 0');
const positive = (o: Obj, key: string, field: string): number => number(o, key, field, (x) => Number.isSafeInteger(x) && x >= 1, 'an integer ≥ 1');
const finite = (o: Obj, key: string, field: string): number => number(o, key, field, (x) => Number.isFinite(x) && x >= 0, 'a finite number ≥ 0');
const fraction = (o: Obj, key: string, field: string): number => number(o, key, field, (x) => x >= 0 && x <= 1, 'a number in [0, 1]');

function oneOf<T extends string>(o: Obj, key: string, field: string, choices: readonly T[]): T {
  const x = o[key];
  if (typeof x !== 'string' || !(choices as readonly string[]).includes(x)) {
    throw new CheckpointFieldError(`${field}.${key}`, `must be one of ${choices.join(', ')}, found ${JSON.stringify(x) ?? 'nothing'}`);
  }
  return x as T;
}

function rng(value: unknown, field: string): RngState {
  const o = object(value, field);
  const mt = o.mt;
  if (!Array.isArray(mt) || mt.length !== RNG_WORDS || !mt.every((w) => Number.isInteger(w) && w >= 0 && w <= 0xffffffff)) {
    throw new CheckpointFieldError(`${field}.mt`, `must be ${RNG_WORDS} unsigned 32-bit integers`);
  }
  const index = number(o, 'index', field, (x) => Number.isInteger(x) && x >= 0 && x <= RNG_WORDS, `an integer in [0, ${RNG_WORDS}]`);
  return { mt: mt as number[], index };
}

function options(value: unknown): ResumableOptions {
  const f = 'options';
  const o = object(value, f);
  if (typeof o.augment !== 'boolean') throw new CheckpointFieldError(`${f}.augment`, 'must be true or false');
  if (o.dataDir !== undefined && typeof o.dataDir !== 'string') throw new CheckpointFieldError(`${f}.dataDir`, 'must be a string');
  if (o.model !== undefined && typeof o.model !== 'string') throw new CheckpointFieldError(`${f}.model`, 'must be a string');
  // Fields newer than the first checkpoints: absent means the value every run had before they existed.
  const since = <T>(key: string, read: () => T, before: T): T => (o[key] === undefined ? before : read());
  return {
    recipe: since('recipe', () => oneOf(o, 'recipe', f, RECIPE_NAMES), 'seed'),
    dataset: oneOf(o, 'dataset', f, DATASET_NAMES),
    epochs: positive(o, 'epochs', f),
    batchSize: positive(o, 'batchSize', f),
    lr: number(o, 'lr', f, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0'),
    seed: number(o, 'seed', f, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'an integer in [0, 2^32)'),
    lrSchedule: oneOf(o, 'lrSchedule', f, LR_SCHEDULES),
    warmupEpochs: since('warmupEpochs', () => finite(o, 'warmupEpochs', f), 0),
    augment: o.augment,
    augmentShift: since('augmentShift', () => finite(o, 'augmentShift', f), SHIFT_ONLY.shift),
    augmentRotate: since('augmentRotate', () => finite(o, 'augmentRotate', f), SHIFT_ONLY.rotate),
    augmentScale: since('augmentScale', () => finite(o, 'augmentScale', f), SHIFT_ONLY.scale),
    augmentElastic: since('augmentElastic', () => finite(o, 'augmentElastic', f), SHIFT_ONLY.elastic),
    ...(o.dataDir !== undefined ? { dataDir: o.dataDir as string } : {}),
    ...(o.model !== undefined ? { model: o.model as string } : {}),
    ...(o.validation !== undefined ? { validation: validation(o.validation, `${f}.validation`) } : {}),
  };
}

/** TrainOptions.validation: the held-out share of the training split and its seed. */
function validation(value: unknown, field: string): NonNullable<ResumableOptions['validation']> {
  const o = object(value, field);
  return {
    fraction: number(o, 'fraction', field, (x) => x > 0 && x < 1, 'a number in (0, 1)'),
    seed: number(o, 'seed', field, (x) => Number.isInteger(x) && x >= 0 && x <= 0xffffffff, 'an integer in [0, 2^32)'),
  };
}

function epochMetrics(value: unknown, i: number): EpochMetrics {
  const f = `progress.history[${i}]`;
  const o = object(value, f);
  const epoch = positive(o, 'epoch', f);
  if (epoch !== i + 1) throw new CheckpointFieldError(`${f}.epoch`, `must be ${i + 1}, found ${epoch}`);
  return {
    epoch, loss: finite(o, 'loss', f), trainAccuracy: fraction(o, 'trainAccuracy', f), testLoss: finite(o, 'testLoss', f),
    testAccuracy: fraction(o, 'testAccuracy', f),
    ...(o.validationLoss !== undefined ? { validationLoss: finite(o, 'validationLoss', f), validationAccuracy: fraction(o, 'validationAccuracy', f) } : {}),
    seconds: finite(o, 'seconds', f), imagesPerSecond: finite(o, 'imagesPerSecond', f), lr: finite(o, 'lr', f),
  };
}

function progress(value: unknown, run: ResumableOptions): TrainProgress {
  const f = 'progress';
  const o = object(value, f);
  const step = count(o, 'step', f);
  const epoch = count(o, 'epoch', f);
  const batchInEpoch = count(o, 'batchInEpoch', f);
  const trainCount = positive(o, 'trainCount', f);
  if (epoch > run.epochs) throw new CheckpointFieldError(`${f}.epoch`, `must be at most options.epochs (${run.epochs}), found ${epoch}`);
  if (batchInEpoch > step) throw new CheckpointFieldError(`${f}.batchInEpoch`, `must be at most progress.step (${step}), found ${batchInEpoch}`);
  const s = object(o.epochStats, `${f}.epochStats`);
  const epochStats = { lossSum: finite(s, 'lossSum', `${f}.epochStats`), correct: count(s, 'correct', `${f}.epochStats`), seen: count(s, 'seen', `${f}.epochStats`), elapsedMs: finite(s, 'elapsedMs', `${f}.epochStats`) };
  if (epochStats.seen > trainCount) throw new CheckpointFieldError(`${f}.epochStats.seen`, `must be at most progress.trainCount (${trainCount}), found ${epochStats.seen}`);
  if (epochStats.correct > epochStats.seen) throw new CheckpointFieldError(`${f}.epochStats.correct`, `must be at most epochStats.seen (${epochStats.seen}), found ${epochStats.correct}`);
  if (!Array.isArray(o.history)) throw new CheckpointFieldError(`${f}.history`, 'must be an array');
  const history = o.history.map(epochMetrics);
  if (history.length !== epoch) throw new CheckpointFieldError(`${f}.history`, `must hold one entry per finished epoch (${epoch}), found ${history.length}`);
  const fp = o.dataFingerprint;
  if (fp !== undefined && (typeof fp !== 'string' || !/^[0-9a-f]{32}$/.test(fp))) throw new CheckpointFieldError(`${f}.dataFingerprint`, 'must be 32 hex digits');
  return {
    step, epoch, batchInEpoch, epochRng: rng(o.epochRng, `${f}.epochRng`), augmentRng: rng(o.augmentRng, `${f}.augmentRng`),
    epochStats, history, trainCount, ...(fp !== undefined ? { dataFingerprint: fp as string } : {}),
  };
}

/** The checkpoint's options and progress, every field checked; throws CheckpointFieldError. */
export function parseCheckpointMeta(meta: unknown): { options: ResumableOptions; progress: TrainProgress } {
  const o = object(meta, 'metadata');
  const run = options(o.options);
  return { options: run, progress: progress(o.progress, run) };
}
