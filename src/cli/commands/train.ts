/** `onnx-lenet train`: the seed's whole job — train LeNet-5 with Adam and report test accuracy. */
import * as path from 'node:path';
import { Command, Option } from 'commander';
// The modules train needs, not the library's index: it would load every command's code (serve, sweep, image decoding).
import { DATASET_NAMES, type DatasetName } from '../../data/types.js';
import { DEFAULT_EXPORT_TARGET, GRAPH_TARGETS, GRAPH_TARGET_ALIASES, type GraphTargetName } from '../../graph/webgpu-conv.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from '../../runtime/execution-provider.js';
import { trainableModelFiles } from '../../train/model-files.js';
import { DEFAULTS as TRAIN_DEFAULTS } from '../../train/options.js';
import { RECIPES, RECIPE_DATASET_VALUES, RECIPE_NAMES, type RecipeName, type RecipeOptions } from '../../train/recipes.js';
import { LR_SCHEDULES } from '../../train/schedule.js';
import { train, trainOutputFiles } from '../../train/trainer.js';
import type { EpochMetrics, TrainReporter, TrainStartInfo } from '../../train/types.js';
import { boundThreads } from '../../runtime/threads.js';
import { JOURNAL_FILE } from '../../train/output-set.js';
import { checkOutputFile, makeDirs, writeFileAtomic } from '../../util/fs.js';
import { type Progress, createProgress, formatInteger } from '../../util/progress.js';
import { parseNonNegativeNumber, parsePositiveInt, parsePositiveNumber, parseSeed } from '../options.js';
import { listenForStop } from '../stop-signal.js';

/** Commander's parsed options: a recipe's values (which override the recipe's), and the rest of the run. */
interface TrainCliOptions extends RecipeOptions {
  readonly seed?: number;
  readonly dataset?: DatasetName;
  readonly dataDir?: string;
  readonly fallback: boolean;
  readonly ep: ExecutionProvider;
  readonly threads?: number;
  readonly out?: string;
  readonly resume?: string;
  readonly recipe?: RecipeName;
  readonly target: GraphTargetName;
  readonly maxSteps?: number;
  readonly force?: boolean;
  readonly jsonMetrics?: string;
  readonly model?: string;
}

/** `±2 px` (the seed's whole-pixel shifts) or `±2 px, ±10°, ±10%`. */
const augmentText = (o: TrainStartInfo['options']): string =>
  `±${o.augmentShift} px${o.augmentRotate > 0 || o.augmentScale > 0 || o.augmentElastic > 0 ? `, ±${o.augmentRotate}°, ±${Number((100 * o.augmentScale).toFixed(2))}%` : ''}` +
  `${o.augmentElastic > 0 ? `, elastic ±${o.augmentElastic} px` : ''}`;

/** `epochs 30, lr 0.002, cosine, …`: a recipe's values, for --help. */
const recipeText = (name: RecipeName): string => {
  const list = (o: object): string => Object.entries(o).map(([k, v]) => `${k} ${String(v)}`).join(', ');
  const values = list(RECIPES[name]);
  const byDataset = Object.entries(RECIPE_DATASET_VALUES[name] ?? {}).map(([dataset, o]) => `; on ${dataset}: ${list(o)}`).join('');
  return `${name}${values ? ` (${values}${byDataset})` : ' (the defaults)'}`;
};

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const int = (x: number): string => formatInteger(Math.round(x));

/** `Epoch 3/10  loss 0.0821  test acc 98.61%  7,912 img/s  6.8 s` */
export function formatEpoch(m: EpochMetrics, epochs: number): string {
  return `Epoch ${m.epoch}/${epochs}  loss ${m.loss.toFixed(4)}  test acc ${pct(m.testAccuracy)}  ${int(m.imagesPerSecond)} img/s  ${m.seconds.toFixed(1)} s`;
}

