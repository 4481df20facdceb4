/**
 * `sweep(options, reporter)`: tunes what the seed suggests tuning (learning rate, batch size, epochs, and
 * recipe, schedule, augmentation) by running ordinary `train()` runs, one folder per trial, compared on a
 * validation split carved from the training data. The test accuracy of the chosen configuration is
 * reported once, at the end, beside the seed's defaults trained under the same conditions.
 *
 * Resumable: `sweep.json` is rewritten (atomically) after every epoch; running the same sweep again skips
 * finished and failed trials and continues an interrupted one from its checkpoint.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as path from 'node:path';
import type { ValidationSplitOptions } from '../data/split.js';
import { defaultThreads } from '../runtime/threads.js';
import { CHECKPOINT_FILE, METRICS_FILE, train } from '../train/trainer.js';
import type { EpochMetrics } from '../train/types.js';
import { ensureWritableDir, writeFileAtomic } from '../util/fs.js';
import { sweepHtml } from './html.js';
import { DEFAULT_SPACE, type PlannedTrial, type SweepSpace, planTrials, trialSlug } from './space.js';
import { baselineConfig, choose, sameConfig, summarize } from './select.js';
import type { SweepOptions, SweepRecord, SweepReporter, SweepResult, SweepSpec, TrialRecord } from './types.js';

export const SWEEP_JSON = 'sweep.json';
export const SWEEP_HTML = 'sweep.html';
export const DEFAULT_VALIDATION: ValidationSplitOptions = { fraction: 0.1, seed: 0 };

/** The spec of a sweep: its options with every default filled in. */
export function sweepSpec(options: SweepOptions): SweepSpec {
  const space: SweepSpace = { ...DEFAULT_SPACE, ...options.space };
  if (options.trials !== undefined && (!Number.isSafeInteger(options.trials) || options.trials < 1)) throw new RangeError(`trials must be a positive integer, got ${options.trials}`);
  planTrials(space, { trials: options.trials, samplingSeed: options.samplingSeed }); // checks the space
  return {
    space, trials: options.trials ?? null, samplingSeed: options.samplingSeed ?? 0, dataset: options.dataset ?? 'mnist', dataDir: options.dataDir ?? null, fallback: options.fallback ?? true,
    validation: options.validation ?? DEFAULT_VALIDATION, ep: options.ep ?? 'cpu', threads: options.threads ?? defaultThreads(),
  };
}

/** Default folder: `sweeps/<dataset>-<8 hex digits of the spec>`, so the same command finds its sweep again. */
export function sweepFolder(spec: SweepSpec): string {
  return path.join('sweeps', `${spec.dataset}-${createHash('sha256').update(JSON.stringify(spec)).digest('hex').slice(0, 8)}`);
}

function newTrial(id: string, role: TrialRecord['role'], planned: PlannedTrial): TrialRecord {
  const slug = trialSlug(planned.config, planned.seed);
  return { id, dir: path.join('trials', role === 'search' ? `${id}-${slug}` : `baseline-${slug}`), role, config: planned.config, seed: planned.seed, status: 'pending', epochs: [], seconds: 0 };
}

async function openRecord(file: string, spec: SweepSpec): Promise<SweepRecord> {
  const search = planTrials(spec.space, { trials: spec.trials ?? undefined, samplingSeed: spec.samplingSeed })
    .map((p, i) => newTrial(String(i + 1).padStart(2, '0'), 'search', p));
  const fresh: SweepRecord = { version: 1, spec, status: 'running', trials: search, seconds: 0, updatedAt: new Date().toISOString() };
  if (!existsSync(file)) return fresh;
  let old: SweepRecord;
  try {
    old = JSON.parse(await readFile(file, 'utf8')) as SweepRecord;
  } catch (error) {
    throw new Error(`cannot read '${file}' (${(error as Error).message}); remove it or choose another --out`);
  }
  if (old.version !== 1 || JSON.stringify(old.spec) !== JSON.stringify(spec)) {
    throw new Error(`'${file}' belongs to a different sweep (other values, data or --threads); choose another --out`);
  }
  return { ...old, status: 'running' };
}

