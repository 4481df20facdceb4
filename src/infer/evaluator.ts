/**
 * Test-split evaluation during training, with the eval model (parameters are inputs, so the current
 * weights are used without rebuilding anything): mean loss and accuracy. LeNet's eval model, or any
 * eval model with the same contract (parameters, the images' input, `label` → `loss_sum`, `correct`),
 * such as make-trainable's `<stem>.eval.onnx`.
 */
import type * as ort from 'onnxruntime-node';
import { CORRECT, LABEL, LOSS_SUM, PIXELS } from '../graph/contract.js';
import { modelValueSpecs } from '../graph/export.js';
import { buildEvalModel } from '../graph/models.js';
import { type IModelProto, decodeModel, encodeModel } from '../graph/proto.js';
import { graphTargetFor } from '../graph/webgpu-conv.js';
import { BatchIterator } from '../data/batches.js';
import type { Split } from '../data/types.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import { Tensor } from '../runtime/ort-node.js';
import { createSession } from '../runtime/providers.js';
import { type DataInputSpec, type TensorSpec, dataInputOf, pairedInputs } from '../train/step/state.js';

export interface EvalResult {
  readonly loss: number;
  readonly accuracy: number;
  readonly correct: number;
  readonly count: number;
}

export class Evaluator {
  private constructor(private readonly session: ort.InferenceSession, private readonly batchSize: number,
    private readonly params: readonly TensorSpec[], private readonly data: DataInputSpec) {}

  /** LeNet's eval model, built for `ep`. */
  static async create(ep: ExecutionProvider, threads?: number, batchSize = 1000): Promise<Evaluator> {
    return Evaluator.forModel(buildEvalModel({ target: graphTargetFor(ep) }), ep, threads, batchSize);
  }

  /** An eval model given as a model or its bytes: every float32 input of static shape is a parameter. */
  static async forModel(model: IModelProto | Uint8Array, ep: ExecutionProvider, threads?: number, batchSize = 1000): Promise<Evaluator> {
    const proto = model instanceof Uint8Array ? decodeModel(model, 'the eval model') : model;
    const io = modelValueSpecs(proto);
    const data = dataInputOf(io.inputs, PIXELS, 'the eval model');
    const params = pairedInputs(io.inputs.filter((i) => i.name !== data.name && i.name !== LABEL), io.inputs.map((i) => i.name), (n) => n, 'the eval model');
    const bytes = model instanceof Uint8Array ? model : encodeModel(proto);
    return new Evaluator(await createSession(bytes, ep, { threads }), batchSize, params, data);
  }

  /** Loss and accuracy of the parameters `values` (by input name) on `split`. */
  async evaluate(values: Readonly<Record<string, Float32Array>>, split: Split): Promise<EvalResult> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const spec of this.params) {
      const v = values[spec.name];
      if (!v) throw new RangeError(`no value for '${spec.name}', a parameter of the eval model`);
      feeds[spec.name] = new Tensor('float32', v, [...spec.shape]);
    }
    let lossSum = 0;
    let correct = 0;
    for (const batch of new BatchIterator(split, this.batchSize).epoch()) {
      feeds[this.data.name] = new Tensor('float32', batch.images, [batch.size, ...this.data.dims]);
      feeds[LABEL] = new Tensor('int32', batch.labels, [batch.size]);
      const out = await this.session.run(feeds);
      lossSum += (out[LOSS_SUM].data as Float32Array)[0];
      correct += (out[CORRECT].data as Float32Array)[0];
    }
    const count = split.count;
    return { loss: count ? lossSum / count : NaN, accuracy: count ? correct / count : NaN, correct, count };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
