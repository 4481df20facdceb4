/**
 * The "train in the browser" panel: loads the train-step model and the bundled digits, trains LeNet
 * step by step (from scratch, or continuing the last run or one saved in this browser), with pause and
 * resume, a live loss curve and a test-accuracy curve, current images/s and time left; at the end it
 * evaluates on the held-out digits (confusion matrix, per-class accuracy, the mistakes), writes the
 * trained weights into the inference model's bytes (onnx-weights.ts) and offers that model: for the pad,
 * as a download, or saved in the browser with the whole train state.
 */
import { asParams } from '../../src/graph/params.js';
import { modelState } from '../../src/train/step/state.js';
import { AccuracyChart, LossChart } from './chart.js';
import { Classifier } from './classifier.js';
import { type DigitData, decodeSample, gatherImages, spreadIndices } from './dataset.js';
import { formatDuration, RateMeter } from './eta.js';
import { type Evaluation, evaluate } from './evaluation.js';
import { deleteRun, loadRun, saveRun, type SavedRun, type TestPoint } from './model-store.js';
import { replaceInitializers } from './onnx-weights.js';
import { ResultsView } from './results-view.js';
import type { Backend } from './runtime.js';
import { BrowserTrainer, type StepReport, type TrainerState } from './trainer.js';
import { byId, downloadBytes, errorText, fetchBytes } from './view.js';
import { TRAIN_MODEL_URL } from './train-availability.js';

export type TrainState = 'idle' | 'loading' | 'training' | 'paused' | 'evaluating' | 'done' | 'stopped' | 'error';

/** What the panel exposes to the page (and to the end-to-end tests). */
export interface TrainingSnapshot {
  readonly state: TrainState;
  /** Every step's loss since the run began from scratch (a continued run's history included). */
  readonly losses: readonly number[];
  /** The run's images per second of step time (batch assembly + run), since this session started. */
  readonly imagesPerSecond: number;
  /** Images per second over the last few seconds of wall time (what the page shows), and the time left. */
  readonly currentImagesPerSecond: number;
  readonly eta: string;
  /** Accuracy on TEST_CURVE_DIGITS held-out digits, every few steps. */
  readonly testCurve: readonly TestPoint[];
  readonly testAccuracy: number | null;
  /** confusion[true][predicted] on every held-out digit, once a run has ended. */
  readonly confusion: readonly (readonly number[])[] | null;
  readonly perClassAccuracy: readonly number[] | null;
  readonly error: string | null;
  /** Steps the model has been trained (0 while loading, or when stopped before the first step of a new run). */
  readonly stepsDone: number;
  /** Whether a trained model is on offer for the pad (the user decides; nothing is swapped in silently). */
  readonly offered: boolean;
  /** Web Workers the last run split its batches across (0: one session); unset before the first run. */
  readonly workers?: number;
  /** The run saved in this browser (its step), if any. */
  readonly savedStep: number | null;
}

/** A model trained here, waiting for the user to put it on the pad. */
export interface TrainedModel {
  /** lenet.onnx's bytes with the trained weights. */
  readonly model: Uint8Array;
  readonly summary: string;
}

export interface TrainingDeps {
  readonly backend: () => Backend;
  /** The inference model whose weights the trained ones replace. */
  readonly baseModel: () => Uint8Array;
  /** The user chose the trained model for the pad. */
  readonly onUse: (trained: TrainedModel) => void;
  /** Told when training starts and ends (the page locks its backend choice meanwhile). */
  readonly onBusyChange: (busy: boolean) => void;
}

/** Held-out digits behind the test-accuracy curve ("a few hundred", so a point costs little), spread over the classes. */
export const TEST_CURVE_DIGITS = 500;
/** About this many points on the test-accuracy curve per run. */
const TEST_POINTS_PER_RUN = 20;
/** Yield to the browser at least this often (ms) so the page stays responsive while training. */
const FRAME_BUDGET_MS = 40;

