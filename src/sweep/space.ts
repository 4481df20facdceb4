/**
 * The search space of a sweep and the trials drawn from it: a grid (every combination of the listed
 * values) or N random configurations (ranges drawn log-uniformly for the learning rate and batch size,
 * uniformly for epochs, from a seeded MT19937 so the same command draws the same trials). Every
 * configuration is run once per training seed.
 *
 * Pure code.
 */
import { LR_SCHEDULES, type LrSchedule } from '../train/schedule.js';
import { Mt19937 } from '../util/rng.js';
import { RECIPE_NAMES, type RecipeName, isRecipeName } from '../train/recipes.js';

/** Listed values, or a range `[min, max]` to draw from (random search only). */
export type NumberSpec = { readonly values: readonly number[] } | { readonly min: number; readonly max: number };

export interface SweepSpace {
  /** Adam learning rates; a range is drawn log-uniformly. Default 3e-4, 1e-3, 3e-3. */
  readonly lr: NumberSpec;
  /** Batch sizes; a range is drawn log-uniformly and rounded. Default 32, 64, 128. */
  readonly batchSize: NumberSpec;
  /** Epochs; a range is drawn uniformly. Default 10. */
  readonly epochs: NumberSpec;
  /** Training recipes (src/train/recipes.ts). Default seed. */
  readonly recipe: readonly RecipeName[];
  /** Learning-rate schedules; absent: not swept, the recipe's (constant for seed). */
  readonly lrSchedule?: readonly LrSchedule[];
  /** Augmentation on/off; absent: not swept, the recipe's (off for seed). */
  readonly augment?: readonly boolean[];
  /** Training seeds: every configuration is trained once per seed. Default 0. */
  readonly seeds: readonly number[];
}

export const DEFAULT_SPACE: SweepSpace = {
  lr: { values: [3e-4, 1e-3, 3e-3] }, batchSize: { values: [32, 64, 128] }, epochs: { values: [10] }, recipe: ['seed'], seeds: [0],
};

/** One point of the space: everything about a run but its seed. */
export interface TrialConfig {
  readonly lr: number;
  readonly batchSize: number;
  readonly epochs: number;
  readonly recipe: RecipeName;
  readonly lrSchedule?: LrSchedule;
  readonly augment?: boolean;
}

export interface PlannedTrial {
  readonly config: TrialConfig;
  readonly seed: number;
}

/** `3e-4,1e-3` → listed values; `1e-4:1e-2` → a range. Throws a one-line RangeError. */
export function parseNumberSpec(text: string, integer: boolean): NumberSpec {
  const check = (s: string): number => {
    const n = Number(s);
    if (s.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isSafeInteger(n))) {
      throw new RangeError(`expected ${integer ? 'a positive integer' : 'a positive number'}, got '${s}'`);
    }
    return n;
  };
  if (text.includes(':')) {
    const parts = text.split(':');
    if (parts.length !== 2) throw new RangeError(`a range is min:max, got '${text}'`);
    const [min, max] = parts.map(check);
    if (min >= max) throw new RangeError(`a range needs min < max, got '${text}'`);
    return { min, max };
  }
  return { values: text.split(',').map(check) };
}

/** `a,b,c` → the listed names, each checked against `allowed`. */
export function parseList<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  return text.split(',').map((s) => {
    const v = s.trim();
    if (!(allowed as readonly string[]).includes(v)) throw new RangeError(`${what} must be one of ${allowed.join(', ')}; got '${v}'`);
    return v as T;
  });
}

export const parseRecipes = (text: string): RecipeName[] => parseList(text, RECIPE_NAMES, 'recipe');
export const parseLrSchedules = (text: string): LrSchedule[] => parseList(text, LR_SCHEDULES, 'lr schedule');
export const parseAugment = (text: string): boolean[] => parseList(text, ['on', 'off', 'true', 'false'] as const, 'augment').map((v) => v === 'on' || v === 'true');
export function parseSeeds(text: string): number[] {
  return text.split(',').map((s) => {
    const n = Number(s);
    if (!/^\d+$/.test(s.trim()) || n > 0xffffffff) throw new RangeError(`seeds are integers in [0, 2^32), got '${s}'`);
    return n;
  });
}

