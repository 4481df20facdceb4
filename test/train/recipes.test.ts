/**
 * `train --recipe` (src/train/recipes.ts, options.ts): a recipe is a table of defaults; explicit options
 * win over it; resuming keeps the checkpoint's resolved values and refuses changes to the new ones too.
 */
import { describe, expect, test } from 'vitest';
import { DEFAULTS, resolveOptions } from '../../src/train/options.js';
import { RECIPES, RECIPE_NAMES } from '../../src/train/recipes.js';

describe('recipe resolution', () => {
  test('no recipe: the seed\'s recipe, today\'s defaults', () => {
    expect(resolveOptions({})).toEqual(DEFAULTS);
    expect(resolveOptions({ recipe: 'seed' })).toEqual(DEFAULTS);
    expect(DEFAULTS).toMatchObject({ recipe: 'seed', epochs: 10, batchSize: 64, lr: 1e-3, lrSchedule: 'constant', warmupEpochs: 0, augment: false });
  });

  test('strong: its table laid over the defaults', () => {
    const run = resolveOptions({ recipe: 'strong' });
    expect(run).toEqual({ ...DEFAULTS, ...RECIPES.strong, recipe: 'strong' });
    expect(run.augment).toBe(true);
    expect(run.lrSchedule).toBe('cosine');
    expect(run.warmupEpochs).toBeGreaterThan(0);
    expect(run.augmentRotate).toBeGreaterThan(0);
  });

  test('strong on Fashion-MNIST shifts only (the warps for handwriting cost it 2.3 points); an explicit value still wins', () => {
    const run = resolveOptions({ recipe: 'strong', dataset: 'fashion-mnist' });
    expect(run).toEqual({ ...DEFAULTS, ...RECIPES.strong, augmentRotate: 0, augmentScale: 0, augmentElastic: 0, recipe: 'strong', dataset: 'fashion-mnist' });
    expect(resolveOptions({ recipe: 'strong', dataset: 'fashion-mnist', augmentRotate: 5 })).toMatchObject({ augmentRotate: 5, augmentScale: 0, augmentElastic: 0 });
    for (const dataset of ['mnist', 'mnist-sample'] as const) expect(resolveOptions({ recipe: 'strong', dataset })).toMatchObject({ augmentRotate: RECIPES.strong.augmentRotate, augmentElastic: RECIPES.strong.augmentElastic });
  });

  test('explicit options win over the recipe\'s values, the rest stay the recipe\'s', () => {
    const run = resolveOptions({ recipe: 'strong', epochs: 3, augment: false, lrSchedule: 'step', warmupEpochs: 0, augmentRotate: 5, lr: 0.01 });
    expect(run).toMatchObject({ recipe: 'strong', epochs: 3, augment: false, lrSchedule: 'step', warmupEpochs: 0, augmentRotate: 5, lr: 0.01 });
    expect(run.batchSize).toBe(RECIPES.strong.batchSize);
    expect(run.augmentScale).toBe(RECIPES.strong.augmentScale);
    // and on the seed's recipe, an option turns one thing on
    expect(resolveOptions({ augment: true, augmentRotate: 10 })).toMatchObject({ recipe: 'seed', augment: true, augmentShift: 2, augmentRotate: 10, epochs: 10 });
  });

  test('every recipe resolves to valid options', () => {
    for (const name of RECIPE_NAMES) expect(() => resolveOptions({ recipe: name })).not.toThrow();
  });

  test.each([
    [{ recipe: 'best' }, /^recipe must be one of seed, strong; got 'best'$/],
    [{ warmupEpochs: 10 }, /^warm-up epochs must be a number in \[0, epochs\) = \[0, 10\), got 10$/],
    [{ recipe: 'strong', epochs: 1 }, /^warm-up epochs must be a number in \[0, epochs\) = \[0, 1\), got 1$/],
    [{ augmentRotate: -3 }, /^augment rotate must be a number of degrees in \[0, 180\], got -3$/],
    [{ augmentShift: 1.5 }, /^augment shift must be a whole number of pixels when rotate and scale are 0, got 1.5$/],
  ])('%o is refused in one line', (given, message) => {
    expect(() => resolveOptions(given as Parameters<typeof resolveOptions>[0])).toThrow(message);
  });
});

describe('resuming a recipe run', () => {
  const checkpoint = resolveOptions({ recipe: 'strong', seed: 3 });

  test('the checkpoint\'s resolved values continue; --recipe strong again and --epochs are fine', () => {
    expect(resolveOptions({}, checkpoint)).toEqual(checkpoint);
    expect(resolveOptions({ recipe: 'strong', epochs: 40 }, checkpoint)).toEqual({ ...checkpoint, epochs: 40 });
  });

  test('a different recipe, warm-up or augmentation range is refused, naming each', () => {
    expect(() => resolveOptions({ recipe: 'seed' }, checkpoint)).toThrow(/--recipe seed \(the checkpoint's run has strong\)/);
    expect(() => resolveOptions({ warmupEpochs: 0, augmentRotate: 3, augmentElastic: 0.5 }, checkpoint))
      .toThrow(/^--resume continues the checkpoint's run, which these options would change: --warmup-epochs 0 \(the checkpoint's run has \d+\), --augment-rotate 3 \(the checkpoint's run has \d+\), --augment-elastic 0.5 \(the checkpoint's run has [\d.]+\); drop them, or start a new run without --resume$/);
  });
});
