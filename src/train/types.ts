/** Public types of the trainer: options, progress events and results. */
import type { ValidationSplitOptions } from '../data/split.js';
import type { DatasetName } from '../data/types.js';
import type { GraphTargetName } from '../graph/webgpu-conv.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import type { RecipeName } from './recipes.js';
import type { LrSchedule } from './schedule.js';

/** The options that define a training run; a checkpoint keeps them so `--resume` continues the same run. */
export interface ResumableOptions {
  /**
   * The recipe whose values fill the options not given (recipes.ts; default 'seed', the seed's recipe).
   * Checkpoints before recipes existed load as 'seed'.
   */
  readonly recipe: RecipeName;
  /** Data set (default 'mnist', falling back to the bundled 'mnist-sample' when offline). */
  readonly dataset: DatasetName;
  /** Epochs in all (default 10, as the seed). */
  readonly epochs: number;
  /** Batch size (default 64). */
  readonly batchSize: number;
  /** Adam learning rate (default ADAM.lr = 1e-3, the seed's). */
  readonly lr: number;
  /** Seed of the initial weights (PyTorch's init, as torch.manual_seed) and of the data order. Default 0. */
  readonly seed: number;
  /** Learning-rate schedule (default 'constant'). */
  readonly lrSchedule: LrSchedule;
  /** Linear learning-rate warm-up over this many epochs (may be fractional) before the schedule (default 0). */
  readonly warmupEpochs: number;
  /** Augment the training images (augment.ts; default false). */
  readonly augment: boolean;
  /** Largest shift in pixels (default 2; whole pixels when rotate and scale are 0, the seed's --augment). */
  readonly augmentShift: number;
  /** Largest rotation in degrees (default 0). */
  readonly augmentRotate: number;
  /** Largest relative change of size (default 0). */
  readonly augmentScale: number;
  /** Largest displacement of the elastic grid's control points, pixels (default 0: none). */
  readonly augmentElastic: number;
  /** Folder with the data files, or the cache root (see the data layer); default the per-user cache. */
  readonly dataDir?: string;
  /**
   * Hold out part of the training split for validation (src/data/split.ts: stratified, seeded): training
   * sees only the rest, and every epoch is also evaluated on the held-out images (`validationLoss`,
   * `validationAccuracy`), so choices can be made without the test split. Default: none (train on all).
   */
  readonly validation?: ValidationSplitOptions;
  /** `--model`: the absolute path of make-trainable's `<stem>.train.onnx` trained instead of LeNet-5. */
  readonly model?: string;
}

export interface TrainOptions extends Partial<ResumableOptions> {
  /** Allow falling back to 'mnist-sample' when 'mnist' cannot be had (default true). */
  readonly fallback?: boolean;
  /** Execution provider (default 'cpu'). */
  readonly ep?: ExecutionProvider;
  /**
   * CPU threads ONNX Runtime computes on (src/runtime/threads.ts; default: one per core, at most 4). On
   * the CPU each batch is split into one share per thread and the gradient shares are summed
   * (src/train/step/parallel), so the last bits of a run depend on this number; the same number gives
   * the same run bit for bit. Evaluation, and the CPU parts of GPU providers, get as many intra-op threads.
   */
  readonly threads?: number;
  /** Where lenet.onnx, the checkpoint and the metrics go (default: the folder of `resume`, else 'models'). */
  readonly outDir?: string;
  /**
   * A checkpoint to continue from. Its options define the run: giving a different value for any of them
   * (recipe, data set, batch size, lr, seed, schedule, warm-up, augmentation) is an error; `epochs` may
   * change (it must leave epochs to train).
   */
  readonly resume?: string;
  /**
   * What the exported lenet.onnx is built for: 'portable' (default, right on every backend) or 'cpu'
   * (graph/webgpu-conv.ts). The graphs training runs on follow `ep` whatever this says.
   */
  readonly target?: GraphTargetName;
  /**
   * A model make-trainable wrote: `<stem>.train.onnx` or its folder (beside it `<stem>.eval.onnx` and
   * `<stem>.onnx`, whose initializers are the initial weights), trained instead of LeNet-5 in one
   * session of its train step; writes `<stem>.onnx` and `<stem>.ckpt` (default folder: `trained` beside it).
   */
  readonly model?: string;
  /**
   * Replace a trained model already in `outDir` (one with `train` metadata or its checkpoint beside it)
   * that this run does not continue (`resume`); without it such a run is refused before it starts.
   */
  readonly force?: boolean;
  /** Stop (with a checkpoint) after this many steps in all; for smoke tests and benchmarks. */
  readonly maxSteps?: number;
  /** When aborted, training stops after the current step and writes a checkpoint. */
  readonly signal?: AbortSignal;
}

export interface EpochMetrics {
  /** 1-based */
  readonly epoch: number;
  /** Mean training loss over the epoch (the seed's "Epoch k, Loss"). */
  readonly loss: number;
  readonly trainAccuracy: number;
  readonly testLoss: number;
  readonly testAccuracy: number;
  /** Mean loss and accuracy on the validation split after the epoch; only with `validation`. */
  readonly validationLoss?: number;
  readonly validationAccuracy?: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
  /** Learning rate at the epoch's last step. */
  readonly lr: number;
}

export interface TrainStartInfo {
  readonly dataset: string;
  readonly source: string;
  readonly trainCount: number;
  /** Images held out for validation (only with `validation`); `trainCount` excludes them. */
  readonly validationCount?: number;
  readonly testCount: number;
  readonly stepsPerEpoch: number;
  readonly options: ResumableOptions;
  readonly ep: ExecutionProvider;
  /** `--model`: the model's stem (absent: LeNet-5) */
  readonly model?: string;
  /** CPU: the threads each batch is split across (the last bits of a run depend on it). */
  readonly threads?: number;
  readonly resumedAt?: { readonly epoch: number; readonly step: number };
}

export interface StepInfo {
  /** 1-based epoch */
  readonly epoch: number;
  /** Batches done in this epoch. */
  readonly batch: number;
  readonly batchesPerEpoch: number;
  readonly step: number;
  readonly loss: number;
  /** Mean loss of this epoch so far. */
  readonly runningLoss: number;
  /** Images in this batch, and how many the model got right before the update. */
  readonly size: number;
  readonly correct: number;
  /** Wall time of this step (the session run), in ms. */
  readonly ms: number;
  readonly imagesPerSecond: number;
}

/** Callbacks for progress; all optional. The CLI renders them as progress bars and epoch lines. */
export interface TrainReporter {
  onStart?(info: TrainStartInfo): void;
  onStep?(info: StepInfo): void;
  onEvaluate?(epoch: number): void;
  onEpoch?(metrics: EpochMetrics, info: TrainStartInfo): void;
  onWarning?(message: string): void;
}

export interface TrainFiles {
  readonly model: string;
  readonly checkpoint: string;
  readonly metrics: string;
}

export interface TrainResult {
  readonly history: readonly EpochMetrics[];
  /** Test accuracy of the final weights (NaN when stopped before the end of the first epoch's evaluation). */
  readonly testAccuracy: number;
  readonly step: number;
  /** True when stopped early by the signal or maxSteps. */
  readonly interrupted: boolean;
  /** False when stopped before the first step: nothing was written, the output folder is as it was. */
  readonly saved: boolean;
  readonly files: TrainFiles;
}
