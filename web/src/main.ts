/**
 * The page: draw a digit (or drop an image), see LeNet's ten probabilities as you draw, pick the
 * backend, and train LeNet from scratch right here. All inference and training run in onnxruntime-web.
 */
import { preprocess, type Preprocessed } from '../../src/image/preprocess.js';
import { type AdapterSummary, labelSoftwareAdapter, updateAdapterWarning } from './adapter.js';
import { Classifier, type Prediction } from './classifier.js';
import { ModelChoice, type ModelSource } from './model-choice.js';
import { type ModelSummary, renderModelSummary, summariseModel } from './model-summary.js';
import { DrawingPad } from './pad.js';
import { showRunCurves } from './run-curves.js';
import { type Backend, configureRuntime, describeBackend, webgpuAvailable } from './runtime.js';
import { trainingUnavailable } from './train-availability.js';
import { TrainingPanel, type TrainingSnapshot } from './training-panel.js';
import { readUpload } from './upload.js';
import { byId, createBars, errorText, fetchBytes, renderPreview, showError } from './view.js';

/** Read-only state for automation (the end-to-end tests read it). */
export interface PageHooks {
  readonly ready: boolean;
  readonly backend: Backend;
  readonly prediction: Pick<Prediction, 'digit' | 'ms'> & { readonly probabilities: readonly number[] } | null;
  readonly training: TrainingSnapshot;
  /** What the pad runs: `served /models/lenet.onnx` or `trained here: …`. */
  readonly model: string;
  /** The confidence line under the digit: "Nothing drawn", "97.0% sure", "Not sure: …". */
  readonly verdict: string;
  /** No prediction is scheduled or running: what is shown belongs to the pad's latest drawing. */
  readonly idle: boolean;
  /** The WebGPU adapter as the page judged it (adapter.ts); null: none; undefined: not looked at yet. */
  readonly adapter: AdapterSummary | null | undefined;
  /** The pad's model choice: the served model or the one trained here. */
  readonly modelSource: ModelSource;
  /** Layers, parameter shapes and counts, read from the served model. */
  readonly summary: ModelSummary | null;
}

declare global {
  interface Window {
    onnxLenet?: PageHooks;
  }
}

const MODEL_URL = '/models/lenet.onnx';
/**
 * Below this top probability the page says "not sure" instead of naming a digit. At 0.5 the other nine
 * digits together are at least as likely as the top one, so a confident "it's a 1" would be wrong at
 * least as often as right (if the probabilities are calibrated, as softmax outputs of a model trained
 * with cross-entropy roughly are on MNIST-like input). Scribbles, stray dots and half-drawn digits
 * usually land here; a wrong answer can still score above it.
 */
const NOT_SURE_BELOW = 0.5;

class Page {
  private classifier: Classifier | null = null;
  private servedModel: Uint8Array | null = null;
  private prediction: PageHooks['prediction'] = null;
  private modelSummary = 'loading…';
  private summary: ModelSummary | null = null;
  private readonly recentMs: number[] = [];
  private running = false;
  private rerun = false;
  /** A prediction waits for the next animation frame. */
  private scheduled = false;
  private frame = 0;
  /** The WebGPU adapter (adapter.ts): a software one gets a warning while WebGPU is in use. */
  private adapter: AdapterSummary | null | undefined = undefined;
  /** The shown upload's full-size preprocessing (upload.ts): the model's input until the pad is drawn on or cleared. */
  private upload: Preprocessed | null = null;
  private readonly pad = new DrawingPad(byId('pad', HTMLCanvasElement), () => {
    showError(null, undefined, 'upload'); // drawing is moving on from a failed upload
    this.upload = null; // drawing on an upload: the pad is the image now
    this.schedule();
  });
  private readonly setBars = createBars(byId('bars', HTMLOListElement));
  private readonly backendSelect = byId('backend', HTMLSelectElement);
  private readonly training = new TrainingPanel({
    backend: () => this.backend,
    baseModel: () => this.servedModel!,
    onUse: (trained) => this.modelChoice.useTrained(trained),
    // Training runs on the backend chosen when it starts; switching mid-way would release its sessions in
    // the wrong order for onnxruntime-web's WebGPU backend (see switchBackend).
    onBusyChange: (busy) => void (this.backendSelect.disabled = busy),
  });
  private readonly modelChoice = new ModelChoice(async (source, trained) => {
    const [model, summary] = source === 'trained' && trained ? [trained.model, trained.summary] : [this.servedModel, `served ${MODEL_URL}`];
    if (!model) return;
    try {
      await this.useClassifier(await Classifier.create(model, this.backend), summary);
    } catch (error) {
      showError(`The ${source === 'trained' ? 'trained' : 'served'} model failed to load: ${errorText(error)}`, error);
      throw error;
    }
  });