export class TrainingPanel {
  private snapshotState: TrainingSnapshot = {
    state: 'idle', losses: [], imagesPerSecond: 0, currentImagesPerSecond: 0, eta: '–', testCurve: [], testAccuracy: null,
    confusion: null, perClassAccuracy: null, error: null, stepsDone: 0, offered: false, savedStep: null,
  };
  private stopRequested = false;
  private pauseRequested = false;
  private wake: (() => void) | null = null;
  /** The running trainer (while a run is busy). */
  private trainer: BrowserTrainer | null = null;
  /** Where "Continue training" goes on from: the end of the last run, or a run loaded from the browser. */
  private resumeFrom: TrainerState | null = null;
  /** The last run's settings, kept with a save. */
  private runSettings = { seed: 0, learningRate: 0.001, augment: 0 };
  private offered: TrainedModel | null = null;
  /** The latest trained model (for the download), with its step count. */
  private latest: { model: Uint8Array; steps: number } | null = null;
  private trainModel: Uint8Array | null = null;
  private data: DigitData | null = null;
  private testImages: Float32Array | null = null;
  private curve: { images: Float32Array; labels: Uint8Array } | null = null;
  private target = 0;
  /** The last finished state came from the browser's saved run, not from training. */
  private loaded = false;
  /** Why training cannot run here (no train-step model on the server), or null. */
  private unavailable: string | null = null;
  private readonly meter = new RateMeter();
  private readonly chart: LossChart;
  private readonly accuracyChart: AccuracyChart;
  private readonly button = byId('train', HTMLButtonElement);
  private readonly pauseButton = byId('pause', HTMLButtonElement);
  private readonly continueButton = byId('continue', HTMLButtonElement);
  private readonly saveButton = byId('save-run', HTMLButtonElement);
  private readonly downloadButton = byId('download', HTMLButtonElement);
  private readonly loadSavedButton = byId('load-saved', HTMLButtonElement);
  private readonly deleteSavedButton = byId('delete-saved', HTMLButtonElement);
  private readonly stepsInput = byId('train-steps', HTMLInputElement);
  private readonly batchInput = byId('train-batch', HTMLSelectElement);
  private readonly seedInput = byId('train-seed', HTMLInputElement);
  private readonly lrInput = byId('train-lr', HTMLSelectElement);
  private readonly augmentInput = byId('train-augment', HTMLSelectElement);
  private readonly useButton = byId('use-trained', HTMLButtonElement);
  private readonly results = new ResultsView();

  constructor(private readonly deps: TrainingDeps) {
    this.chart = new LossChart(byId('loss-chart', HTMLCanvasElement), () => this.target || Number(this.stepsInput.value) || 0);
    this.accuracyChart = new AccuracyChart(byId('accuracy-chart', HTMLCanvasElement), () => this.target || Number(this.stepsInput.value) || 0);
    this.button.addEventListener('click', (e) => {
      // The second click of a double-click (detail 2, 3, …) is not a request to stop the run the first
      // click just started: it used to stop it while loading, and the 0-step model replaced the pad's.
      if (e.detail > 1) return;
      if (this.busy) this.stop();
      else void this.run(null);
    });
    // Pause appears beside the Train button as it turns into the narrower Stop: the second click of a
    // double-click on "Train from scratch" landed on it and paused the new run at step 1.
    this.pauseButton.addEventListener('click', (e) => {
      if (e.detail > 1) return;
      if (this.pauseRequested) this.resume();
      else this.pause();
    });
    this.continueButton.addEventListener('click', () => {
      if (!this.busy && this.resumeFrom) void this.run(this.resumeFrom);
    });
    this.useButton.addEventListener('click', () => {
      if (!this.offered) return;
      this.deps.onUse(this.offered);
      this.offer(null);
    });
    this.downloadButton.addEventListener('click', () => {
      if (this.latest) downloadBytes(this.latest.model, `lenet-trained-${this.latest.steps}-steps.onnx`);
    });
    this.saveButton.addEventListener('click', () => void this.guard('Saving failed', () => this.save()));
    this.loadSavedButton.addEventListener('click', () => void this.guard('Loading the saved run failed', () => this.loadSaved()));
    this.deleteSavedButton.addEventListener('click', () => void this.guard('Deleting the saved run failed', async () => {
      await deleteRun();
      this.showSaved(null);
    }));
    this.update({});
    void loadRun().then((run) => this.showSaved(run), () => this.showSaved(null));
  }

