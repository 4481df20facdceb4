/**
 * Defaults (the seed's recipe), recipes, and validation of training options. Precedence, highest first:
 * an option given explicitly, the recipe's value (recipes.ts), DEFAULTS; when resuming, the checkpoint's
 * options instead of all three (only `epochs` and `dataDir` may change).
 */
import { checkValidationOptions } from '../data/split.js';
import { DATASET_NAMES } from '../data/types.js';
import { ADAM } from '../graph/contract.js';
import { checkThreads } from '../runtime/threads.js';
import { checkBatchSize } from './limits.js';
import type { ResumableOptions, TrainOptions } from './types.js';
import { type AugmentRange, SHIFT_ONLY, checkAugmentRange } from './augment.js';
import { RECIPE_NAMES, isRecipeName, recipeOptions } from './recipes.js';
import { LR_SCHEDULES } from './schedule.js';

export const DEFAULTS: ResumableOptions = {
  recipe: 'seed', dataset: 'mnist', epochs: 10, batchSize: 64, lr: ADAM.lr, seed: 0, lrSchedule: 'constant', warmupEpochs: 0,
  augment: false, augmentShift: SHIFT_ONLY.shift, augmentRotate: SHIFT_ONLY.rotate, augmentScale: SHIFT_ONLY.scale, augmentElastic: SHIFT_ONLY.elastic,
};

function positiveInt(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}`);
}

/** How each option that defines a run is spelled on the command line, for errors. */
const FLAGS: Readonly<Record<keyof ResumableOptions, string>> = {
  recipe: '--recipe', warmupEpochs: '--warmup-epochs', augmentShift: '--augment-shift', augmentRotate: '--augment-rotate', augmentScale: '--augment-scale', augmentElastic: '--augment-elastic',
  dataset: '--dataset', epochs: '--epochs', batchSize: '--batch-size', lr: '--lr', seed: '--seed', lrSchedule: '--lr-schedule', augment: '--augment', dataDir: '--data-dir', model: '--model',
  validation: 'validation', // library only (TrainOptions.validation)
};

/**
 * The warp-range options `given` that `run` does not use because it does not augment, as flags
 * (`--augment-rotate`, …): empty when there are none.
 */
export function unusedAugmentFlags(given: TrainOptions, run: ResumableOptions): string[] {
  if (run.augment) return [];
  return (['augmentShift', 'augmentRotate', 'augmentScale', 'augmentElastic'] as const).filter((k) => given[k] !== undefined).map((k) => FLAGS[k]);
}

/**
 * Resuming continues the checkpoint's run: an option given that differs from the checkpoint's is an
 * error naming each one, not silently ignored. `epochs` may change (raise it to train longer) and
 * `dataDir` may (the data may have moved; the checkpoint's data fingerprint guards what is read).
 */
function checkResumeConflicts(given: TrainOptions, fromCheckpoint: ResumableOptions): void {
  const fixed: (keyof ResumableOptions)[] = [
    'recipe', 'dataset', 'batchSize', 'lr', 'seed', 'lrSchedule', 'warmupEpochs', 'augment', 'augmentShift', 'augmentRotate', 'augmentScale', 'augmentElastic',
  ];
  const conflicts = fixed.filter((k) => given[k] !== undefined && given[k] !== fromCheckpoint[k])
    .map((k) => `${FLAGS[k]} ${String(given[k])} (the checkpoint's run has ${String(fromCheckpoint[k])})`);
  const held = (v: TrainOptions['validation']): string => JSON.stringify(v ?? null);
  if (given.validation !== undefined && held(given.validation) !== held(fromCheckpoint.validation)) {
    conflicts.push(`${FLAGS.validation} ${held(given.validation)} (the checkpoint's run has ${held(fromCheckpoint.validation)})`);
  }
  if (conflicts.length > 0) {
    throw new RangeError(`--resume continues the checkpoint's run, which these options would change: ${conflicts.join(', ')}; drop them, or start a new run without --resume`);
  }
}

/** The run's options: a checkpoint's (when resuming; `epochs` may still be raised), else given ∪ defaults. */
export function resolveOptions(given: TrainOptions, fromCheckpoint?: ResumableOptions): ResumableOptions {
  if (fromCheckpoint) checkResumeConflicts(given, fromCheckpoint);
  if (given.recipe !== undefined && !isRecipeName(given.recipe)) throw new RangeError(`recipe must be one of ${RECIPE_NAMES.join(', ')}; got '${String(given.recipe)}'`);
  const base = fromCheckpoint ?? { ...DEFAULTS, ...recipeOptions(given.recipe ?? DEFAULTS.recipe, given.dataset ?? DEFAULTS.dataset), ...definedOnly(given) };
  const run: ResumableOptions = { ...base, epochs: given.epochs ?? base.epochs, dataDir: given.dataDir ?? base.dataDir };
  if (!(DATASET_NAMES as readonly string[]).includes(run.dataset)) throw new RangeError(`dataset must be one of ${DATASET_NAMES.join(', ')}; got '${run.dataset}'`);
  positiveInt('epochs', run.epochs);
  checkBatchSize(run.batchSize);
  if (!(run.lr > 0 && Number.isFinite(run.lr))) throw new RangeError(`learning rate must be a positive number, got ${run.lr}`);
  if (!Number.isInteger(run.seed) || run.seed < 0 || run.seed > 0xffffffff) throw new RangeError(`seed must be an integer in [0, 2^32), got ${run.seed}`);
  if (!(LR_SCHEDULES as readonly string[]).includes(run.lrSchedule)) throw new RangeError(`lr schedule must be one of ${LR_SCHEDULES.join(', ')}; got '${run.lrSchedule}'`);
  if (!(Number.isFinite(run.warmupEpochs) && run.warmupEpochs >= 0 && run.warmupEpochs < run.epochs)) {
    throw new RangeError(`warm-up epochs must be a number in [0, epochs) = [0, ${run.epochs}), got ${run.warmupEpochs}`);
  }
  checkAugmentRange(augmentRange(run));
  if (run.validation !== undefined) checkValidationOptions(run.validation);
  if (given.maxSteps !== undefined) positiveInt('max steps', given.maxSteps);
  if (given.threads !== undefined) checkThreads(given.threads);
  return run;
}

function definedOnly(given: TrainOptions): Partial<ResumableOptions> {
  const keys: (keyof ResumableOptions)[] = [
    'recipe', 'dataset', 'epochs', 'batchSize', 'lr', 'seed', 'lrSchedule', 'warmupEpochs', 'augment', 'augmentShift', 'augmentRotate', 'augmentScale', 'augmentElastic', 'dataDir', 'validation',
  ];
  return Object.fromEntries(keys.filter((k) => given[k] !== undefined).map((k) => [k, given[k]])) as Partial<ResumableOptions>;
}

/** The run's augmentation range (augment.ts), from its options. */
export function augmentRange(run: ResumableOptions): AugmentRange {
  return { shift: run.augmentShift, rotate: run.augmentRotate, scale: run.augmentScale, elastic: run.augmentElastic };
}
