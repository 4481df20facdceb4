/**
 * Test-split evaluation during training, with the eval model (parameters are inputs, so the current
 * weights are used without rebuilding anything): mean loss and accuracy.
 */
import * as ort from 'onnxruntime-node';
import { CORRECT, IMAGE, IMAGE_SIZE, LABEL, LOSS_SUM } from '../graph/contract.js';
import { buildEvalModel } from '../graph/models.js';
import { PARAMS, type Params } from '../graph/params.js';
import { encodeModel } from '../graph/proto.js';
import { graphTargetFor } from '../graph/webgpu-conv.js';
import { BatchIterator } from '../data/batches.js';
import type { Split } from '../data/types.js';
import type { ExecutionProvider } from '../runtime/execution-provider.js';
import { createSession } from '../runtime/providers.js';

export interface EvalResult {
  readonly loss: number;
  readonly accuracy: number;
  readonly correct: number;
  readonly count: number;
}

export class Evaluator {
  private constructor(private readonly session: ort.InferenceSession, private readonly batchSize: number) {}

  static async create(ep: ExecutionProvider, threads?: number, batchSize = 1000): Promise<Evaluator> {
    return new Evaluator(await createSession(encodeModel(buildEvalModel({ target: graphTargetFor(ep) })), ep, { threads }), batchSize);
  }

  async evaluate(params: Params, split: Split): Promise<EvalResult> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const spec of PARAMS) feeds[spec.name] = new ort.Tensor('float32', params[spec.name], [...spec.shape]);
    let lossSum = 0;
    let correct = 0;
    for (const batch of new BatchIterator(split, this.batchSize).epoch()) {
      feeds[IMAGE] = new ort.Tensor('float32', batch.images, [batch.size, 1, IMAGE_SIZE, IMAGE_SIZE]);
      feeds[LABEL] = new ort.Tensor('int32', batch.labels, [batch.size]);
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
