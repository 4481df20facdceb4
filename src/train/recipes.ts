/**
 * Named training recipes (`train --recipe`, `sweep --recipe`): each is a table of defaults for the
 * options that define a run, laid over `train`'s own defaults (options.ts DEFAULTS, the seed's recipe);
 * any option given explicitly wins over the recipe's value. docs/accuracy.md has the measurements that
 * chose `strong`'s values.
 *
 * To add a recipe: a line here; `train`, `sweep`, their CLIs and the sweep report take the names from
 * this table.
 */
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

export const RECIPE_NAMES: readonly RecipeName[] = Object.keys(RECIPES) as RecipeName[];

export function isRecipeName(name: string): name is RecipeName {
  return Object.prototype.hasOwnProperty.call(RECIPES, name);
}

export function recipeOptions(name: RecipeName): RecipeOptions {
  return RECIPES[name];
}
