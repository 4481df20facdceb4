/**
 * The train-step model on onnxruntime-web (WASM) inside Node: the same loop as the trainer's StepRunner,
 * with each step's outputs fed back as the next step's state (the web page trains the same way).
 */
import * as ort from 'onnxruntime-web';
import type { Batch } from '../../src/data/batches.js';
import {
  type AdamScalars, BIAS_CORRECTION2_SQRT, IMAGE, IMAGE_SIZE, LABEL, LOSS, STATE_NAMES, STEP_SIZE, adamM, adamV, next,
} from '../../src/graph/contract.js';
import { buildTrainStepModel } from '../../src/graph/models.js';
import { PARAMS, type Params } from '../../src/graph/params.js';
import { encodeModel } from '../../src/graph/proto.js';
import type { OptimizerState } from '../../src/train/step-runner.js';

export interface TrainLoop {
  /** One step; resolves to the loss. */
  step(batch: Batch, scalars: AdamScalars): Promise<number>;
  release(): Promise<void>;
}

/** The web loop also hands out its state (tests compare it with the data-parallel runner's). */
export interface WebTrainLoop extends TrainLoop {
  readState(): Promise<OptimizerState>;
}

export async function webTrainLoop(initial: OptimizerState, threads: number): Promise<WebTrainLoop> {
  ort.env.wasm.numThreads = threads;
  const session = await ort.InferenceSession.create(encodeModel(buildTrainStepModel()), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  let state: Record<string, ort.Tensor> = {};
  for (const spec of PARAMS) {
    const dims = [...spec.shape];
    state[spec.name] = new ort.Tensor('float32', initial.params[spec.name].slice(), dims);
    state[adamM(spec.name)] = new ort.Tensor('float32', initial.m[spec.name].slice(), dims);
    state[adamV(spec.name)] = new ort.Tensor('float32', initial.v[spec.name].slice(), dims);
  }
  return {
    async step(batch, s) {
      const out = await session.run({
        ...state,
        [STEP_SIZE]: new ort.Tensor('float32', Float32Array.of(s.stepSize), []),
        [BIAS_CORRECTION2_SQRT]: new ort.Tensor('float32', Float32Array.of(s.biasCorrection2Sqrt), []),
        [IMAGE]: new ort.Tensor('float32', batch.images, [batch.size, 1, IMAGE_SIZE, IMAGE_SIZE]),
        [LABEL]: new ort.Tensor('int32', batch.labels, [batch.size]),
      });
      state = Object.fromEntries(STATE_NAMES.map((name) => [name, out[next(name)]]));
      return (out[LOSS].data as Float32Array)[0];
    },
    async readState() {
      const copy = (name: string): Float32Array => (state[name].data as Float32Array).slice();
      const params = {} as Params;
      const m = {} as Params;
      const v = {} as Params;
      for (const spec of PARAMS) {
        params[spec.name] = copy(spec.name);
        m[spec.name] = copy(adamM(spec.name));
        v[spec.name] = copy(adamV(spec.name));
      }
      return { params, m, v };
    },
    release: () => session.release(),
  };
}
