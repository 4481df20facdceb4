/**
 * `train(options, reporter)`: the seed's job — LeNet-5, Adam, mini-batches, epochs — with the train-step
 * model run by ONNX Runtime. Writes the trained inference model, a checkpoint and a metrics file as one
 * set (output-set.ts) at the end of every epoch and when stopped early (signal or maxSteps) after at
 * least one step; nothing in the output folder changes before a step has completed.
 */
import * as path from 'node:path';
import { type Batch, BatchIterator } from '../data/batches.js';
import { type Dataset, type DatasetName, DATASET_NAMES, type Split, loadDataset, splitFingerprint } from '../data/dataset.js';
import { carveValidation } from '../data/split.js';
import { adamScalars } from '../graph/contract.js';
import { MODEL_FILES, exportedModel, trainedModelAt } from '../graph/export.js';
import { METADATA_KEYS } from '../graph/metadata.js';
import { buildInferenceModel } from '../graph/models.js';
import { asParams, initParameters } from '../graph/params.js';
import { encodeModel } from '../graph/proto.js';
import { DEFAULT_EXPORT_TARGET, type GraphTarget, resolveGraphTarget } from '../graph/webgpu-conv.js';
import { defaultThreads } from '../runtime/threads.js';
import { checkWritableDir } from '../util/fs.js';
import { Mt19937, type RngState } from '../util/rng.js';
import { trace } from '../util/trace.js';
import { augmentSeed } from './augment.js';
import { BatchAugmenter } from './augmenter.js';
import { type Checkpoint, type TrainProgress, encodeCheckpoint, readCheckpoint } from './checkpoint.js';
import { commitOutputSet, recoverOutputSet } from './output-set.js';
import { Evaluator } from '../infer/evaluator.js';
import { augmentRange, resolveOptions, unusedAugmentFlags } from './options.js';
import { learningRate } from './schedule.js';
import { type TrainableModel, loadTrainableModel, trainedModelBytes } from './model-files.js';
import { createStepRunner } from './step/create.js';
import { createModelSessionRunner } from './step/session-runner.js';
import type { BatchWarp, TrainStepRunner } from './step/runner.js';
import { type HostState, modelState } from './step/state.js';
import type { EpochMetrics, ResumableOptions, TrainFiles, TrainOptions, TrainReporter, TrainResult, TrainStartInfo } from './types.js';

export const CHECKPOINT_FILE = 'lenet.ckpt';
export const METRICS_FILE = 'metrics.json';

interface RunContext {
  readonly options: ResumableOptions;
  readonly data: Dataset;
  readonly files: TrainFiles;
  readonly outDir: string;
  /** splitFingerprint of the training split, kept in the checkpoint. */
  readonly fingerprint: string;
  readonly info: TrainStartInfo;
  readonly runner: TrainStepRunner;
  readonly evaluator: Evaluator;
  /** The held-out part of the training split (options.validation), evaluated after every epoch. */
  readonly validation?: Split;
  /** What the exported lenet.onnx is built for (default portable; the training graphs follow the ep). */
  readonly target: GraphTarget;
  /** `--model`: make-trainable's models, trained instead of LeNet */
  readonly generic?: TrainableModel;
}

/** What the exported model's metadata says of how it was trained: the recipe's name and the values the run used. */
function recipeRecord(o: ResumableOptions): Record<string, unknown> {
  return {
    recipe: o.recipe, seed: o.seed, batchSize: o.batchSize, lr: o.lr, lrSchedule: o.lrSchedule, warmupEpochs: o.warmupEpochs, augment: o.augment,
    ...(o.augment ? { augmentShift: o.augmentShift, augmentRotate: o.augmentRotate, augmentScale: o.augmentScale, augmentElastic: o.augmentElastic } : {}),
  };
}

