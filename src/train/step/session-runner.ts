/**
 * The train-step model (`lenet.train.onnx`) in one onnxruntime-node session on an execution provider:
 * the trainer's runner on GPU providers (state kept on the device on WebGPU), and on the CPU a
 * one-session reference for the data-parallel runner (tests, benchmarks).
 */
import { next } from '../../graph/contract.js';
import { modelValueSpecs } from '../../graph/export.js';
import { buildTrainStepModel } from '../../graph/models.js';
import { encodeModel } from '../../graph/proto.js';
import { graphTargetFor } from '../../graph/webgpu-conv.js';
import { nodeBinding } from '../../runtime/binding/node.js';
import type { ExecutionProvider } from '../../runtime/execution-provider.js';
import { TrainStepSession } from './session-step.js';
import { type StateSource, trainStepSignature } from './state.js';

export interface SessionRunnerOptions {
  /** CPU threads of the session (runtime/threads.ts). */
  readonly threads?: number;
}

export async function createSessionRunner(ep: ExecutionProvider, from: StateSource, options: SessionRunnerOptions = {}): Promise<TrainStepSession> {
  const model = buildTrainStepModel({ target: graphTargetFor(ep) });
  const io = modelValueSpecs(model);
  const stateOutputs = trainStepSignature(io.inputs, io.outputs.map((o) => o.name)).state.map((s) => next(s.name));
  return TrainStepSession.create(nodeBinding, encodeModel(model), from, {
    executionProvider: ep, threads: options.threads, hostOutputs: ep === 'cpu', ...(ep === 'webgpu' ? { keepOnDevice: stateOutputs } : {}),
  });
}