  constructor() {
    const page = this;
    window.onnxLenet = {
      get ready() { return page.classifier !== null; },
      get backend() { return page.backend; },
      get prediction() { return page.prediction; },
      get training() { return page.training.snapshot; },
      get model() { return page.modelSummary; },
      get verdict() { return byId('confidence', HTMLElement).textContent ?? ''; },
      get idle() { return !page.scheduled && !page.running; },
      get adapter() { return page.adapter; },
      get modelSource() { return page.modelChoice.source; },
      get summary() { return page.summary; },
    };
  }

  get backend(): Backend {
    return this.backendSelect.value === 'webgpu' ? 'webgpu' : 'wasm';
  }

  async start(): Promise<void> {
    configureRuntime();
    const webgpu = this.backendSelect.querySelector<HTMLOptionElement>('option[value="webgpu"]')!;
    webgpu.disabled = !webgpuAvailable();
    if (webgpu.disabled) webgpu.textContent = 'WebGPU (not available here)';
    this.backendSelect.addEventListener('change', () => {
      this.switchBackend().catch((error: unknown) => showError(`The model failed to load: ${errorText(error)}`, error));
    });
    byId('clear', HTMLButtonElement).addEventListener('click', () => this.clear());
    this.setUpUpload();
    this.setBars(null);
    if (webgpu.disabled) this.adapter = null;
    else {
      void labelSoftwareAdapter(this.backendSelect).then((adapter) => {
        this.adapter = adapter;
        this.showAdapterWarning();
      });
    }
    void trainingUnavailable().then((reason) => {
      if (reason !== null) this.training.disable(reason);
    });
    showRunCurves().catch((error: unknown) => showError(`The served model's training curves failed to load: ${errorText(error)}`, error));
    try {
      this.servedModel = await fetchBytes(MODEL_URL, 'the model');
      this.showSummary(this.servedModel);
      await this.useClassifier(await Classifier.create(this.servedModel, this.backend), `served ${MODEL_URL}`);
    } catch (error) {
      showError(`The model failed to load: ${errorText(error)}`, error);
    }
  }

  /** The served model's layers and parameters; a model this cannot read still runs on the pad. */
  private showSummary(model: Uint8Array): void {
    try {
      this.summary = summariseModel(model);
      renderModelSummary(byId('model-summary', HTMLTableElement), this.summary);
    } catch (error) {
      byId('model-summary', HTMLTableElement).caption!.textContent = `No summary: ${errorText(error)}`;
    }
  }

  /**
   * Swaps in a new classifier. The old session is released only once no inference is running on it:
   * all sessions share one onnxruntime-web instance, and releasing one mid-run breaks the other's run.
   */
  private async useClassifier(classifier: Classifier, summary: string): Promise<void> {
    await (await this.detachClassifier())?.release();
    this.classifier = classifier;
    this.modelSummary = summary;
    byId('model-info', HTMLElement).textContent = `Model: ${summary}`;
    byId('backend-badge', HTMLElement).textContent = describeBackend(classifier.backend);
    this.showAdapterWarning();
    this.recentMs.length = 0;
    this.schedule();
  }

  private showAdapterWarning(): void {
    updateAdapterWarning(byId('backend-warning', HTMLElement), this.adapter ?? null, this.classifier?.backend);
  }

  /** Takes the classifier away from the pad once no inference is running on it; returns it. */
  private async detachClassifier(): Promise<Classifier | null> {
    const old = this.classifier;
    this.classifier = null;
    while (this.running) await new Promise((resolve) => setTimeout(resolve, 5));
    return old;
  }