/** The exported lenet.onnx: the target's graph, saying what it is (metadata.ts) — data set, recipe, epochs, accuracy. */
function trainedModel(ctx: RunContext, state: HostState, progress: TrainProgress): Uint8Array {
  const o = ctx.options;
  const last = progress.history[progress.history.length - 1];
  const metadata = {
    [METADATA_KEYS.dataset]: ctx.data.name,
    [METADATA_KEYS.recipe]: JSON.stringify(recipeRecord(o)),
    [METADATA_KEYS.epochs]: progress.history.length,
    [METADATA_KEYS.testAccuracy]: last?.testAccuracy,
  };
  if (ctx.generic) return trainedModelBytes(ctx.generic.inference, modelState(state), metadata);
  return encodeModel(exportedModel(buildInferenceModel(asParams(modelState(state)), { target: ctx.target }), ctx.target, metadata));
}

/** The model, checkpoint and metrics, committed as one set: a crash leaves the previous set or this one. */
async function writeOutputs(ctx: RunContext, state: HostState, progress: TrainProgress): Promise<void> {
  const checkpoint: Checkpoint = { options: ctx.options, progress, state };
  const last = progress.history[progress.history.length - 1];
  const metrics = {
    options: ctx.options,
    dataset: { name: ctx.data.name, source: ctx.data.source, train: ctx.data.train.count, ...(ctx.validation ? { validation: ctx.validation.count } : {}), test: ctx.data.test.count },
    ep: ctx.info.ep, ...(ctx.info.threads !== undefined ? { threads: ctx.info.threads } : {}), step: progress.step, epochs: progress.history, testAccuracy: last?.testAccuracy ?? null,
  };
  await commitOutputSet(ctx.outDir, [
    { name: path.basename(ctx.files.model), data: trainedModel(ctx, state, progress) },
    { name: path.basename(ctx.files.checkpoint), data: encodeCheckpoint(checkpoint) },
    { name: path.basename(ctx.files.metrics), data: `${JSON.stringify(metrics, null, 2)}\n` },
  ]);
}

/**
 * Where a run writes: `--out`, else the resumed checkpoint's folder, else 'models' (LeNet) or the
 * `trained` folder beside the model's files (`--model`, whose `<stem>.onnx` and `<stem>.ckpt` it writes).
 */
export function trainOutputFiles(options: Pick<TrainOptions, 'outDir' | 'resume'>, model?: { readonly stem: string; readonly train: string }): TrainFiles & { readonly outDir: string } {
  const outDir = options.outDir ?? (options.resume !== undefined ? path.dirname(options.resume) : model ? path.join(path.dirname(model.train), 'trained') : 'models');
  const [inference, checkpoint] = model ? [`${model.stem}.onnx`, `${model.stem}.ckpt`] : [MODEL_FILES.inference, CHECKPOINT_FILE];
  return { outDir, model: path.join(outDir, inference), checkpoint: path.join(outDir, checkpoint), metrics: path.join(outDir, METRICS_FILE) };
}

/** `--model` (or the resumed run's): make-trainable's models, and a run that would not overwrite their initial weights. */
async function genericModel(options: TrainOptions, resumed: Checkpoint | undefined): Promise<TrainableModel | undefined> {
  const wanted = options.model ?? resumed?.options.model;
  if (wanted === undefined) return undefined;
  const generic = await loadTrainableModel(wanted);
  const before = resumed?.options.model;
  if (resumed && before !== generic.files.train) {
    throw new RangeError(`--resume continues the checkpoint's run, which trained ${before === undefined ? 'LeNet-5' : `'${before}'`}; drop --model, or start a new run without --resume`);
  }
  return generic;
}

/** Resuming must continue the same run on the same data, and have something left to do. */
function checkResume(resumed: Checkpoint, source: string, run: ResumableOptions, data: Dataset, fingerprint: string, maxSteps: number | undefined): void {
  const p = resumed.progress;
  if (p.trainCount !== data.train.count || (p.dataFingerprint !== undefined && p.dataFingerprint !== fingerprint)) {
    const what = p.trainCount !== data.train.count ? `${p.trainCount} images, but ${data.name} has ${data.train.count}` : `other images than ${data.name} holds (same count, different data fingerprint)`;
    throw new Error(`checkpoint '${source}' was trained on ${what}; resume with the same data set`);
  }
  if (p.epoch >= run.epochs) {
    throw new RangeError(`checkpoint '${source}' has finished ${p.epoch} epoch${p.epoch === 1 ? '' : 's'}, so --epochs ${run.epochs} leaves nothing to train; give --epochs ${p.epoch + 1} or more`);
  }
  if (maxSteps !== undefined && maxSteps <= p.step) {
    throw new RangeError(`checkpoint '${source}' is at step ${p.step}, so --max-steps ${maxSteps} leaves nothing to train; give more`);
  }
}