  get snapshot(): TrainingSnapshot {
    return this.snapshotState;
  }

  private get busy(): boolean {
    return ['loading', 'training', 'paused', 'evaluating'].includes(this.snapshotState.state);
  }

  stop(): void {
    this.stopRequested = true;
    this.wake?.();
  }

  pause(): void {
    if (this.snapshotState.state === 'training') this.pauseRequested = true;
  }

  resume(): void {
    this.pauseRequested = false;
    this.wake?.();
  }

  /** A run of Steps steps: from scratch (`from` null), or going on from a trainer state. */
  async run(from: TrainerState | null): Promise<void> {
    const steps = Math.floor(Number(this.stepsInput.value));
    this.stopRequested = false;
    this.pauseRequested = false;
    this.loaded = false;
    // A run from scratch starts a new history: Continue must not go on from the previous run's end with it.
    if (!from) this.resumeFrom = null;
    this.offer(null);
    this.showEvaluation(null);
    const history = from ? { losses: this.snapshotState.losses, testCurve: this.snapshotState.testCurve } : { losses: [], testCurve: [] };
    const start = from?.step ?? 0;
    this.target = start + Math.max(steps, 0);
    this.chart.reset(history.losses);
    this.accuracyChart.reset(history.testCurve);
    this.meter.reset();
    this.clearStats();
    this.update({ state: 'loading', ...history, imagesPerSecond: 0, currentImagesPerSecond: 0, eta: '–', testAccuracy: null, error: null, stepsDone: start });
    // A continued run keeps its batch size (its batch order depends on it) and its seed; the learning
    // rate and augmentation are this run's choice.
    if (from) this.batchInput.value = String(from.order.batchSize);
    const settings = { seed: from ? this.runSettings.seed : Math.floor(Number(this.seedInput.value)), learningRate: Number(this.lrInput.value), augment: Number(this.augmentInput.value) };
    try {
      if (!(steps >= 1)) throw new RangeError(`steps must be at least 1, got ${this.stepsInput.value}`);
      const data = await this.loadData();
      const trainModel = await this.loadTrainModel();
      if (this.stopRequested) return this.update({ state: 'stopped' });
      this.trainer = await BrowserTrainer.create(trainModel, data.train, { steps, batchSize: Number(this.batchInput.value), ...settings, backend: this.deps.backend(), ...(from ? { from } : {}) });
      this.runSettings = settings;
      byId('train-runner', HTMLElement).textContent = `Training on ${this.trainer.runner}.`;
      this.update({ state: 'training', workers: this.trainer.workers });
      await this.loop(this.trainer);
      const stepsDone = this.trainer.stepsDone;
      if (stepsDone === start) return this.update({ state: 'stopped' });
      // A run stopped between two points of the test-accuracy curve gets one where it stopped.
      if (this.snapshotState.testCurve.at(-1)?.step !== stepsDone) await this.testPoint(this.trainer, stepsDone);
      this.resumeFrom = await this.trainer.save();
      await this.finish(stepsDone < this.target ? 'stopped' : 'done');
    } catch (error) {
      this.update({ state: 'error', error: `Training failed: ${errorText(error)}` });
    } finally {
      this.pauseRequested = false; // a Pause pressed as the run ended is void
      await this.trainer?.release();
      this.trainer = null;
      this.update({});
    }
  }

