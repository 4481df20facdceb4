/**
 * Conv for a graph target, with the exact rewrites that keep ONNX Runtime's native WebGPU provider off
 * the Conv shapes it computes wrongly (see docs/webgpu.md and `tools/webgpu-conv-repro.ts`).
 *
 * The bug (onnxruntime-node 1.30's WebGPU provider; the same code runs in `onnxruntime-web/webgpu`): a
 * 2-D Conv goes channels-last through the provider's tiled matmul program. When the output channels are
 * a multiple of 4 and the input channels a multiple of 3 but not of 4 — 6, 9, 15, 18, … (3 itself is
 * fine) — it reads the input three channels at a time and indexes them as if they were four: outputs
 * off by as much as the outputs themselves. Every other channel combination tried was right to ~1e-5, and
 * ConvTranspose is not affected. In LeNet this hits conv2 (6 → 16) and conv2's weight gradient (a Conv
 * with the batch as its input channels and 16 output channels) whenever N is 6, 9, 15, 18, 30, ….
 *
 * The rewrites add only zeros, so the sums are the same:
 * - static input channels C in the bad set: zero-pad x and w on the channel axis to the next multiple
 *   of 4 (conv2: 6 → 8); the provider then reads 4 channels at a time, correctly;
 * - input channels unknown when the graph is built (the batch, in the weight gradient): give w one zero
 *   output channel (16 → 17) and Slice it off the result; with output channels not a multiple of 4 the
 *   provider takes its scalar path, which is right for every C.
 */
import { type ConvOptions, conv } from './nn-ops.js';
import { pad, slice } from './ops.js';
import type { Dim } from './shape.js';
import type { Value } from './tape.js';

/**
 * What the graphs are built for. `generic` runs on every execution provider and is the fastest on the
 * CPU; `webgpu` adds the exact Conv rewrites above for ONNX Runtime's native WebGPU provider. Both
 * variants have the same inputs, outputs and numbers.
 */
export type GraphTarget = 'generic' | 'webgpu';

export const GRAPH_TARGETS: readonly GraphTarget[] = ['generic', 'webgpu'];

/** True when ONNX Runtime 1.30's WebGPU Conv may compute a Conv with these channel counts wrongly. */
export function webgpuConvHazard(inChannels: Dim, outChannels: number): boolean {
  if (outChannels % 4 !== 0) return false;
  if (typeof inChannels !== 'number') return true;
  return inChannels > 3 && inChannels % 3 === 0 && inChannels % 4 !== 0;
}

/** Zero padding of axis `axis` of a rank-`rank` tensor at its end by `extra`. */
function padEnd(x: Value, axis: number, extra: number): Value {
  const pads = new Array<number>(2 * x.shape.length).fill(0);
  pads[x.shape.length + axis] = extra;
  return pad(x, pads);
}

/** x [N,C,H,W] ⊛ w [M,C,kh,kw] (+ b [M]) → [N,M,H',W'], built so that `target` computes it right. */
export function targetConv(target: GraphTarget, x: Value, w: Value, b: Value | undefined, options: ConvOptions = {}): Value {
  const inChannels = x.shape[1];
  const outChannels = w.shape[0];
  if (target === 'generic' || typeof outChannels !== 'number' || !webgpuConvHazard(inChannels, outChannels)) {
    return conv(x, w, b, options);
  }
  if (typeof inChannels === 'number') {
    const extra = 4 - (inChannels % 4);                                            // C → next multiple of 4
    return conv(padEnd(x, 1, extra), padEnd(w, 1, extra), b, options);
  }
  const y = conv(x, padEnd(w, 0, 1), b && padEnd(b, 0, 1), options);                // M + 1 output channels
  return slice(y, 1, 0, outChannels);
}

/** The graph variant to build for an execution provider ('cpu', 'cuda', 'webgpu'). */
export function graphTargetFor(executionProvider: string): GraphTarget {
  return executionProvider === 'webgpu' ? 'webgpu' : 'generic';
}
