/**
 * The flat Adam update in JavaScript, for parts on onnxruntime-web: the same arithmetic as the flat Adam
 * model (graph/models.ts buildFlatAdamModel, graph/layers/adam.ts), operation for operation in float32.
 * Each operation is done in float64 and rounded with Math.fround, which gives float32's own result for
 * +, −, ×, ÷ and √ (float64 has more than twice float32's precision), so the two agree bit for bit (a
 * test holds them to it). Why: onnxruntime-web's WASM runs that dozen element-wise kernels over a part's
 * ~31,000 values in ~1 ms in Node and ~2 ms in a Chromium worker, this loop in ~0.3 ms; onnxruntime-node's
 * native kernels (~0.2 ms) keep the model. Pure code: the page's workers load this file too.
 */
import { ADAM } from '../../../graph/contract.js';

const f = Math.fround;
/** The model's constants, as its float32 initializers hold them. */
const BETA1 = f(ADAM.beta1);
const ONE_MINUS_BETA1 = f(1 - ADAM.beta1);
const BETA2 = f(ADAM.beta2);
const ONE_MINUS_BETA2 = f(1 - ADAM.beta2);
const EPS = f(ADAM.eps);

export interface FlatAdamSlice {
  readonly param: Float32Array;
  readonly m: Float32Array;
  readonly v: Float32Array;
}

/**
 * One Adam step over a slice: the gradient is `shares` summed in order, ((g0 + g1) + g2)…; writes the new
 * values into `to` (which may be `from`). `stepSize` and `biasCorrection2Sqrt` are float32 values.
 */
export function flatAdam(from: FlatAdamSlice, shares: readonly Float32Array[], stepSize: number, biasCorrection2Sqrt: number, to: FlatAdamSlice): void {
  const { param, m, v } = from;
  const n = param.length;
  if (m.length !== n || v.length !== n || to.param.length !== n || to.m.length !== n || to.v.length !== n || shares.some((s) => s.length !== n)) {
    throw new RangeError(`flat Adam: every array must hold the slice's ${n} values`);
  }
  const first = shares[0];
  const [outParam, outM, outV] = [to.param, to.m, to.v];
  for (let i = 0; i < n; i++) {
    let g = first[i];
    for (let k = 1; k < shares.length; k++) g = f(g + shares[k][i]);
    const mi = f(f(m[i] * BETA1) + f(g * ONE_MINUS_BETA1));                      // m = β1·m + (1−β1)·g
    const vi = f(f(v[i] * BETA2) + f(f(g * ONE_MINUS_BETA2) * g));               // v = β2·v + (1−β2)·g·g
    const denom = f(f(f(Math.sqrt(vi)) / biasCorrection2Sqrt) + EPS);            // √v / √(1−β2^t) + eps
    outParam[i] = f(param[i] - f(f(mi * stepSize) / denom));                      // p − step_size·m / denom
    outM[i] = mi;
    outV[i] = vi;
  }
}
