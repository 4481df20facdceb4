/**
 * The "train in the browser" panel: loads the train-step model and the bundled digits, trains LeNet
 * from scratch step by step (live loss curve, images/s, batch and test accuracy), then writes the
 * trained weights into the inference model's bytes (see onnx-weights.ts) and hands that model over.
 */
import { ADAM } from '../../src/graph/contract.js';
import { LossChart } from './chart.js';
import { accuracy, Classifier } from './classifier.js';
import { type DigitData, decodeSample, gatherImages } from './dataset.js';
import { replaceInitializers } from './onnx-weights.js';
import { formatDuration, secondsLeft } from './run-estimate.js';
import type { Backend } from './runtime.js';
import { BrowserTrainer, type StepReport } from './trainer.js';
import { byId, errorText, fetchBytes } from './view.js';

export type TrainState = 'idle' | 'loading' | 'training' | 'evaluating' | 'done' | 'stopped' | 'error';

/** What the panel exposes to the page (and to the end-to-end tests). */
export interface TrainingSnapshot {
  readonly state: TrainState;
  readonly losses: readonly number[];
  readonly imagesPerSecond: number;
  readonly testAccuracy: number | null;
  readonly error: string | null;
  /** Steps the last run completed (0 while loading, or when stopped before its first step). */
  readonly stepsDone: number;
  /** Whether a trained model is on offer for the pad (the user decides; nothing is swapped in silently). */
  readonly offered: boolean;
  /** Web Workers the last run split its batches across (0: one session); unset before the first run. */
  readonly workers?: number;
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

const LEARNING_RATE = ADAM.lr;
/** Yield to the browser at least this often (ms) so the page stays responsive while training. */
const FRAME_BUDGET_MS = 40;

export class TrainingPanel {
  private snapshotState: TrainingSnapshot = { state: 'idle', losses: [], imagesPerSecond: 0, testAccuracy: null, error: null, stepsDone: 0, offered: false };
  private stopRequested = false;
  private trained: TrainedModel | null = null;
  private trainModel: Uint8Array | null = null;
  private data: DigitData | null = null;
  private testImages: Float32Array | null = null;
  private readonly chart: LossChart;
  private readonly button = byId('train', HTMLButtonElement);
  private readonly stepsInput = byId('train-steps', HTMLInputElement);
  private readonly batchInput = byId('train-batch', HTMLSelectElement);
  private readonly seedInput = byId('train-seed', HTMLInputElement);
  private readonly useButton = byId('use-trained', HTMLButtonElement);

  constructor(private readonly deps: TrainingDeps) {
    this.chart = new LossChart(byId('loss-chart', HTMLCanvasElement), () => Number(this.stepsInput.value) || 0);
    this.button.addEventListener('click', (e) => {
      // The second click of a double-click (detail 2, 3, …) is not a request to stop the run the first
      // click just started: it used to stop it while loading, and the 0-step model replaced the pad's.
      if (e.detail > 1) return;
      if (this.busy) this.stop();
      else void this.train();
    });
    this.useButton.addEventListener('click', () => {
      if (!this.trained) return;
      this.deps.onUse(this.trained);
      this.offer(null);
    });
  }

  get snapshot(): TrainingSnapshot {
    return this.snapshotState;
  }

  private get busy(): boolean {
    return ['loading', 'training', 'evaluating'].includes(this.snapshotState.state);
  }

  stop(): void {
    this.stopRequested = true;
  }

  async train(): Promise<void> {
    const steps = Math.floor(Number(this.stepsInput.value));
    const batchSize = Number(this.batchInput.value);
    const seed = Math.floor(Number(this.seedInput.value));
    this.stopRequested = false;
    this.offer(null);
    this.chart.reset();
    this.clearStats();
    this.update({ state: 'loading', losses: [], imagesPerSecond: 0, testAccuracy: null, error: null, stepsDone: 0 });
    let trainer: BrowserTrainer | null = null;
    try {
      if (!(steps >= 1)) throw new RangeError(`steps must be at least 1, got ${this.stepsInput.value}`);
      const data = await this.loadData();
      const trainModel = await this.loadTrainModel();
      if (this.stopRequested) return this.update({ state: 'stopped' });
      trainer = await BrowserTrainer.create(trainModel, data.train, { steps, batchSize, seed, learningRate: LEARNING_RATE, backend: this.deps.backend() });
      byId('train-runner', HTMLElement).textContent = `Training on ${trainer.runner}.`;
      this.update({ state: 'training', workers: trainer.workers });
      await this.loop(trainer, steps);
      const stepsDone = trainer.stepsDone;
      if (stepsDone === 0) return this.update({ state: 'stopped' });
      this.update({ state: 'evaluating', stepsDone });
      // The classifier lives only for the evaluation, while the backend is still locked: the pad creates
      // its own session if the user takes this model, on whatever backend is chosen by then (see
      // switchBackend in main.ts for why sessions must not outlive a backend switch in the wrong order).
      const model = replaceInitializers(this.deps.baseModel(), await trainer.parameters());
      const classifier = await Classifier.create(model, this.deps.backend());
      let acc: number;
      try {
        acc = await accuracy(classifier, this.testImages!, data.test.labels);
      } finally {
        await classifier.release();
      }
      const stopped = stepsDone < steps;
      const summary = `trained here: ${stepsDone}${stopped ? ` of ${steps}` : ''} steps, test accuracy ${(acc * 100).toFixed(1)}%`;
      this.update({ state: stopped ? 'stopped' : 'done', testAccuracy: acc });
      this.offer({ model, summary });
    } catch (error) {
      this.update({ state: 'error', error: `Training failed: ${errorText(error)}` });
    } finally {
      await trainer?.release();
    }
  }