  private async loop(trainer: BrowserTrainer): Promise<void> {
    const evalEvery = Math.max(5, Math.ceil((this.target - trainer.stepsDone) / TEST_POINTS_PER_RUN));
    const losses = [...this.snapshotState.losses];
    const firstStep = trainer.stepsDone;
    let images = 0;
    let lastYield = performance.now();
    this.meter.record(lastYield, firstStep, 0);
    // Everything a finished step brings: its loss, a test-curve point where one is due, the pace.
    const afterStep = async (report: StepReport): Promise<void> => {
      images += Number(this.batchInput.value);
      losses.push(report.loss);
      this.chart.push(report.loss);
      this.snapshotState = { ...this.snapshotState, losses, imagesPerSecond: report.imagesPerSecond, stepsDone: report.step };
      if (report.step % evalEvery === 0 || report.step === this.target) await this.testPoint(trainer, report.step);
      this.meter.record(performance.now(), report.step, images);
    };
    // A step handed over early still runs to its end, and counts, before a pause or after a stop.
    const settle = async (): Promise<void> => {
      const ahead = await trainer.settle();
      if (!ahead) return;
      await afterStep(ahead);
      this.showStats(ahead.step, ahead.loss, ahead.batchAccuracy);
    };
    while (!this.stopRequested && trainer.stepsDone < this.target) {
      if (this.pauseRequested) {
        await settle();
        if (trainer.stepsDone >= this.target) break;
        await this.paused();
        this.meter.reset();
        this.meter.record(performance.now(), trainer.stepsDone, images);
        continue;
      }
      // The workers may start the next step before this one ends, unless this one's weights are to be
      // read (a test-curve point) or it is the last.
      const step = trainer.stepsDone + 1;
      const report = await trainer.trainStep({ prefetch: step % evalEvery !== 0 && step < this.target });
      await afterStep(report);
      if (performance.now() - lastYield > FRAME_BUDGET_MS || report.step === this.target) {
        const progress = this.meter.progress(this.target - report.step);
        this.snapshotState = { ...this.snapshotState, currentImagesPerSecond: progress.imagesPerSecond, eta: formatDuration(progress.etaSeconds) };
        this.showStats(report.step, report.loss, report.batchAccuracy);
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
    await settle();
  }

  /** Waits, holding the trainer (and its backend), until Resume or Stop. */
  private async paused(): Promise<void> {
    this.update({ state: 'paused', eta: '–' });
    byId('stat-eta', HTMLElement).textContent = 'paused';
    while (this.pauseRequested && !this.stopRequested) await new Promise<void>((resolve) => (this.wake = resolve));
    this.wake = null;
    byId('stat-eta', HTMLElement).textContent = '–'; // until the pace is measured again (or for good, when stopped)
    this.pauseRequested = false;
    this.update({ state: 'training' });
  }

  /** One point of the test-accuracy curve: the current weights on TEST_CURVE_DIGITS held-out digits. */
  private async testPoint(trainer: BrowserTrainer, step: number): Promise<void> {
    const { images, labels } = this.curve!;
    const classifier = await Classifier.create(replaceInitializers(this.deps.baseModel(), await trainer.parameters()), this.deps.backend());
    try {
      const { accuracy } = await evaluate(classifier, images, labels);
      this.accuracyChart.push(step, accuracy);
      this.snapshotState = { ...this.snapshotState, testCurve: [...this.snapshotState.testCurve, { step, accuracy }] };
    } finally {
      await classifier.release();
    }
  }

  /**
   * Evaluates the model of `resumeFrom` on every held-out digit and offers it. The classifier lives only for
   * the evaluation, on the backend locked meanwhile: the pad creates its own session if the user takes this
   * model (see switchBackend in main.ts for why sessions must not outlive a backend switch in the wrong order).
   */
  private async finish(end: 'done' | 'stopped', loaded = false): Promise<void> {
    const state = this.resumeFrom!;
    const stepsDone = state.step;
    this.update({ state: 'evaluating', stepsDone });
    const data = await this.loadData();
    const model = replaceInitializers(this.deps.baseModel(), asParams(modelState(state.state)));
    const classifier = await Classifier.create(model, this.deps.backend());
    let result: Evaluation;
    try {
      result = await evaluate(classifier, this.testImages!, data.test.labels);
    } finally {
      await classifier.release();
    }
    this.latest = { model, steps: stepsDone };
    this.showEvaluation(result);
    const stopped = end === 'stopped';
    const summary = `trained here: ${stepsDone}${stopped ? ` of ${this.target}` : ''} steps, test accuracy ${(result.accuracy * 100).toFixed(1)}%`;
    this.loaded = loaded;
    this.offer({ model, summary });
    this.update({ state: end, testAccuracy: result.accuracy });
  }

  private async save(): Promise<void> {
    const trainer = this.snapshotState.state === 'paused' ? this.trainer : null;
    const state = trainer ? await trainer.save() : this.resumeFrom;
    if (!state) return;
    const { losses, testCurve } = this.snapshotState;
    const run: SavedRun = { version: 1, savedAt: Date.now(), trainer: state, ...this.runSettings, losses: losses.slice(0, state.step), testCurve: testCurve.filter((p) => p.step <= state.step) };
    await saveRun(run);
    this.showSaved(run);
  }

  /** Takes the saved run as the one to continue: its curves and settings, evaluated and offered. */
  private async loadSaved(): Promise<void> {
    if (this.busy) return;
    const run = await loadRun();
    if (!run) return this.showSaved(null);
    this.resumeFrom = run.trainer;
    this.runSettings = { seed: run.seed, learningRate: run.learningRate, augment: run.augment };
    this.seedInput.value = String(run.seed);
    this.lrInput.value = String(run.learningRate);
    this.augmentInput.value = String(run.augment);
    this.batchInput.value = String(run.trainer.order.batchSize);
    this.target = run.trainer.step;
    this.chart.reset(run.losses);
    this.accuracyChart.reset(run.testCurve);
    this.clearStats();
    this.offer(null);
    this.update({ losses: [...run.losses], testCurve: [...run.testCurve], testAccuracy: null, error: null });
    await this.finish('done', true);
  }

  private async guard(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      if (!this.busy) this.update({ state: 'error', error: `${what}: ${errorText(error)}` });
    }
  }

  private showSaved(run: SavedRun | null): void {
    this.update({ savedStep: run?.trainer.step ?? null });
    byId('saved-info', HTMLElement).textContent = run
      ? `Saved in this browser: ${run.trainer.step} steps, ${new Date(run.savedAt).toLocaleString('en')}.`
      : 'Nothing saved in this browser.';
  }

  private async loadData(): Promise<DigitData> {
    if (!this.data) {
      this.data = decodeSample(await fetchBytes('/data/mnist-sample.bin', 'the bundled digits'));
      this.testImages = gatherImages(this.data.test, Uint32Array.from({ length: this.data.test.count }, (_, i) => i));
      const picked = spreadIndices(this.data.test.count, TEST_CURVE_DIGITS);
      this.curve = { images: gatherImages(this.data.test, picked), labels: Uint8Array.from(picked, (i) => this.data!.test.labels[i]) };
    }
    return this.data;
  }

  private async loadTrainModel(): Promise<Uint8Array> {
    this.trainModel ??= await fetchBytes(TRAIN_MODEL_URL, 'the train-step model');
    return this.trainModel;
  }

  private showStats(step: number, loss: number, batchAccuracy: number): void {
    const set = (id: string, text: string): void => void (byId(id, HTMLElement).textContent = text);
    const { currentImagesPerSecond, eta, testCurve } = this.snapshotState;
    set('stat-step', `${step} / ${this.target}`);
    set('stat-loss', loss.toFixed(3));
    set('stat-speed', currentImagesPerSecond > 0 ? Math.round(currentImagesPerSecond).toLocaleString('en') : '–');
    set('stat-eta', eta);
    set('stat-batch-acc', `${(batchAccuracy * 100).toFixed(0)}%`);
    const last = testCurve.at(-1);
    if (last) set('stat-curve-acc', `${(last.accuracy * 100).toFixed(1)}%`);
  }

  private clearStats(): void {
    for (const id of ['stat-step', 'stat-loss', 'stat-speed', 'stat-eta', 'stat-batch-acc', 'stat-curve-acc', 'stat-test-acc']) byId(id, HTMLElement).textContent = '–';
  }

  /** The confusion matrix, per-class accuracy and the digit grid of `result`; null hides them. */
  private showEvaluation(result: Evaluation | null): void {
    this.results.show(result, this.data?.test ?? null);
    this.snapshotState = {
      ...this.snapshotState,
      confusion: result?.confusion ?? null,
      perClassAccuracy: result?.perClass.map((c) => c.accuracy) ?? null,
    };
  }

  /** Offers `trained` to the user with the "Use on the pad" button (null withdraws the offer). */
  private offer(trained: TrainedModel | null): void {
    this.offered = trained;
    this.useButton.hidden = trained === null;
    this.snapshotState = { ...this.snapshotState, offered: trained !== null };
  }

  /**
   * The server has no train-step model (train-availability.ts): the panel stays off and says why. Part
   * of the panel's state, so no later update (a saved run found in the browser) says "Ready." instead.
   */
  disable(reason: string): void {
    this.unavailable = reason;
    this.update({});
  }

  private update(change: Partial<TrainingSnapshot>): void {
    this.snapshotState = { ...this.snapshotState, ...change };
    const { state, testAccuracy, error, stepsDone, savedStep, offered } = this.snapshotState;
    const status = byId('train-status', HTMLElement);
    const off = this.unavailable !== null && state === 'idle';
    status.dataset.state = off ? 'unavailable' : state;
    status.textContent = off ? this.unavailable : {
      idle: 'Ready.',
      loading: 'Loading the train-step model and 10,000 digits…',
      training: 'Training…',
      paused: `Paused at step ${stepsDone}. Resume, stop, or save it in this browser.`,
      evaluating: 'Evaluating on every held-out digit…',
      done: this.loaded
        ? `Loaded the run saved in this browser (${stepsDone} steps): continue training it, or use it on the pad.`
        : 'Done. The pad keeps its model until you choose this one.',
      stopped: offered ? `Stopped after ${stepsDone} steps. The pad keeps its model until you choose this one.` : 'Stopped before the first step; the pad keeps its model.',
      error: error ?? 'Training failed.',
    }[state];
    status.classList.toggle('error', state === 'error');
    if (testAccuracy !== null) byId('stat-test-acc', HTMLElement).textContent = `${(testAccuracy * 100).toFixed(1)}%`;
    const busy = this.busy;
    this.deps.onBusyChange(busy);
    // The settings describe the run in progress: editing them mid-run changed the chart's scale and the
    // "step n / N" label, not the run.
    for (const input of [this.stepsInput, this.batchInput, this.seedInput, this.lrInput, this.augmentInput]) input.disabled = busy;
    this.button.textContent = busy ? 'Stop' : 'Train from scratch';
    this.button.disabled = this.unavailable !== null && !busy;
    this.button.classList.toggle('secondary', busy);
    this.pauseButton.hidden = state !== 'training' && state !== 'paused';
    this.pauseButton.textContent = state === 'paused' ? 'Resume' : 'Pause';
    this.pauseButton.setAttribute('aria-pressed', String(state === 'paused'));
    this.continueButton.disabled = busy || this.resumeFrom === null || this.unavailable !== null;
    this.saveButton.disabled = state === 'paused' ? false : busy || this.resumeFrom === null;
    this.downloadButton.disabled = busy || this.latest === null;
    this.loadSavedButton.disabled = busy || savedStep === null || this.unavailable !== null;
    this.deleteSavedButton.disabled = busy || savedStep === null;
  }
}
