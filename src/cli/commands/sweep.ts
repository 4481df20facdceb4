/** `onnx-lenet sweep`: tune what the seed suggests tuning, compared on a validation split, with a report. */
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DATASET_NAMES, type DatasetName, EXECUTION_PROVIDERS, type ExecutionProvider, type LrSchedule, type NumberSpec, RECIPE_NAMES, type RecipeName,
  type SweepReporter, type SweepSpace, markdownTable, outcomeLines, parseAugment, parseLrSchedules, parseNumberSpec, parseRecipes, parseSeeds, sweep, trialLine,
} from '../../index.js';
import { type Progress, createProgress } from '../../util/progress.js';
import { parsePositiveInt, parseSeed } from '../options.js';
import { listenForStop } from '../stop-signal.js';

interface SweepCliOptions {
  readonly lr?: NumberSpec;
  readonly batchSize?: NumberSpec;
  readonly epochs?: NumberSpec;
  readonly recipe?: RecipeName[];
  readonly lrSchedule?: LrSchedule[];
  readonly augment?: boolean[];
  readonly seeds?: number[];
  readonly trials?: number;
  readonly samplingSeed?: number;
  readonly dataset?: DatasetName;
  readonly dataDir?: string;
  readonly fallback: boolean;
  readonly validation: number;
  readonly validationSeed: number;
  readonly ep: ExecutionProvider;
  readonly threads?: number;
  readonly out?: string;
}

/** Wraps a parser that throws RangeError into one commander reports as an invalid argument. */
function arg<T>(parse: (text: string) => T): (text: string) => T {
  return (text) => {
    try {
      return parse(text);
    } catch (error) {
      throw new InvalidArgumentError((error as Error).message);
    }
  };
}

function parseFraction(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError(`expected a fraction in (0, 1), got '${text}'`);
  return n;
}

/** One line per trial on stdout; an overall bar (epochs, with an ETA) on stderr. */
function cliReporter(): SweepReporter & { finish(): void } {
  let bar: Progress | undefined;
  let doneEpochs = 0;
  let trialStart = { done: 0, epochs: 0 };
  const clearBar = (): void => {
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  };
  return {
    onPlan(plan) {
      process.stdout.write(`${plan.trials} trials, ${plan.toRun} to run (${plan.epochsToRun} epochs)\n`);
      if (plan.epochsToRun > 0) bar = createProgress({ total: plan.epochsToRun, label: 'sweep', unit: 'epochs' });
    },
    onStep(trial, s) {
      bar?.update(doneEpochs + s.batch / s.batchesPerEpoch, `trial ${trial.id} epoch ${s.epoch}`);
    },
    onEpoch() {
      doneEpochs++;
    },
    onTrialStart(trial) {
      trialStart = { done: doneEpochs, epochs: trial.epochs.length };
    },
    onTrialEnd(trial, position) {
      // A finished or failed trial counts all its epochs, so the bar ends at 100 %.
      if (trial.status === 'done' || trial.status === 'failed') doneEpochs = trialStart.done + trial.config.epochs - trialStart.epochs;
      bar?.update(doneEpochs);
      clearBar();
      process.stdout.write(`${trialLine(trial, position.index, position.count)}\n`);
    },
    onWarning(message) {
      clearBar();
      process.stderr.write(`warning: ${message}\n`);
    },
    finish() {
      bar?.finish();
    },
  };
}

function space(o: SweepCliOptions): Partial<SweepSpace> {
  return {
    ...(o.lr ? { lr: o.lr } : {}), ...(o.batchSize ? { batchSize: o.batchSize } : {}), ...(o.epochs ? { epochs: o.epochs } : {}),
    ...(o.recipe ? { recipe: o.recipe } : {}), ...(o.lrSchedule ? { lrSchedule: o.lrSchedule } : {}), ...(o.augment ? { augment: o.augment } : {}),
    ...(o.seeds ? { seeds: o.seeds } : {}),
  };
}

export function sweepCommand(): Command {
  return new Command('sweep')
    .description('tune lr, batch size and epochs (as the seed suggests): every trial a train run, compared on a validation split; writes sweep.json and sweep.html')
    .option('--lr <values>', 'learning rates: a list (3e-4,1e-3,3e-3, the default) or, with --trials, a range drawn log-uniformly (1e-4:1e-2)', arg((t) => parseNumberSpec(t, false)))
    .option('--batch-size <values>', 'batch sizes: a list (default 32,64,128) or, with --trials, a range (32:256)', arg((t) => parseNumberSpec(t, true)))
    .option('--epochs <values>', 'epochs: a list (default 10) or, with --trials, a range (5:15)', arg((t) => parseNumberSpec(t, true)))
    .option('--recipe <names>', `training recipes (${RECIPE_NAMES.join(', ')}; default seed)`, arg(parseRecipes))
    .option('--lr-schedule <names>', 'also sweep the learning-rate schedule (constant,cosine,step)', arg(parseLrSchedules))
    .option('--augment <values>', 'also sweep augmentation (off,on)', arg(parseAugment))
    .option('--seeds <list>', 'training seeds; every configuration runs once per seed (default 0)', arg(parseSeeds))
    .option('--trials <n>', 'random search: draw n configurations from the values and ranges (default: the whole grid)', parsePositiveInt)
    .option('--sampling-seed <n>', 'seed of the random draw (default 0)', parseSeed)
    .addOption(new Option('--dataset <name>', 'data set (default mnist; offline it falls back to the bundled mnist-sample)').choices(DATASET_NAMES))
    .option('--data-dir <dir>', 'folder with the four IDX files, or the download cache')
    .option('--no-fallback', 'fail instead of using mnist-sample when MNIST cannot be had')
    .option('--validation <fraction>', 'share of each class of the training data held out to compare trials on', parseFraction, 0.1)
    .option('--validation-seed <n>', 'seed of the held-out draw', parseSeed, 0)
    .addOption(new Option('--ep <provider>', 'execution provider').choices(EXECUTION_PROVIDERS).default('cpu'))
    .option('--threads <n>', 'CPU threads of every trial (default: as train); a resumed sweep must use the same', parsePositiveInt)
    .option('-o, --out <dir>', 'the sweep\'s folder (default sweeps/<dataset>-<hash of the options>); run again to resume')
    .action(async (opts: SweepCliOptions) => {
      const stop = listenForStop('finishing the current step, then writing the checkpoint and sweep.json…');
      const reporter = cliReporter();
      try {
        const result = await sweep({
          space: space(opts), trials: opts.trials, samplingSeed: opts.samplingSeed, dataset: opts.dataset, dataDir: opts.dataDir, fallback: opts.fallback,
          validation: { fraction: opts.validation, seed: opts.validationSeed }, ep: opts.ep, threads: opts.threads, outDir: opts.out, signal: stop.signal,
        }, reporter);
        reporter.finish();
        if (result.interrupted) {
          process.stdout.write(`Stopped. Run the same command again to continue (${result.files.json}).\n`);
          if (stop.signal.aborted) process.exitCode = 130;
          return;
        }
        process.stdout.write(`\n${markdownTable(result.record)}\n\n${outcomeLines(result.record).join('\n')}\n`);
        process.stdout.write(`Wrote ${result.files.json} and ${result.files.html} (open it, or: onnx-lenet serve --sweep ${result.files.dir})\n`);
      } finally {
        stop.dispose();
      }
    });
}