/** Checks names and values that did not come through the parsers (library callers). */
export function checkSpace(space: SweepSpace, random: boolean): void {
  for (const [name, spec] of [['lr', space.lr], ['batch size', space.batchSize], ['epochs', space.epochs]] as const) {
    if ('values' in spec) {
      if (spec.values.length === 0) throw new RangeError(`${name}: no values to sweep`);
    } else if (!random) {
      throw new RangeError(`${name}: a range (${spec.min}:${spec.max}) needs --trials N (random search); a grid takes listed values`);
    }
  }
  for (const r of space.recipe) if (!isRecipeName(r)) throw new RangeError(`recipe must be one of ${RECIPE_NAMES.join(', ')}; got '${r}'`);
  if (space.recipe.length === 0 || space.seeds.length === 0) throw new RangeError('a sweep needs at least one recipe and one seed');
}

const valuesOf = (spec: NumberSpec): readonly number[] => ('values' in spec ? spec.values : []);

function product(space: SweepSpace): TrialConfig[] {
  const configs: TrialConfig[] = [];
  for (const recipe of space.recipe) {
    for (const lrSchedule of space.lrSchedule ?? [undefined]) {
      for (const augment of space.augment ?? [undefined]) {
        for (const epochs of valuesOf(space.epochs)) {
          for (const batchSize of valuesOf(space.batchSize)) {
            for (const lr of valuesOf(space.lr)) configs.push(withOptional({ lr, batchSize, epochs, recipe }, lrSchedule, augment));
          }
        }
      }
    }
  }
  return configs;
}

function withOptional(base: TrialConfig, lrSchedule: LrSchedule | undefined, augment: boolean | undefined): TrialConfig {
  return { ...base, ...(lrSchedule !== undefined ? { lrSchedule } : {}), ...(augment !== undefined ? { augment } : {}) };
}

const unit = (rng: Mt19937): number => rng.nextUint32() / 0x100000000;
const pick = <T>(rng: Mt19937, list: readonly T[]): T => list[rng.nextInt(list.length)];

function draw(rng: Mt19937, spec: NumberSpec, kind: 'log' | 'log-int' | 'int'): number {
  if ('values' in spec) return pick(rng, spec.values);
  if (kind === 'int') return spec.min + rng.nextInt(spec.max - spec.min + 1);
  const x = Math.exp(Math.log(spec.min) + unit(rng) * (Math.log(spec.max) - Math.log(spec.min)));
  return kind === 'log-int' ? Math.min(spec.max, Math.max(spec.min, Math.round(x))) : Number(x.toPrecision(3));
}

function randomConfigs(space: SweepSpace, count: number, samplingSeed: number): TrialConfig[] {
  const rng = new Mt19937(samplingSeed);
  return Array.from({ length: count }, () => {
    const lr = draw(rng, space.lr, 'log');
    const batchSize = draw(rng, space.batchSize, 'log-int');
    const epochs = draw(rng, space.epochs, 'int');
    const recipe = pick(rng, space.recipe);
    const lrSchedule = space.lrSchedule ? pick(rng, space.lrSchedule) : undefined;
    const augment = space.augment ? pick(rng, space.augment) : undefined;
    return withOptional({ lr, batchSize, epochs, recipe }, lrSchedule, augment);
  });
}

/** The trials of a sweep, configuration by configuration, each once per seed. */
export function planTrials(space: SweepSpace, options: { trials?: number; samplingSeed?: number } = {}): PlannedTrial[] {
  const random = options.trials !== undefined;
  checkSpace(space, random);
  const configs = random ? randomConfigs(space, options.trials!, options.samplingSeed ?? 0) : product(space);
  return configs.flatMap((config) => space.seeds.map((seed) => ({ config, seed })));
}

/** A stable identity for a configuration (its fields in a fixed order). */
export function configKey(c: TrialConfig): string {
  return JSON.stringify([c.lr, c.batchSize, c.epochs, c.recipe, c.lrSchedule ?? null, c.augment ?? null]);
}

/** `lr0.003-b64-e10-s0` (plus recipe, schedule and augmentation when they are set): a folder name. */
export function trialSlug(c: TrialConfig, seed: number): string {
  const parts = [`lr${c.lr}`, `b${c.batchSize}`, `e${c.epochs}`];
  if (c.recipe !== 'seed') parts.push(c.recipe);
  if (c.lrSchedule !== undefined) parts.push(c.lrSchedule);
  if (c.augment !== undefined) parts.push(c.augment ? 'aug' : 'noaug');
  parts.push(`s${seed}`);
  return parts.join('-');
}
