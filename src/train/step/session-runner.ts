/**
 * A train-step model (`lenet.train.onnx`, or make-trainable's) in one onnxruntime-node session on an execution provider:
 * the trainer's runner on GPU providers (state kept on the device on WebGPU), and on the CPU a
 * one-session reference for the data-parallel runner (tests, benchmarks).
 */
import { next } from '../../graph/contract.js';
import { modelValueSpecs } from '../../graph/export.js';
import { buildTrainStepModel } from '../../graph/models.js';
import { type IModelProto, decodeModel, encodeModel } from '../../graph/proto.js';
import { graphTargetFor } from '../../graph/webgpu-conv.js';
import { nodeBinding } from '../../runtime/binding/node.js';
import type { ExecutionProvider } from '../../runtime/execution-provider.js';
import { TrainStepSession } from './session-step.js';
import { type StateSource, trainStepSignature } from './state.js';

export interface SessionRunnerOptions {
  /** CPU threads of the session (runtime/threads.ts). */
  readonly threads?: number;
}

/** LeNet's train-step model, built for `ep`, in one session. */
export async function createSessionRunner(ep: ExecutionProvider, from: StateSource, options: SessionRunnerOptions = {}): Promise<TrainStepSession> {
  return createModelSessionRunner(ep, buildTrainStepModel({ target: graphTargetFor(ep) }), from, options);
}

/** Any train-step model (e.g. make-trainable's `<stem>.train.onnx`) in one session on `ep`. */
export async function createModelSessionRunner(ep: ExecutionProvider, model: IModelProto | Uint8Array, from: StateSource,
  options: SessionRunnerOptions = {}): Promise<TrainStepSession> {
  const bytes = model instanceof Uint8Array ? model : encodeModel(model);
  const io = modelValueSpecs(model instanceof Uint8Array ? decodeModel(model, 'the train-step model') : model);
  const stateOutputs = trainStepSignature(io.inputs, io.outputs.map((o) => o.name)).state.map((s) => next(s.name));
  return TrainStepSession.create(nodeBinding, bytes, from, {
    executionProvider: ep, threads: options.threads, hostOutputs: ep === 'cpu', ...(ep === 'webgpu' ? { keepOnDevice: stateOutputs } : {}),
  });
}
