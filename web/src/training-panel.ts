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
import type { Backend } from './runtime.js';
import { BrowserTrainer, type StepReport } from './trainer.js';
import { byId, errorText, fetchBytes } from './view.js';

export type TrainState = 'idle' | 'loading' | 'training' | 'evaluating' | 'done' | 'error';

/** What the panel exposes to the page (and to the end-to-end tests). */
export interface TrainingSnapshot {
  readonly state: TrainState;
  readonly losses: readonly number[];
  readonly imagesPerSecond: number;
  readonly testAccuracy: number | null;
  readonly error: string | null;
}

export interface TrainingDeps {
  readonly backend: () => Backend;
  /** The inference model whose weights the trained ones replace. */
  readonly baseModel: () => Uint8Array;
  readonly onTrained: (classifier: Classifier, summary: string) => void;
  /** Told when training starts and ends (the page locks its backend choice meanwhile). */
  readonly onBusyChange: (busy: boolean) => void;
}

const LEARNING_RATE = ADAM.lr;
/** Yield to the browser at least this often (ms) so the page stays responsive while training. */
const FRAME_BUDGET_MS = 40;

export class TrainingPanel {
  private snapshotState: TrainingSnapshot = { state: 'idle', losses: [], imagesPerSecond: 0, testAccuracy: null, error: null };
  private stopRequested = false;
  private trainModel: Uint8Array | null = null;
  private data: DigitData | null = null;
  private testImages: Float32Array | null = null;
  private readonly chart: LossChart;
  private readonly button = byId('train', HTMLButtonElement);
  private readonly stepsInput = byId('train-steps', HTMLInputElement);
  private readonly batchInput = byId('train-batch', HTMLSelectElement);
  private readonly seedInput = byId('train-seed', HTMLInputElement);

  constructor(private readonly deps: TrainingDeps) {
    this.chart = new LossChart(byId('loss-chart', HTMLCanvasElement), () => Number(this.stepsInput.value) || 0);
    this.button.addEventListener('click', () => (this.busy ? this.stop() : void this.train()));
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
    this.chart.reset();
    this.update({ state: 'loading', losses: [], imagesPerSecond: 0, testAccuracy: null, error: null });
    let trainer: BrowserTrainer | null = null;
    try {
      if (!(steps >= 1)) throw new RangeError(`steps must be at least 1, got ${this.stepsInput.value}`);
      const data = await this.loadData();
      trainer = await BrowserTrainer.create(await this.loadTrainModel(), data.train, { steps, batchSize, seed, learningRate: LEARNING_RATE, backend: this.deps.backend() });
      this.update({ state: 'training' });
      await this.loop(trainer, steps);
      this.update({ state: 'evaluating' });
      const classifier = await Classifier.create(replaceInitializers(this.deps.baseModel(), await trainer.parameters()), this.deps.backend());
      const acc = await accuracy(classifier, this.testImages!, data.test.labels);
      this.update({ state: 'done', testAccuracy: acc });
      this.deps.onTrained(classifier, `trained here: ${trainer.stepsDone} steps, test accuracy ${(acc * 100).toFixed(1)}%`);
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
      this.snapshotState = { ...this.snapshotState, losses, imagesPerSecond: report.imagesPerSecond };
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
    this.trainModel ??= await fetchBytes('/models/lenet.train.onnx', 'the train-step model (build it with onnx-lenet build-graph)');
    return this.trainModel;
  }

  private showStats(report: StepReport, steps: number): void {
    const set = (id: string, text: string): void => void (byId(id, HTMLElement).textContent = text);
    set('stat-step', `${report.step} / ${steps}`);
    set('stat-loss', report.loss.toFixed(3));
    set('stat-speed', `${Math.round(report.imagesPerSecond).toLocaleString('en')}`);
    set('stat-batch-acc', `${(report.batchAccuracy * 100).toFixed(0)}%`);
  }

  private update(change: Partial<TrainingSnapshot>): void {
    this.snapshotState = { ...this.snapshotState, ...change };
    const { state, testAccuracy, error } = this.snapshotState;
    const status = byId('train-status', HTMLElement);
    status.dataset.state = state;
    status.textContent = {
      idle: 'Ready.',
      loading: 'Loading the train-step model and 10,000 digits…',
      training: 'Training…',
      evaluating: 'Evaluating on the 2,000 held-out digits…',
      done: 'Done: the drawing pad now uses the model trained here.',
      error: error ?? 'Training failed.',
    }[state];
    status.classList.toggle('error', state === 'error');
    if (testAccuracy !== null) byId('stat-test-acc', HTMLElement).textContent = `${(testAccuracy * 100).toFixed(1)}%`;
    this.deps.onBusyChange(this.busy);
    this.button.textContent = this.busy ? 'Stop' : 'Train from scratch';
    this.button.classList.toggle('secondary', this.busy);
  }
}
