/**
 * Named training recipes (`train --recipe`, `sweep --recipe`): each is a table of defaults for the
 * options that define a run, laid over `train`'s own defaults (options.ts DEFAULTS, the seed's recipe);
 * any option given explicitly wins over the recipe's value. docs/accuracy.md has the measurements that
 * chose `strong`'s values.
 *
 * To add a recipe: a line here; `train`, `sweep`, their CLIs and the sweep report take the names from
 * this table.
 */
import type { DatasetName } from '../data/types.js';
import type { LrSchedule } from './schedule.js';

/** What a recipe may set (types.ts ResumableOptions has each): how the run trains, not what it trains on or where. */
export interface RecipeOptions {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly lr?: number;
  readonly lrSchedule?: LrSchedule;
  readonly warmupEpochs?: number;
  readonly augment?: boolean;
  readonly augmentShift?: number;
  readonly augmentRotate?: number;
  readonly augmentScale?: number;
  readonly augmentElastic?: number;
}

export const RECIPES = {
  /** The seed's recipe: `train`'s defaults, today's behaviour. */
  seed: {},
  /**
   * The best model of LeNet-5 this tool makes in a few minutes on 2 cores (docs/accuracy.md, "--recipe
   * strong"): random affine augmentation (±2 px, ±15°, ±15 %) with an elastic grid (±2 px), a one-epoch
   * linear warm-up into a cosine decay from lr 2e-3, 50 epochs of batch 64.
   */
  strong: {
    epochs: 50, batchSize: 64, lr: 2e-3, lrSchedule: 'cosine', warmupEpochs: 1,
    augment: true, augmentShift: 2, augmentRotate: 15, augmentScale: 0.15, augmentElastic: 2,
  },
} as const satisfies Record<string, RecipeOptions>;

export type RecipeName = keyof typeof RECIPES;

/**
 * A recipe's values that differ for one data set. `strong`'s rotation, scaling and elastic grid are for
 * handwriting: on Fashion-MNIST they cost 2.3 points (89.65 % against 91.97 % with whole-pixel shifts
 * alone, seed 0, docs/accuracy.md), so there it shifts only.
 */
export const RECIPE_DATASET_VALUES: Readonly<Partial<Record<RecipeName, Partial<Record<DatasetName, RecipeOptions>>>>> = {
  strong: { 'fashion-mnist': { augmentRotate: 0, augmentScale: 0, augmentElastic: 0 } },
};

export const RECIPE_NAMES: readonly RecipeName[] = Object.keys(RECIPES) as RecipeName[];

export function isRecipeName(name: string): name is RecipeName {
  return Object.prototype.hasOwnProperty.call(RECIPES, name);
}

/** The values `name` sets for a run on `dataset`. */
export function recipeOptions(name: RecipeName, dataset: DatasetName): RecipeOptions {
  return { ...RECIPES[name], ...RECIPE_DATASET_VALUES[name]?.[dataset] };
}