/** Progress bar within the epoch on stderr; one line per epoch on stdout; per-step rows kept for --json-metrics. */
function cliReporter(stepRows?: string[], requestedThreads?: number): TrainReporter {
  let bar: Progress | undefined;
  let epochs = 0;
  return {
    onStart(info: TrainStartInfo) {
      epochs = info.options.epochs;
      const o = info.options;
      const resumed = info.resumedAt ? `, resuming at epoch ${info.resumedAt.epoch + 1} step ${info.resumedAt.step}` : '';
      process.stdout.write(
        `Training ${info.model ?? 'LeNet-5'} on ${info.dataset} (${int(info.trainCount)} train / ${int(info.testCount)} test, ${info.source})\n` +
          `  recipe ${o.recipe}: ${o.epochs} epoch${o.epochs === 1 ? '' : 's'}, batch ${o.batchSize}, Adam lr ${o.lr}${o.lrSchedule !== 'constant' ? ` (${o.lrSchedule})` : ''}` +
          `${o.warmupEpochs > 0 ? `, warm-up ${o.warmupEpochs} epoch${o.warmupEpochs === 1 ? '' : 's'}` : ''}${o.augment ? `, augmented (${augmentText(o)})` : ''}, seed ${o.seed}, ${info.ep.toUpperCase()}` +
          `${info.threads !== undefined ? `, ${info.threads} thread${info.threads === 1 ? '' : 's'}` : ''}${resumed}\n`,
      );
      // --threads is bounded by the cores and the batch (runtime/threads.ts): say so when it was cut.
      if (requestedThreads !== undefined && info.threads !== undefined && info.threads < requestedThreads) {
        const bound = boundThreads(requestedThreads, { batchSize: info.ep === 'cpu' ? o.batchSize : undefined });
        process.stderr.write(`note: ${bound.reason ?? `using ${info.threads} threads, not ${requestedThreads}`}\n`);
      }
    },
    onStep(s) {
      stepRows?.push(JSON.stringify({ epoch: s.epoch, batch: s.batch, step: s.step, loss: s.loss, correct: s.correct, size: s.size, ms: Number(s.ms.toFixed(3)) }));
      if (!bar) bar = createProgress({ total: s.batchesPerEpoch, label: `Epoch ${s.epoch}/${epochs}`, unit: 'steps' });
      bar.update(s.batch, () => `loss ${s.runningLoss.toFixed(4)}  ${int(s.imagesPerSecond)} img/s`);
    },
    onEvaluate() {
      bar?.finish('evaluating…');
      bar = undefined;
    },
    onEpoch(m) {
      process.stdout.write(`${formatEpoch(m, epochs)}\n`);
    },
    onWarning(message) {
      bar?.finish();
      bar = undefined;
      process.stderr.write(`warning: ${message}\n`);
    },
  };
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train LeNet-5 with Adam using the train-step ONNX model (the seed\'s recipe by default)')
    .addOption(new Option('--recipe <name>', `defaults for the options below, which still win when given: ${RECIPE_NAMES.map(recipeText).join('; ')} (default seed)`).choices(RECIPE_NAMES))
    .option('--epochs <n>', 'epochs (default 10)', parsePositiveInt)
    .option('--batch-size <n>', 'batch size (default 64; at most 60,000 and what memory allows, ~112 KB per image)', parsePositiveInt)
    .option('--lr <rate>', `Adam learning rate (default ${TRAIN_DEFAULTS.lr})`, parsePositiveNumber)
    .option('--seed <n>', 'seed of the initial weights and the data order (default 0)', parseSeed)
    .addOption(new Option('--dataset <name>', 'data set (default mnist; offline it falls back to the bundled mnist-sample)').choices(DATASET_NAMES))
    .option('--data-dir <dir>', 'folder with the four IDX files, or the download cache')
    .option('--no-fallback', 'fail instead of using mnist-sample when MNIST cannot be had')
    .addOption(new Option('--ep <provider>', 'execution provider').choices(EXECUTION_PROVIDERS).default('cpu'))
    .option('--threads <n>', 'CPU threads; each batch is split across them (default: one per core, at most 4; never more than the cores or the batch size)', parsePositiveInt)
    .option('-o, --out <dir>', 'folder for lenet.onnx, lenet.ckpt and metrics.json (default: the --resume checkpoint\'s folder, else models)')
    .option('--resume <checkpoint>', 'continue a stopped run from its checkpoint (e.g. models/lenet.ckpt), with its options')
    .option('--force', 'replace a trained model already in the output folder (without it, train refuses to start there)')
    .addOption(new Option('--lr-schedule <name>', 'learning-rate schedule (default constant)').choices(LR_SCHEDULES))
    .option('--warmup-epochs <n>', 'linear learning-rate warm-up over this many epochs before the schedule (default 0)', parseNonNegativeNumber)
    .option('--augment', 'augment the training images: random whole-pixel shifts (up to --augment-shift); with --augment-rotate, --augment-scale or --augment-elastic > 0, a random affine warp instead')
    .option('--no-augment', 'no augmentation (e.g. to take it out of --recipe strong)')
    .option('--augment-shift <px>', 'largest shift, pixels (default 2)', parseNonNegativeNumber)
    .option('--augment-rotate <deg>', 'largest rotation, degrees (default 0; > 0 makes the shift continuous, bilinear)', parseNonNegativeNumber)
    .option('--augment-scale <frac>', 'largest change of size, e.g. 0.1 for 0.9–1.1× (default 0)', parseNonNegativeNumber)
    .option('--augment-elastic <px>', 'largest move of the elastic distortion\'s 5×5 control points, pixels (default 0: none)', parseNonNegativeNumber)
    .addOption(new Option('--target <name>', 'what lenet.onnx is built for: portable (right on every backend) or cpu (fastest on the CPU); see build-graph')
      .choices([...GRAPH_TARGETS, ...Object.keys(GRAPH_TARGET_ALIASES)]).default(DEFAULT_EXPORT_TARGET))
    .option('--max-steps <n>', 'stop after this many steps in all (writes a checkpoint)', parsePositiveInt)
    .option('--model <file|dir>', 'train a model make-trainable wrote (<stem>.train.onnx, or its folder) instead of LeNet-5; writes <stem>.onnx and <stem>.ckpt (default folder: trained/ beside it)')
    .option('--json-metrics <file>', 'also write every step (loss, correct, ms) as JSON lines to <file>')
    .action(async (opts: TrainCliOptions) => {
      if (opts.jsonMetrics !== undefined) {
        // Checked now, not after the whole run: a folder, a missing folder, or one of the run's own files.
        const files = trainOutputFiles({ outDir: opts.out, resume: opts.resume }, opts.model !== undefined ? await trainableModelFiles(opts.model) : undefined);
        const reserved = [files.model, files.checkpoint, files.metrics, path.join(files.outDir, JOURNAL_FILE), ...(opts.resume ? [opts.resume] : [])];
        await checkOutputFile(opts.jsonMetrics, '--json-metrics', reserved, files.outDir);
      }
      const stop = listenForStop('finishing the current step and writing a checkpoint…');
      const stepRows = opts.jsonMetrics !== undefined ? [] : undefined;
      try {
        const result = await train({
          epochs: opts.epochs, batchSize: opts.batchSize, lr: opts.lr, seed: opts.seed, dataset: opts.dataset, dataDir: opts.dataDir,
          fallback: opts.fallback, ep: opts.ep, threads: opts.threads, outDir: opts.out, resume: opts.resume,
          recipe: opts.recipe, lrSchedule: opts.lrSchedule, warmupEpochs: opts.warmupEpochs, augment: opts.augment,
          augmentShift: opts.augmentShift, augmentRotate: opts.augmentRotate, augmentScale: opts.augmentScale, augmentElastic: opts.augmentElastic, target: opts.target, maxSteps: opts.maxSteps, force: opts.force, signal: stop.signal, model: opts.model,
        }, cliReporter(stepRows, opts.threads));
        if (result.interrupted && !result.saved) {
          process.stdout.write(`Stopped before the first step; nothing was written (${path.dirname(result.files.model)} is as it was)\n`);
          if (stop.signal.aborted) process.exitCode = 130;
          return;
        }
        if (result.interrupted) {
          // --resume writes to the checkpoint's folder by default, so this reproduces the run's --out.
          process.stdout.write(`Stopped at step ${result.step}. Checkpoint: ${result.files.checkpoint}\n` +
            `Resume with: onnx-lenet train --resume ${result.files.checkpoint}\n`);
          if (stop.signal.aborted) process.exitCode = 130;
          return;
        }
        const trained = path.basename(result.files.model, '.onnx');
        process.stdout.write(`Accuracy of the ${trained === 'lenet' ? 'LeNet' : trained} model: ${pct(result.testAccuracy)}\n`);
        process.stdout.write(`Wrote ${result.files.model}, ${result.files.checkpoint}, ${result.files.metrics}\n`);
      } finally {
        // The steps taken so far, also when training failed; nothing is written before the first step.
        if (opts.jsonMetrics !== undefined && stepRows && stepRows.length > 0) {
          await makeDirs(path.dirname(opts.jsonMetrics)); // the output folder, when the run failed before writing to it
          await writeFileAtomic(opts.jsonMetrics, stepRows.map((r) => `${r}\n`).join(''));
        }
        stop.dispose();
      }
    });
}