function effectiveDataset(requested: DatasetName, data: Dataset): DatasetName {
  return (DATASET_NAMES as readonly string[]).includes(data.name) ? (data.name as DatasetName) : requested;
}

export async function train(options: TrainOptions = {}, reporter: TrainReporter = {}): Promise<TrainResult> {
  trace('train: start');
  // Finish or undo a write a crash interrupted, so the checkpoint read and the folder written are one set.
  if (options.resume) await recoverOutputSet(path.dirname(options.resume));
  const resumed = options.resume ? await readCheckpoint(options.resume) : undefined;
  const generic = await genericModel(options, resumed);
  const { outDir, ...files } = trainOutputFiles(options, generic?.files);
  if (generic && path.resolve(files.model) === generic.files.inference) {
    throw new Error(`the trained model '${files.model}' would replace the initial weights make-trainable wrote; give another --out`);
  }
  await recoverOutputSet(outDir);
  // A trained model in --out belongs to the run that made it: only that run (--resume its checkpoint) or --force replaces it.
  const continuing = options.resume !== undefined && path.resolve(options.resume) === path.resolve(files.checkpoint);
  const trained = continuing || options.force === true ? undefined : await trainedModelAt(files.model, files.checkpoint);
  if (trained !== undefined) {
    throw new Error(`'${files.model}' is a trained model (${trained}); this run would replace it. ` +
      `Continue it with --resume ${files.checkpoint}, train into another --out, or replace it with --force`);
  }
  const requested = { ...resolveOptions(options, resumed?.options), ...(generic ? { model: generic.files.train } : {}) };
  const unused = unusedAugmentFlags(options, requested);
  if (unused.length > 0) reporter.onWarning?.(`${unused.join(', ')} ha${unused.length === 1 ? 's' : 've'} no effect without --augment (this run does not augment)`);
  const dataRng = resumed ? Mt19937.fromState(resumed.progress.epochRng) : new Mt19937(requested.seed);
  const initial = resumed ? { state: resumed.state } : { params: generic ? generic.initial : initParameters(dataRng) };
  const augmentRng = resumed ? Mt19937.fromState(resumed.progress.augmentRng) : new Mt19937(augmentSeed(requested.seed));
  // Sessions first: a provider that cannot run fails fast, before any download or file is touched.
  const ep = options.ep ?? 'cpu';
  const target = resolveGraphTarget(options.target, DEFAULT_EXPORT_TARGET);
  const threads = options.threads ?? defaultThreads();
  // A checkpoint names its data: resuming never falls back to other data.
  const fallback = resumed ? false : options.fallback;
  const stopData = new AbortController();
  const dataSignal = options.signal ? AbortSignal.any([options.signal, stopData.signal]) : stopData.signal;
  const startData = (): Promise<Dataset> => loadDataset({ dataset: requested.dataset, dataDir: requested.dataDir, fallback, onWarning: reporter.onWarning, signal: dataSignal });
  // On the CPU nothing can fail for want of a device, so the data loads (file reads and gunzip on libuv's
  // threads) while the training threads start and create their sessions; elsewhere the sessions come first.
  const early = ep === 'cpu' ? startData() : undefined;
  early?.catch(() => undefined);  // awaited below; not an unhandled rejection meanwhile
  let runner: TrainStepRunner;
  try {
    // LeNet, and --model on the CPU when make-trainable wrote <stem>.grad.onnx: the runner for the ep (on the
    // CPU data-parallel); other --model runs: one session of its train step (on the CPU with intra-op threads).
    runner = generic && !(ep === 'cpu' && generic.gradient) ? await createModelSessionRunner(ep, generic.train, initial, { threads })
      : await createStepRunner(ep, initial, { threads, maxBatch: requested.batchSize, ...(generic?.gradient ? { gradient: generic.gradient } : {}) });
  } catch (error) {
    stopData.abort();
    await early?.catch(() => undefined);
    throw error;
  }
  trace('train: step runner ready');
  let evaluator: Evaluator | undefined;
  try {
    evaluator = generic ? await Evaluator.forModel(generic.eval, ep, threads) : await Evaluator.create(ep, threads);
    trace('train: evaluator ready');
    const loaded = await (early ?? startData());
    const carved = requested.validation ? carveValidation(loaded.train, requested.validation) : undefined;
    const data: Dataset = carved ? { ...loaded, train: carved.train } : loaded;
    const run: ResumableOptions = { ...requested, dataset: effectiveDataset(requested.dataset, data) };
    trace('train: data loaded');
    const fingerprint = splitFingerprint(data.train);
    trace('train: data fingerprinted');
    if (resumed) checkResume(resumed, options.resume ?? '', run, data, fingerprint, options.maxSteps);
    await checkWritableDir(outDir); // created by the first write, after the first step
    const batches = new BatchIterator(data.train, run.batchSize, { shuffle: true, rng: dataRng });
    const info: TrainStartInfo = {
      dataset: data.name, source: data.source, trainCount: data.train.count, ...(carved ? { validationCount: carved.validation.count } : {}), testCount: data.test.count,
      stepsPerEpoch: batches.batchesPerEpoch, options: run, ep, ...(generic ? { model: generic.files.stem } : {}),
      ...(runner.threads !== undefined ? { threads: runner.threads } : {}),
      ...(resumed ? { resumedAt: { epoch: resumed.progress.epoch, step: resumed.progress.step } } : {}),
    };
    reporter.onStart?.(info);
    const ctx: RunContext = {
      options: run, data, files, outDir, fingerprint, info, runner, evaluator, target, ...(carved ? { validation: carved.validation } : {}), ...(generic ? { generic } : {}),
    };
    return await trainLoop(ctx, batches, dataRng, augmentRng, resumed?.progress, options, reporter);
  } finally {
    await runner.release();
    await evaluator?.release();
    trace('train: released');
  }
}