export async function sweep(options: SweepOptions = {}, reporter: SweepReporter = {}): Promise<SweepResult> {
  const spec = sweepSpec(options);
  const dir = options.outDir ?? sweepFolder(spec);
  await ensureWritableDir(dir);
  const files = { json: path.join(dir, SWEEP_JSON), html: path.join(dir, SWEEP_HTML), dir };
  const record = await openRecord(files.json, spec);
  // Saves run one after another, so the last one called is the one left on disk.
  let saving: Promise<void> = Promise.resolve();
  const save = (): Promise<void> => {
    saving = saving.catch(() => {}).then(async () => {
      record.updatedAt = new Date().toISOString();
      record.seconds = record.trials.reduce((s, t) => s + t.seconds, 0);
      await writeFileAtomic(files.json, `${JSON.stringify(record, null, 2)}\n`);
      await writeFileAtomic(files.html, sweepHtml(record));
    });
    return saving;
  };
  const warned = new Set<string>();
  const warn = (m: string): void => {
    if (!warned.has(m)) reporter.onWarning?.(m);
    warned.add(m);
  };
  const runAll = async (trials: TrialRecord[], totalCount: number, offset: number): Promise<boolean> => {
    for (const [i, trial] of trials.entries()) {
      const position = { index: offset + i + 1, count: totalCount };
      if (trial.status === 'done' || trial.status === 'failed') continue;
      reporter.onTrialStart?.(trial, position);
      const stopped = await runTrial(trial, dir, spec, options.signal, { ...reporter, onWarning: warn }, record, save);
      reporter.onTrialEnd?.(trial, position);
      if (stopped) return false;
    }
    return true;
  };

  const left = (ts: readonly TrialRecord[]): TrialRecord[] => ts.filter((t) => t.status !== 'done' && t.status !== 'failed');
  const epochsLeft = (ts: readonly TrialRecord[]): number => left(ts).reduce((sum, t) => sum + t.config.epochs - t.epochs.length, 0);
  const search = record.trials.filter((t) => t.role === 'search');
  const extraBaseline = expectedBaseline(record);
  reporter.onPlan?.({ trials: search.length + extraBaseline.trials, toRun: left(search).length + extraBaseline.trials, epochsToRun: epochsLeft(search) + extraBaseline.epochs });
  await save();
  if (!(await runAll(search, search.length + extraBaseline.trials, 0))) return finish(true);

  const chosen = choose(summarize(search));
  if (chosen === undefined) return finish(false); // every trial failed: nothing to report
  const defaults = baselineConfig(chosen.config.epochs);
  let baseline = summarize(search).find((s) => sameConfig(s.config, defaults));
  if (baseline === undefined) {
    if (!record.trials.some((t) => t.role === 'baseline' && sameConfig(t.config, defaults))) {
      record.trials = record.trials.filter((t) => t.role === 'search');
      record.trials.push(...spec.space.seeds.map((seed) => newTrial(`baseline-s${seed}`, 'baseline', { config: defaults, seed })));
    }
    const extra = record.trials.filter((t) => t.role === 'baseline');
    if (!(await runAll(extra, search.length + extra.length, search.length))) return finish(true);
    baseline = summarize(extra)[0];
  }
  record.outcome = { chosen, baseline };
  return finish(false);

  async function finish(interrupted: boolean): Promise<SweepResult> {
    record.status = interrupted ? 'interrupted' : 'done';
    await save();
    return { record, interrupted, files };
  }
}

/**
 * The baseline trials still to run beyond the search, for the plan: none when the search holds the
 * seed's defaults; with epochs swept, an estimate (the chosen configuration's epochs are not known yet).
 */
