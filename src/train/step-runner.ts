/**
 * Runs the train-step model batch after batch in one ONNX Runtime session.
 *
 * The state (parameters, Adam m and v) lives in ONNX Runtime tensors that are handed from one step to
 * the next: on the CPU, outputs are written into two pre-allocated sets that alternate (no allocation
 * per step); on WebGPU they stay in GPU buffers and are fed straight back, so only the batch goes up and
 * the loss and correct count come down.
 */
import * as ort from 'onnxruntime-node';
import {
  BIAS_CORRECTION2_SQRT, CORRECT, IMAGE, IMAGE_SIZE, LABEL, LOSS, STATE_NAMES, STEP_SIZE, adamM, adamV, next,
} from '../graph/contract.js';
import { buildTrainStepModel } from '../graph/models.js';
import { PARAMS, type Params } from '../graph/params.js';
import { encodeModel } from '../graph/proto.js';
import { graphTargetFor } from '../graph/webgpu-conv.js';
import type { Batch } from '../data/batches.js';
import { type ExecutionProvider, createSession } from '../runtime/providers.js';
import { GpuReadBack } from './gpu-readback.js';
import { ParallelCpuRunner } from './parallel/runner.js';

/** Parameters and Adam moments, on the host. */
export interface OptimizerState {
  readonly params: Params;
  readonly m: Params;
  readonly v: Params;
}

export interface StepResult {
  readonly loss: number;
  readonly correct: number;
}

/** What the trainer needs from a step runner, whichever provider runs it. */
export interface TrainStepRunner {
  readonly ep: ExecutionProvider;
  /** CPU runner: the threads each batch is split across. */
  readonly threads?: number;
  /** One Adam step on `batch` with the given step size and bias correction (see adamScalars). */
  step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number): Promise<StepResult>;
  /** A host copy of the current state. */
  readState(): Promise<OptimizerState>;
  release(): Promise<void>;
}

export interface StepRunnerOptions {
  /** CPU threads (the CPU runner splits each batch across them; see parallel/runner.ts). */
  readonly threads?: number;
  /** The largest batch a step will be given. */
  readonly maxBatch: number;
}

/**
 * The runner for `ep`: on the CPU the data-parallel runner (gradient per thread, flat Adam), on GPU
 * providers one session of the train-step model (lenet.train.onnx) with the state kept on the device.
 */
export async function createStepRunner(ep: ExecutionProvider, initial: OptimizerState, options: StepRunnerOptions): Promise<TrainStepRunner> {
  if (ep === 'cpu') return ParallelCpuRunner.create(initial, options);
  return StepRunner.create(ep, initial, options.threads);
}

type TensorMap = Record<string, ort.Tensor>;

function stateTensors(state: OptimizerState): TensorMap {
  const map: TensorMap = {};
  for (const spec of PARAMS) {
    const dims = [...spec.shape];
    map[spec.name] = new ort.Tensor('float32', state.params[spec.name].slice(), dims);
    map[adamM(spec.name)] = new ort.Tensor('float32', state.m[spec.name].slice(), dims);
    map[adamV(spec.name)] = new ort.Tensor('float32', state.v[spec.name].slice(), dims);
  }
  return map;
}

/** The train-step model in one session (GPU providers; also usable on the CPU, one session with intra-op threads). */
export class StepRunner implements TrainStepRunner {
  private state: TensorMap;
  /** CPU only: the other set of state tensors, written by the next step. */
  private spare: TensorMap | undefined;
  private readonly scalars = { stepSize: new Float32Array(1), bc2: new Float32Array(1) };
  private readonly batchTensors = new WeakMap<Float32Array, { image: ort.Tensor; label: ort.Tensor }>();
  private readonly lossOut = new ort.Tensor('float32', new Float32Array(1), []);
  private readonly correctOut = new ort.Tensor('float32', new Float32Array(1), []);

  private constructor(private readonly session: ort.InferenceSession, readonly ep: ExecutionProvider, initial: OptimizerState,
    /** WebGPU only: copies the state out of GPU buffers (getData() on them aborts onnxruntime-node 1.30). */
    private readonly readBack?: GpuReadBack) {
    this.state = stateTensors(initial);
    this.spare = ep === 'webgpu' ? undefined : stateTensors(initial);
  }

