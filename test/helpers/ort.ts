/** Running built models in onnxruntime-node from tests. */
import * as ort from 'onnxruntime-node';
import { type IModelProto, encodeModel } from '../../src/graph/proto.js';

export type Feeds = Record<string, ort.Tensor>;

export const f32 = (dims: readonly number[], data: ArrayLike<number>): ort.Tensor =>
  new ort.Tensor('float32', Float32Array.from(data), [...dims]);
export const i32 = (dims: readonly number[], data: ArrayLike<number>): ort.Tensor =>
  new ort.Tensor('int32', Int32Array.from(data), [...dims]);

export async function session(model: IModelProto): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(encodeModel(model), { intraOpNumThreads: 1, graphOptimizationLevel: 'all' });
}

/** Runs `model` once and returns every output as a Float32Array. */
export async function runOnce(model: IModelProto, feeds: Feeds): Promise<Record<string, Float32Array>> {
  const s = await session(model);
  try {
    const out = await s.run(feeds);
    const result: Record<string, Float32Array> = {};
    for (const [name, t] of Object.entries(out)) result[name] = Float32Array.from(t.data as Float32Array);
    return result;
  } finally {
    await s.release();
  }
}
