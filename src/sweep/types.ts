/** Public types of the sweep: its options, what `sweep.json` holds, progress events and the result. */
import type { ValidationSplitOptions } from '../data/split.js';
import type { DatasetName } from '../data/types.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import type { EpochMetrics, StepInfo } from '../train/types.js';
import type { SweepSpace, TrialConfig } from './space.js';

export interface SweepOptions {
  /** The values to try; missing fields take DEFAULT_SPACE's (src/sweep/space.ts). */
  readonly space?: Partial<SweepSpace>;
  /** Random search: draw this many configurations from the space (ranges allowed); default: the grid. */
  readonly trials?: number;
  /** Seed of the random draw (default 0): the same command draws the same trials. */
  readonly samplingSeed?: number;
  /** Data set, as for `train` (default 'mnist', falling back to 'mnist-sample' offline). */
  readonly dataset?: DatasetName;
  /** Folder with the data files, as for `train`. */
  readonly dataDir?: string;
  /** Allow falling back to 'mnist-sample' when 'mnist' cannot be had (default true). */
  readonly fallback?: boolean;
  /** The held-out part of the training split trials are compared on (default 10 %, seed 0). */
  readonly validation?: ValidationSplitOptions;
  /** Execution provider of every trial (default 'cpu'). */
  readonly ep?: ExecutionProvider;
  /** CPU threads of every trial (default: as `train`); results depend on it, so a resumed sweep keeps it. */
  readonly threads?: number;
  /** The sweep's folder: sweep.json, sweep.html and trials/<trial>/ (default: sweepFolder(spec)). */
  readonly outDir?: string;
  /** When aborted, the running trial stops after its current step and sweep.json is written. */
  readonly signal?: AbortSignal;
}

/** Everything that decides the sweep's results; a folder holding another spec is not resumed into. */
export interface SweepSpec {
  readonly space: SweepSpace;
  readonly trials: number | null;
  readonly samplingSeed: number;
  readonly dataset: DatasetName;
  readonly dataDir: string | null;
  /** Whether trials may fall back to 'mnist-sample' when 'mnist' cannot be had (`--no-fallback`). */
  readonly fallback: boolean;
  readonly validation: ValidationSplitOptions;
  readonly ep: ExecutionProvider;
  readonly threads: number;
}

export type TrialStatus = 'pending' | 'running' | 'interrupted' | 'done' | 'failed';

export interface TrialRecord {
  /** `01`, `02`, … for the search; `baseline-s<seed>` for the seed's defaults when not in the search. */
  readonly id: string;
  /** Its folder (lenet.onnx, lenet.ckpt, metrics.json), relative to the sweep's folder. */
  readonly dir: string;
  readonly role: 'search' | 'baseline';
  readonly config: TrialConfig;
  readonly seed: number;
  status: TrialStatus;
  /** Why it failed (e.g. "training diverged at step 5 …"). */
  error?: string;
  /** Per-epoch metrics as `train` reports them (validation and test figures included). */
  epochs: EpochMetrics[];
  /** Wall seconds spent in `train` for this trial, over every run of the sweep. */
  seconds: number;
}

/** A configuration's trials taken together (the mean over seeds). */
export interface ConfigSummary {
  readonly key: string;
  readonly config: TrialConfig;
  readonly trialIds: readonly string[];
  /** 'done' when every seed finished, 'failed' when one failed, else 'incomplete'. */
  readonly status: 'done' | 'failed' | 'incomplete';
  /** Means over seeds of the final epoch's figures (NaN until done). */
  readonly validationAccuracy: number;
  readonly validationLoss: number;
  readonly testAccuracy: number;
}

export interface SweepOutcome {
  /** The configuration with the best validation accuracy (the lower validation loss breaks ties). */
  readonly chosen: ConfigSummary;
  /** The seed's defaults (lr 1e-3, batch 64, the chosen epochs, recipe seed), same seeds and split. */
  readonly baseline: ConfigSummary;
}

/** What `sweep.json` holds. */
export interface SweepRecord {
  readonly version: 1;
  readonly spec: SweepSpec;
  /** The data as the first trial saw it. */
  dataset?: { name: string; source: string; train: number; validation: number; test: number };
  status: 'running' | 'interrupted' | 'done';
  trials: TrialRecord[];
  /** Set once every search trial has finished; test accuracy is reported only here. */
  outcome?: SweepOutcome;
  /** Wall seconds of all trials. */
  seconds: number;
  updatedAt: string;
}

export interface SweepReporter {
  /** Before the first trial: how many trials there are and how many epochs are left to run. */
  onPlan?(plan: { readonly trials: number; readonly toRun: number; readonly epochsToRun: number }): void;
  onTrialStart?(trial: TrialRecord, position: { readonly index: number; readonly count: number }): void;
  onStep?(trial: TrialRecord, step: StepInfo): void;
  onEpoch?(trial: TrialRecord, metrics: EpochMetrics): void;
  onTrialEnd?(trial: TrialRecord, position: { readonly index: number; readonly count: number }): void;
  onWarning?(message: string): void;
}

export interface SweepResult {
  readonly record: SweepRecord;
  /** True when stopped by the signal; running the same sweep again continues it. */
  readonly interrupted: boolean;
  readonly files: { readonly json: string; readonly html: string; readonly dir: string };
}