/** A batch of the epoch with its augmentation drawn, and the augmentation generator's state before that draw. */
interface DrawnBatch {
  readonly batch: Batch;
  readonly warp: BatchWarp | undefined;
  /** Where a run stopped before this batch resumes the augmentation stream from. */
  readonly augmentState: RngState;
}

/**
 * The epoch's batches from number `skip` on, each augmented as it is taken (the draws in batch order, as
 * without looking ahead). A batch stays valid while one more is taken (BatchIterator).
 */
function* drawnBatches(epoch: Iterable<Batch>, skip: number, augmenter: BatchAugmenter | undefined, augmentRng: Mt19937): Generator<DrawnBatch> {
  let index = 0;
  for (const batch of epoch) {
    if (index++ < skip) continue;
    const augmentState = augmentRng.getState();
    yield { batch, warp: augmenter?.apply(batch), augmentState };
  }
}

/** A turn of the event loop, so that signals (Ctrl-C) are seen: onnxruntime-node's run blocks while it computes. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

async function trainLoop(ctx: RunContext, batches: BatchIterator, dataRng: Mt19937, augmentRng: Mt19937,
  from: TrainProgress | undefined, options: TrainOptions, reporter: TrainReporter): Promise<TrainResult> {
  const run = ctx.options;
  const totalSteps = run.epochs * batches.batchesPerEpoch;
  const warmupSteps = Math.round(run.warmupEpochs * batches.batchesPerEpoch);
  const augmenter = run.augment ? new BatchAugmenter(augmentRange(run), augmentRng, ctx.runner.warpsBatches === true) : undefined;
  const history: EpochMetrics[] = [...(from?.history ?? [])];
  let step = from?.step ?? 0;
  const firstStep = step;
  const stopRequested = (): boolean => options.signal?.aborted === true || (options.maxSteps !== undefined && step >= options.maxSteps);
  for (let epoch = from?.epoch ?? 0; epoch < run.epochs; epoch++) {
    const epochRng = dataRng.getState();
    const resuming = from !== undefined && epoch === from.epoch;
    const skip = resuming ? from.batchInEpoch : 0;
    const stats = resuming ? { ...from.epochStats } : { lossSum: 0, correct: 0, seen: 0, elapsedMs: 0 };
    let batchIndex = skip;
    let lr = run.lr;
    let t0 = performance.now() - stats.elapsedMs;
    const drawn = drawnBatches(batches.epoch(), skip, augmenter, augmentRng);
    for (let taken = drawn.next(); !taken.done;) {
      const { batch, warp, augmentState } = taken.value;
      if (stopRequested()) {
        // Stopped before this run's first step: the output folder keeps what it had (maybe a trained model).
        const saved = step > firstStep;
        stats.elapsedMs = performance.now() - t0;
        const progress: TrainProgress = { step, epoch, batchInEpoch: batchIndex, epochRng, augmentRng: augmentState, epochStats: stats, history, trainCount: ctx.data.train.count, dataFingerprint: ctx.fingerprint };
        if (saved) await writeOutputs(ctx, await ctx.runner.readState(), progress);
        return { history, testAccuracy: history[history.length - 1]?.testAccuracy ?? NaN, step, interrupted: true, saved, files: ctx.files };
      }
      // The next batch, taken now: a runner that warps batches itself warps it while its threads would
      // otherwise wait for each other during this step.
      taken = drawn.next();
      const upcoming = ctx.runner.warpsBatches === true && !taken.done && taken.value.warp ? { batch: taken.value.batch, warp: taken.value.warp } : undefined;
      step++;
      lr = learningRate(run.lrSchedule, run.lr, step, totalSteps, warmupSteps);
      const s = adamScalars(step, lr);
      const started = performance.now();
      // Every step gives the event loop a turn before the next stop check; taken while the step runs, it
      // is free when the step lets the loop run anyway (onnxruntime-node's run starts from setImmediate).
      const turn = yieldToEventLoop();
      const r = await ctx.runner.step(batch, s.stepSize, s.biasCorrection2Sqrt, warp, upcoming);
      await turn;
      const ms = performance.now() - started;
      if (step === firstStep + 1) trace('train: first step done');
      if (!Number.isFinite(r.loss)) throw new Error(`training diverged at step ${step} (loss ${r.loss}); try a smaller --lr`);
      stats.lossSum += r.loss * batch.size;
      stats.correct += r.correct;
      stats.seen += batch.size;
      batchIndex++;
      const seconds = (performance.now() - t0) / 1000;
      reporter.onStep?.({ epoch: epoch + 1, batch: batchIndex, batchesPerEpoch: batches.batchesPerEpoch, step, loss: r.loss, runningLoss: stats.lossSum / stats.seen, imagesPerSecond: stats.seen / seconds, size: batch.size, correct: r.correct, ms });
    }
    const seconds = (performance.now() - t0) / 1000;
    trace(`train: epoch ${epoch + 1} steps done`);
    reporter.onEvaluate?.(epoch + 1);
    const state = await ctx.runner.readState();
    const params = modelState(state);
    const test = await ctx.evaluator.evaluate(params, ctx.data.test);
    const validation = ctx.validation ? await ctx.evaluator.evaluate(params, ctx.validation) : undefined;
    const metrics: EpochMetrics = {
      epoch: epoch + 1, loss: stats.lossSum / stats.seen, trainAccuracy: stats.correct / stats.seen,
      testLoss: test.loss, testAccuracy: test.accuracy,
      ...(validation ? { validationLoss: validation.loss, validationAccuracy: validation.accuracy } : {}), seconds, imagesPerSecond: stats.seen / seconds, lr,
    };
    history.push(metrics);
    trace(`train: epoch ${epoch + 1} evaluated`);
    reporter.onEpoch?.(metrics, ctx.info);
    const progress: TrainProgress = {
      step, epoch: epoch + 1, batchInEpoch: 0, epochRng: dataRng.getState(), augmentRng: augmentRng.getState(),
      epochStats: { lossSum: 0, correct: 0, seen: 0, elapsedMs: 0 }, history, trainCount: ctx.data.train.count, dataFingerprint: ctx.fingerprint,
    };
    await writeOutputs(ctx, state, progress);
    trace(`train: epoch ${epoch + 1} outputs written`);
    t0 = performance.now();
  }
  return { history, testAccuracy: history[history.length - 1]?.testAccuracy ?? NaN, step, interrupted: false, saved: true, files: ctx.files };
}
