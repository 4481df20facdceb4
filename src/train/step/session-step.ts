/**
 * A train-step model run batch after batch in one session of either binding (runtime/binding): the
 * state tensors of one step's outputs (`next.X`) are the next step's inputs X. Used by the GPU
 * providers in Node, by the page (onnxruntime-web, WASM or WebGPU) and by the benchmarks.
 *
 * Two ways to carry the state, both without copying it per step:
 * - `hostOutputs` (onnxruntime-node on the CPU): two sets of host arrays alternate; each step writes
 *   the new state into the set the current one is not in (pre-allocated outputs);
 * - otherwise the output tensors themselves are fed back; tensors a GPU provider keeps on the device
 *   (`keepOnDevice`) never come down, and the previous step's are released.
 * Pure code: the page loads this file too.
 */
import type { Batch } from '../../data/batches.js';
import { BIAS_CORRECTION2_SQRT, CORRECT, LABEL, LOSS, PIXELS, STEP_SIZE, next } from '../../graph/contract.js';
import type { Binding, BindingSession, BindingTensor, Feeds, OutputArrays } from '../../runtime/binding/types.js';
import type { StepResult, TrainStepRunner } from './runner.js';
import { type DataInputSpec, type HostState, type StateSource, type TrainStepSignature, dataInputOf, initialState, stateFeeds, trainStepSignature } from './state.js';

export interface TrainStepSessionOptions {
  /** The execution provider of the binding ('cpu', 'cuda', 'webgpu' on node; 'wasm', 'webgpu' on web). */
  readonly executionProvider?: string;
  /** onnxruntime-node: intra-op threads. */
  readonly threads?: number;
  /** Carry the state in two alternating sets of host arrays (onnxruntime-node on the CPU only). */
  readonly hostOutputs?: boolean;
  /** GPU providers: the state outputs (`next.X`) to keep in device memory between steps. */
  readonly keepOnDevice?: readonly string[];
}

/** One set of host arrays for the state and the step's two results, with tensors over them. */
interface HostSet {
  readonly tensors: Feeds;
  readonly into: OutputArrays;
  readonly loss: Float32Array;
  readonly correct: Float32Array;
}

function hostSet(binding: Binding, state: HostState): HostSet {
  const tensors: Feeds = {};
  const into: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const t of state) {
    const data = t.data.slice();
    tensors[t.name] = binding.float32(data, t.shape);
    into[next(t.name)] = { data, dims: t.shape };
  }
  const loss = new Float32Array(1);
  const correct = new Float32Array(1);
  into[LOSS] = { data: loss, dims: [] };
  into[CORRECT] = { data: correct, dims: [] };
  return { tensors, into, loss, correct };
}

const onDevice = (t: BindingTensor): boolean => t.location !== 'cpu' && t.location !== 'cpu-pinned';

export class TrainStepSession implements TrainStepRunner {
  readonly threads: number | undefined;
  private state: Feeds;
  /** hostOutputs: the current set and the one the next step writes. */
  private sets: [HostSet, HostSet] | undefined;
  private readonly scalars = { stepSize: new Float32Array(1), bc2: new Float32Array(1) };
  private readonly scalarTensors: Feeds;
  private readonly batchTensors = new WeakMap<Float32Array, Feeds>();
  /** The images' input: LeNet's `image` [N,1,28,28], or an imported model's own (e.g. [N,784]). */
  readonly dataInput: DataInputSpec;

  private constructor(private readonly binding: Binding, private readonly session: BindingSession,
    readonly signature: TrainStepSignature, initial: HostState, readonly ep: string, options: TrainStepSessionOptions) {
    this.threads = ep === 'cpu' ? options.threads : undefined;
    this.dataInput = dataInputOf(signature.inputs, PIXELS, 'the train-step model');
    this.scalarTensors = { [STEP_SIZE]: binding.float32(this.scalars.stepSize, []), [BIAS_CORRECTION2_SQRT]: binding.float32(this.scalars.bc2, []) };
    if (options.hostOutputs) {
      this.sets = [hostSet(binding, initial), hostSet(binding, initial)];
      this.state = this.sets[0].tensors;
    } else {
      this.state = stateFeeds(binding, initial);
    }
  }

  /** A session of the train-step `model` on `binding`, its state from `from` (checked against the model's inputs). */
  static async create(binding: Binding, model: Uint8Array, from: StateSource, options: TrainStepSessionOptions = {}): Promise<TrainStepSession> {
    if (options.hostOutputs && binding.kind !== 'node') throw new RangeError('hostOutputs needs onnxruntime-node (onnxruntime-web ignores pre-allocated outputs)');
    const session = await binding.createSession(model, { executionProvider: options.executionProvider, threads: options.threads, keepOnDevice: options.keepOnDevice });
    try {
      const signature = trainStepSignature(session.inputs, session.outputNames);
      const ep = options.executionProvider ?? (binding.kind === 'web' ? 'wasm' : 'cpu');
      return new TrainStepSession(binding, session, signature, initialState(signature.state, from), ep, options);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  /** One optimizer step on `batch` with the given step size and bias correction (see adamScalars). */
  async step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number): Promise<StepResult> {
    this.scalars.stepSize[0] = stepSize;
    this.scalars.bc2[0] = biasCorrection2Sqrt;
    const feeds: Feeds = { ...this.state, ...this.scalarTensors, ...this.batchFeeds(batch) };
    if (this.sets) {
      const [current, spare] = this.sets;
      await this.session.run(feeds, spare.into);
      this.sets = [spare, current];
      this.state = spare.tensors;
      return { loss: spare.loss[0], correct: spare.correct[0] };
    }
    const out = await this.session.run(feeds);
    const previous = this.state;
    this.state = Object.fromEntries(this.signature.state.map((s) => [s.name, out[next(s.name)]]));
    for (const t of Object.values(previous)) if (onDevice(t)) t.dispose();
    return { loss: await this.scalar(out[LOSS]), correct: await this.scalar(out[CORRECT]) };
  }

  /** A host copy of the current state (downloaded from the device when it lives there). */
  async readState(): Promise<HostState> {
    const host = await this.session.download(this.state);
    return this.signature.state.map((spec) => ({ ...spec, data: host[spec.name] }));
  }

  async release(): Promise<void> {
    for (const t of Object.values(this.state)) if (onDevice(t)) t.dispose();
    await this.session.release();
  }

  /** A one-value output: read in place when it is on the host (as loss and correct are), else downloaded. */
  private async scalar(t: BindingTensor): Promise<number> {
    if (!onDevice(t)) return (t.data as Float32Array)[0];
    return (await this.session.download({ value: t })).value[0];
  }

  /** Tensors over the batch's own (reused) buffers, made once per buffer. */
  private batchFeeds(batch: Batch): Feeds {
    let feeds = this.batchTensors.get(batch.images);
    if (!feeds) {
      feeds = {
        [this.dataInput.name]: this.binding.float32(batch.images, [batch.size, ...this.dataInput.dims]),
        [LABEL]: this.binding.int32(batch.labels, [batch.size]),
      };
      this.batchTensors.set(batch.images, feeds);
    }
    return feeds;
  }
}