  static async create(ep: ExecutionProvider, initial: OptimizerState, threads?: number): Promise<StepRunner> {
    const model = encodeModel(buildTrainStepModel({ target: graphTargetFor(ep) }));
    const outputsOnGpu = ep === 'webgpu' ? STATE_NAMES.map(next) : undefined;
    // No spinning: idle ORT threads would compete with the batch assembly between steps and, on a
    // shared 2-core machine, with other processes (3–4× slower steps at 2 threads; docs/benchmarks.md).
    const session = await createSession(model, ep, { threads, outputsOnGpu, ...(ep === 'cpu' ? { spinning: false } : {}) });
    const stateSpecs = (): { name: string; shape: readonly number[] }[] =>
      PARAMS.flatMap((p) => [p.name, adamM(p.name), adamV(p.name)].map((name) => ({ name, shape: p.shape })));
    return new StepRunner(session, ep, initial, ep === 'webgpu' ? await GpuReadBack.create(stateSpecs()) : undefined);
  }

  /** One Adam step on `batch` with the given step size and bias correction (see adamScalars). */
  async step(batch: Batch, stepSize: number, biasCorrection2Sqrt: number): Promise<StepResult> {
    this.scalars.stepSize[0] = stepSize;
    this.scalars.bc2[0] = biasCorrection2Sqrt;
    const { image, label } = this.tensorsFor(batch);
    const feeds: TensorMap = {
      ...this.state,
      [STEP_SIZE]: new ort.Tensor('float32', this.scalars.stepSize, []),
      [BIAS_CORRECTION2_SQRT]: new ort.Tensor('float32', this.scalars.bc2, []),
      [IMAGE]: image,
      [LABEL]: label,
    };
    if (this.spare) {
      const fetches: TensorMap = { [LOSS]: this.lossOut, [CORRECT]: this.correctOut };
      for (const name of STATE_NAMES) fetches[next(name)] = this.spare[name];
      await this.session.run(feeds, fetches);
      [this.state, this.spare] = [this.spare, this.state];
      return { loss: (this.lossOut.data as Float32Array)[0], correct: (this.correctOut.data as Float32Array)[0] };
    }
    const out = await this.session.run(feeds);
    const previous = this.state;
    this.state = Object.fromEntries(STATE_NAMES.map((name) => [name, out[next(name)]]));
    for (const t of Object.values(previous)) if (t.location === 'gpu-buffer') t.dispose();
    return { loss: (out[LOSS].data as Float32Array)[0], correct: (out[CORRECT].data as Float32Array)[0] };
  }

  /** A host copy of the current state (downloads it from the GPU when it lives there). */
  async readState(): Promise<OptimizerState> {
    const host = await this.readBack?.read(this.state);
    const read = async (name: string): Promise<Float32Array> => host?.[name] ?? ((await this.state[name].getData()) as Float32Array).slice();
    const params = {} as Params;
    const m = {} as Params;
    const v = {} as Params;
    for (const spec of PARAMS) {
      params[spec.name] = await read(spec.name);
      m[spec.name] = await read(adamM(spec.name));
      v[spec.name] = await read(adamV(spec.name));
    }
    return { params, m, v };
  }

  async release(): Promise<void> {
    for (const t of Object.values(this.state)) if (t.location === 'gpu-buffer') t.dispose();
    await this.session.release();
    await this.readBack?.release();
  }

  /** Tensors over the batch's own (reused) buffers, created once per buffer. */
  private tensorsFor(batch: Batch): { image: ort.Tensor; label: ort.Tensor } {
    let t = this.batchTensors.get(batch.images);
    if (!t) {
      t = {
        image: new ort.Tensor('float32', batch.images, [batch.size, 1, IMAGE_SIZE, IMAGE_SIZE]),
        label: new ort.Tensor('int32', batch.labels, [batch.size]),
      };
      this.batchTensors.set(batch.images, t);
    }
    return t;
  }
}
