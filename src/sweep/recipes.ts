/**
 * Named training recipes a sweep can compare (`--recipe seed,…`). Each maps to the train options it sets
 * before the swept values (lr, batch size, epochs and, when swept, schedule and augmentation) are laid
 * over it. `seed` is `train`'s defaults: the seed's recipe, today's behaviour.
 *
 * To add one (e.g. `strong`, once `train` has it): a line here; the CLI, the sweep and the report take
 * their names from this table.
 */
import type { TrainOptions } from '../train/types.js';

/** Train options a recipe sets; the sweep's own values win over them. */
export type RecipeOptions = Pick<TrainOptions, 'lrSchedule' | 'augment'>;

export const RECIPES = {
  seed: {},
} as const satisfies Record<string, RecipeOptions>;

export type RecipeName = keyof typeof RECIPES;

export const RECIPE_NAMES: readonly RecipeName[] = Object.keys(RECIPES) as RecipeName[];

export function isRecipeName(name: string): name is RecipeName {
  return Object.prototype.hasOwnProperty.call(RECIPES, name);
}

export function recipeOptions(name: RecipeName): RecipeOptions {
  return RECIPES[name];
}