  /**
   * Releases the current session *before* creating the one on the new backend (and recreates it if the
   * new backend fails). The other order broke WebGPU: onnxruntime-web (1.30, JSEP) counts WebGPU sessions
   * only from the moment its WebGPU backend starts, with the first WebGPU session, yet counts every
   * release after that. Releasing the WASM session created earlier took the count to 0, and at 0 it
   * destroys its GPU buffer cache — the new session's weights: "no GPU data for input".
   */
  private async switchBackend(): Promise<void> {
    const current = await this.detachClassifier();
    if (!current) return;
    const summary = this.modelSummary;
    showError(null);
    await current.release();
    let next: Classifier;
    try {
      next = await Classifier.create(current.model, this.backend);
    } catch (error) {
      showError(`The ${this.backend} backend is unavailable: ${errorText(error)}. Staying on ${current.backend}.`, error);
      this.backendSelect.value = current.backend;
      next = await Classifier.create(current.model, current.backend);
    }
    await this.useClassifier(next, summary);
  }

  private clear(): void {
    this.pad.clear();
    this.upload = null;
    this.schedule();
  }

  private setUpUpload(): void {
    const upload = byId('upload', HTMLInputElement);
    upload.addEventListener('change', () => {
      if (upload.files?.[0]) void this.showFile(upload.files[0]);
      upload.value = '';
    });
    const zone = byId('drop-zone', HTMLElement);
    zone.addEventListener('dragover', (e) => {
      e.preventDefault();
      zone.classList.add('dragging');
    });
    zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
    zone.addEventListener('drop', (e) => {
      e.preventDefault();
      zone.classList.remove('dragging');
      const file = e.dataTransfer?.files[0];
      if (file) void this.showFile(file);
    });
  }

  private async showFile(file: File): Promise<void> {
    try {
      const { preprocessed, bitmap, paper } = await readUpload(file);
      this.pad.showImage(bitmap, paper);
      bitmap.close();
      this.upload = preprocessed;
      showError(null, undefined, 'upload');
      this.schedule();
    } catch (error) {
      showError(`Could not read ${file.name} as an image: ${errorText(error)}`, error, 'upload');
    }
  }

  /** Predicts on the next animation frame; at most one inference runs at a time, the latest drawing wins. */
  private schedule(): void {
    cancelAnimationFrame(this.frame);
    this.scheduled = true;
    this.frame = requestAnimationFrame(() => {
      this.scheduled = false;
      void this.predict();
    });
  }

  private async predict(): Promise<void> {
    if (this.running) {
      this.rerun = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.rerun = false;
        await this.predictOnce();
      } while (this.rerun);
    } catch (error) {
      showError(`Inference failed: ${errorText(error)}`, error);
    } finally {
      this.running = false;
    }
  }

  private async predictOnce(): Promise<void> {
    const { pixels, box } = this.upload ?? preprocess(this.pad.pixels());
    renderPreview(byId('preview', HTMLCanvasElement), pixels);
    // No ink (an untouched pad, or a blank image uploaded): there is nothing to classify, and the model's
    // answer on all zeros (a confident "1") would be noise.
    if (!this.classifier || this.pad.isEmpty || box === null) {
      this.showPrediction(null, !this.pad.isEmpty && box === null);
      return;
    }
    this.showPrediction(await this.classifier.classify(pixels));
  }

  /** `blank`: the pad was drawn on or shown an image, yet holds no ink. */
  private showPrediction(result: Prediction | null, blank = false): void {
    this.setBars(result?.probabilities ?? null);
    const top = result ? result.probabilities[result.digit] : 0;
    const sure = result !== null && top >= NOT_SURE_BELOW;
    const digit = byId('digit', HTMLElement);
    digit.textContent = result ? (sure ? String(result.digit) : '?') : '–';
    digit.classList.toggle('unsure', result !== null && !sure);
    byId('confidence', HTMLElement).textContent = !result
      ? (blank ? 'Nothing drawn' : 'Draw a digit')
      : sure ? `${(top * 100).toFixed(1)}% sure` : `Not sure (maybe ${result.digit}, ${(top * 100).toFixed(1)}%)`;
    if (result) {
      this.recentMs.push(result.ms);
      if (this.recentMs.length > 30) this.recentMs.shift();
    }
    const median = [...this.recentMs].sort((a, b) => a - b)[this.recentMs.length >> 1];
    byId('timing', HTMLElement).textContent = result ? `${result.ms.toFixed(2)} ms (median ${median.toFixed(2)} ms)` : '';
    this.prediction = result ? { digit: result.digit, ms: result.ms, probabilities: Array.from(result.probabilities) } : null;
  }
}

new Page().start().catch((error: unknown) => showError(`The page failed to start: ${errorText(error)}`, error));
