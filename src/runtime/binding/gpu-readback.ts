/**
 * Copies tensors that live in WebGPU buffers back to the host.
 *
 * In onnxruntime-node 1.30, `Tensor.getData()` on a `gpu-buffer` output aborts the whole process
 * ("terminate called after throwing an instance of 'char const*'", seen with Dawn on Mesa lavapipe, even
 * for a one-node model). Feeding the same tensors to another WebGPU session whose outputs stay on the
 * CPU works, and ONNX Runtime copies them down itself: this class is that session, one Identity per
 * tensor.
 */
import type * as ort from 'onnxruntime-node';
import { encodeModel } from '../../graph/proto.js';
import { Tape } from '../../graph/tape.js';
import { createSession } from '../providers.js';

export interface TensorSpec {
  readonly name: string;
  readonly shape: readonly number[];
}

const copyName = (name: string): string => `host.${name}`;

export class GpuReadBack {
  private constructor(private readonly session: ort.InferenceSession, private readonly names: readonly string[]) {}

  /** A WebGPU session that copies float32 tensors of these names and shapes to the host. */
  static async create(specs: readonly TensorSpec[]): Promise<GpuReadBack> {
    const tape = new Tape('gpu_readback');
    for (const spec of specs) tape.output(tape.input(spec.name, 'float32', spec.shape), copyName(spec.name));
    const session = await createSession(encodeModel(tape.toModel('Identity per tensor: copies WebGPU buffers to the host.')), 'webgpu');
    return new GpuReadBack(session, specs.map((s) => s.name));
  }

  /** Host copies of `tensors` (each may live on the GPU or the host), by name. */
  async read(tensors: Readonly<Record<string, ort.Tensor>>): Promise<Record<string, Float32Array>> {
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of this.names) feeds[name] = tensors[name];
    const out = await this.session.run(feeds);
    const host: Record<string, Float32Array> = {};
    for (const name of this.names) host[name] = Float32Array.from(out[copyName(name)].data as Float32Array);
    return host;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