  private async loop(trainer: BrowserTrainer, steps: number): Promise<void> {
    let lastYield = performance.now();
    const losses: number[] = [];
    for (let step = 1; step <= steps && !this.stopRequested; step++) {
      const report = await trainer.trainStep();
      losses.push(report.loss);
      this.chart.push(report.loss);
      this.snapshotState = { ...this.snapshotState, losses, imagesPerSecond: report.imagesPerSecond, stepsDone: report.step };
      if (performance.now() - lastYield > FRAME_BUDGET_MS || step === steps) {
        this.showStats(report, steps);
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = performance.now();
      }
    }
  }

  private async loadData(): Promise<DigitData> {
    if (!this.data) {
      this.data = decodeSample(await fetchBytes('/data/mnist-sample.bin', 'the bundled digits'));
      this.testImages = gatherImages(this.data.test, Uint32Array.from({ length: this.data.test.count }, (_, i) => i));
    }
    return this.data;
  }

  private async loadTrainModel(): Promise<Uint8Array> {
    this.trainModel ??= await fetchBytes('/models/lenet.train.onnx', 'the train-step model');
    return this.trainModel;
  }

  private showStats(report: StepReport, steps: number): void {
    const set = (id: string, text: string): void => void (byId(id, HTMLElement).textContent = text);
    set('stat-step', `${report.step} / ${steps}`);
    set('stat-loss', report.loss.toFixed(3));
    set('stat-speed', `${Math.round(report.imagesPerSecond).toLocaleString('en')}`);
    set('stat-batch-acc', `${(report.batchAccuracy * 100).toFixed(0)}%`);
    // The batch size cannot change mid-run (its input is locked): the rest of the run at the rate so far.
    set('stat-eta', formatDuration(secondsLeft(steps - report.step, Number(this.batchInput.value), report.imagesPerSecond)));
  }

  private clearStats(): void {
    for (const id of ['stat-step', 'stat-loss', 'stat-speed', 'stat-batch-acc', 'stat-test-acc', 'stat-eta']) byId(id, HTMLElement).textContent = '–';
  }

  /** Offers `trained` to the user with the "Use on the pad" button (null withdraws the offer). */
  private offer(trained: TrainedModel | null): void {
    this.trained = trained;
    this.useButton.hidden = trained === null;
    this.snapshotState = { ...this.snapshotState, offered: trained !== null };
  }

  private update(change: Partial<TrainingSnapshot>): void {
    this.snapshotState = { ...this.snapshotState, ...change };
    const { state, testAccuracy, error, stepsDone } = this.snapshotState;
    const status = byId('train-status', HTMLElement);
    status.dataset.state = state;
    status.textContent = {
      idle: 'Ready.',
      loading: 'Loading the train-step model and 10,000 digits…',
      training: 'Training…',
      evaluating: 'Evaluating on the 2,000 held-out digits…',
      done: 'Done. The pad keeps its model until you choose this one.',
      stopped: stepsDone === 0 ? 'Stopped before the first step; the pad keeps its model.' : `Stopped after ${stepsDone} steps. The pad keeps its model until you choose this one.`,
      error: error ?? 'Training failed.',
    }[state];
    status.classList.toggle('error', state === 'error');
    if (testAccuracy !== null) byId('stat-test-acc', HTMLElement).textContent = `${(testAccuracy * 100).toFixed(1)}%`;
    this.deps.onBusyChange(this.busy);
    // Steps, batch and seed describe the run in progress: editing them mid-run changed the chart's scale
    // and the "step n / N" label, not the run.
    for (const input of [this.stepsInput, this.batchInput, this.seedInput]) input.disabled = this.busy;
    this.button.textContent = this.busy ? 'Stop' : 'Train from scratch';
    this.button.classList.toggle('secondary', this.busy);
  }
}
