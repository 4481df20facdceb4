/**
 * The machine's measured peak: a large square MatMul through onnxruntime-node (MLAS SGEMM) on the same
 * cores, in GFLOP/s, the best (median of a few runs) the CPU provider reaches at a given thread count.
 */
import * as ort from 'onnxruntime-node';
import { Tape } from '../../src/graph/tape.js';
import { encodeModel } from '../../src/graph/proto.js';
import { matmul } from '../../src/graph/nn-ops.js';
import { sessionOptionsFor } from '../../src/runtime/providers.js';
import { median } from './stats.js';

export interface PeakResult {
  readonly size: number;
  readonly gflops: number;
  readonly ms: number;
}

export async function matmulPeak(threads: number, size = 1024, runs = 12): Promise<PeakResult> {
  const tape = new Tape('matmul_peak');
  const a = tape.input('a', 'float32', [size, size]);
  const b = tape.input('b', 'float32', [size, size]);
  tape.output(matmul(a, b), 'c');
  const session = await ort.InferenceSession.create(encodeModel(tape.toModel()), sessionOptionsFor('cpu', { threads, spinning: false }));
  const data = Float32Array.from({ length: size * size }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const out = new ort.Tensor('float32', new Float32Array(size * size), [size, size]);
  const feeds = { a: new ort.Tensor('float32', data, [size, size]), b: new ort.Tensor('float32', data, [size, size]) };
  const ms: number[] = [];
  for (let i = 0; i < runs + 2; i++) {
    const t0 = performance.now();
    await session.run(feeds, { c: out });
    if (i >= 2) ms.push(performance.now() - t0);
  }
  await session.release();
  // Best of the run: the peak is what the cores can do when they are not taken by other processes.
  const best = Math.min(...ms);
  return { size, ms: median(ms), gflops: (2 * size ** 3) / (best * 1e6) };
}