function expectedBaseline(record: SweepRecord): { trials: number; epochs: number } {
  const existing = record.trials.filter((t) => t.role === 'baseline');
  if (existing.length > 0) {
    const rest = existing.filter((t) => t.status !== 'done' && t.status !== 'failed');
    return { trials: rest.length, epochs: rest.reduce((sum, t) => sum + t.config.epochs - t.epochs.length, 0) };
  }
  const { epochs, seeds } = record.spec.space;
  const e = 'values' in epochs ? epochs.values[0] : Math.round((epochs.min + epochs.max) / 2);
  const inSearch = 'values' in epochs && epochs.values.length === 1 && record.trials.some((t) => sameConfig(t.config, baselineConfig(e)));
  return inSearch ? { trials: 0, epochs: 0 } : { trials: seeds.length, epochs: seeds.length * e };
}

/** The epochs of a trial's metrics.json when it holds all `epochs` of them, else undefined. */
async function finishedEpochs(file: string, epochs: number): Promise<EpochMetrics[] | undefined> {
  try {
    const metrics = JSON.parse(await readFile(file, 'utf8')) as { epochs?: EpochMetrics[] };
    return Array.isArray(metrics.epochs) && metrics.epochs.length >= epochs ? metrics.epochs : undefined;
  } catch {
    return undefined;
  }
}

/** Runs (or continues) one trial; true when the signal stopped it. Errors become a failed trial. */
async function runTrial(trial: TrialRecord, sweepDir: string, spec: SweepSpec, signal: AbortSignal | undefined,
  reporter: SweepReporter, record: SweepRecord, save: () => Promise<void>): Promise<boolean> {
  const outDir = path.join(sweepDir, trial.dir);
  const checkpoint = path.join(outDir, CHECKPOINT_FILE);
  const resume = trial.status !== 'pending' && existsSync(checkpoint) ? checkpoint : undefined;
  if (resume !== undefined) {
    // Stopped between the trial's last write and sweep.json's: its metrics say it is finished.
    const finished = await finishedEpochs(path.join(outDir, METRICS_FILE), trial.config.epochs);
    if (finished !== undefined) {
      trial.epochs = finished;
      trial.status = 'done';
      await save();
      return false;
    }
  }
  trial.status = 'running';
  await save();
  const c = trial.config;
  const started = performance.now();
  const elapsed = (): number => (performance.now() - started) / 1000;
  const before = trial.seconds;
  try {
    const result = await train({
      recipe: c.recipe, lr: c.lr, batchSize: c.batchSize, epochs: c.epochs, seed: trial.seed,
      ...(c.lrSchedule !== undefined ? { lrSchedule: c.lrSchedule } : {}), ...(c.augment !== undefined ? { augment: c.augment } : {}),
      dataset: spec.dataset, dataDir: spec.dataDir ?? undefined, validation: spec.validation, ep: spec.ep, threads: spec.threads,
      fallback: spec.fallback, outDir, resume, signal,
    }, {
      onStart: (info) => {
        record.dataset ??= { name: info.dataset, source: info.source, train: info.trainCount, validation: info.validationCount ?? 0, test: info.testCount };
      },
      onStep: (s) => reporter.onStep?.(trial, s),
      onEpoch: (m) => {
        trial.epochs = [...trial.epochs.filter((e) => e.epoch < m.epoch), m];
        trial.seconds = before + elapsed();
        reporter.onEpoch?.(trial, m);
        save().catch(() => {}); // a write that fails here fails again, loudly, at the trial's end
      },
      onWarning: (m) => reporter.onWarning?.(m),
    });
    trial.epochs = [...result.history];
    trial.status = result.interrupted ? 'interrupted' : 'done';
  } catch (error) {
    trial.status = signal?.aborted ? 'interrupted' : 'failed';
    if (trial.status === 'failed') trial.error = error instanceof Error ? error.message : String(error);
  }
  trial.seconds = before + elapsed();
  await save();
  return trial.status === 'interrupted';
}
