/**
 * Float64 layers for the test reference of LeNet-5, llm.c style: each forward beside its backward, plain
 * loops, NCHW row-major tensors, shapes in comments. Backward functions ACCUMULATE (+=) into their
 * gradient outputs, so callers pass zeroed buffers. Independent of src/graph on purpose.
 */

/** out (N,OC,OH,OW) = conv(inp (N,C,H,W), w (OC,C,K,K), zero padding `pad`, stride 1) + b (OC). */
export function conv2dForward(
  out: Float64Array, inp: Float64Array, w: Float64Array, b: Float64Array,
  n: number, c: number, h: number, wd: number, oc: number, k: number, pad: number,
): void {
  const oh = h + 2 * pad - k + 1;
  const ow = wd + 2 * pad - k + 1;
  for (let bi = 0; bi < n; bi++) {
    for (let o = 0; o < oc; o++) {
      const outBase = (bi * oc + o) * oh * ow;
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          // kernel rows/cols that land inside the input (the rest multiply the zero padding)
          const ky0 = Math.max(0, pad - y), ky1 = Math.min(k, h + pad - y);
          const kx0 = Math.max(0, pad - x), kx1 = Math.min(k, wd + pad - x);
          let sum = b[o];
          for (let ci = 0; ci < c; ci++) {
            const inBase = (bi * c + ci) * h * wd + (y - pad) * wd + (x - pad);
            const wBase = (o * c + ci) * k * k;
            for (let ky = ky0; ky < ky1; ky++) {
              const inRow = inBase + ky * wd;
              const wRow = wBase + ky * k;
              for (let kx = kx0; kx < kx1; kx++) sum += inp[inRow + kx] * w[wRow + kx];
            }
          }
          out[outBase + y * ow + x] = sum;
        }
      }
    }
  }
}

/** Accumulates dw (OC,C,K,K), db (OC) and, unless null, dinp (N,C,H,W) from dout (N,OC,OH,OW). */
export function conv2dBackward(
  dinp: Float64Array | null, dw: Float64Array, db: Float64Array, dout: Float64Array,
  inp: Float64Array, w: Float64Array,
  n: number, c: number, h: number, wd: number, oc: number, k: number, pad: number,
): void {
  const oh = h + 2 * pad - k + 1;
  const ow = wd + 2 * pad - k + 1;
  for (let bi = 0; bi < n; bi++) {
    for (let o = 0; o < oc; o++) {
      const outBase = (bi * oc + o) * oh * ow;
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          const g = dout[outBase + y * ow + x];
          db[o] += g;
          const ky0 = Math.max(0, pad - y), ky1 = Math.min(k, h + pad - y);
          const kx0 = Math.max(0, pad - x), kx1 = Math.min(k, wd + pad - x);
          for (let ci = 0; ci < c; ci++) {
            const inBase = (bi * c + ci) * h * wd + (y - pad) * wd + (x - pad);
            const wBase = (o * c + ci) * k * k;
            for (let ky = ky0; ky < ky1; ky++) {
              const inRow = inBase + ky * wd;
              const wRow = wBase + ky * k;
              for (let kx = kx0; kx < kx1; kx++) {
                dw[wRow + kx] += inp[inRow + kx] * g;
                if (dinp !== null) dinp[inRow + kx] += w[wRow + kx] * g;
              }
            }
          }
        }
      }
    }
  }
}

/** out = max(inp, 0), elementwise, any shape. */
export function reluForward(out: Float64Array, inp: Float64Array): void {
  for (let i = 0; i < inp.length; i++) out[i] = inp[i] > 0 ? inp[i] : 0;
}

/** threshold_backward: dinp += dout where the input was > 0 (output > 0), 0 where the input ≤ 0. */
export function reluBackward(dinp: Float64Array, dout: Float64Array, out: Float64Array): void {
  for (let i = 0; i < out.length; i++) if (out[i] > 0) dinp[i] += dout[i];
}

/**
 * out (N,C,H/2,W/2) = 2×2 max pooling, stride 2, of inp (N,C,H,W); idx receives the flat index in inp of
 * the element chosen: the FIRST maximum in row-major window order, a later one only if strictly greater
 * (PyTorch's CPU max_pool2d rule).
 */
export function maxpool2Forward(
  out: Float64Array, idx: Int32Array, inp: Float64Array, n: number, c: number, h: number, wd: number,
): void {
  const oh = h >> 1;
  const ow = wd >> 1;
  for (let plane = 0; plane < n * c; plane++) {
    const inBase = plane * h * wd;
    const outBase = plane * oh * ow;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        let best = inBase + 2 * y * wd + 2 * x;
        for (let dy = 0; dy < 2; dy++) {
          for (let dx = 0; dx < 2; dx++) {
            const j = inBase + (2 * y + dy) * wd + 2 * x + dx;
            if (inp[j] > inp[best]) best = j;
          }
        }
        out[outBase + y * ow + x] = inp[best];
        idx[outBase + y * ow + x] = best;
      }
    }
  }
}

/** dinp (N,C,H,W) += dout (N,C,H/2,W/2) routed to the chosen element of each window only. */
export function maxpool2Backward(dinp: Float64Array, dout: Float64Array, idx: Int32Array): void {
  for (let i = 0; i < dout.length; i++) dinp[idx[i]] += dout[i];
}

/** out (N,OUT) = inp (N,IN) · wᵀ + b, w (OUT,IN) as torch.nn.Linear stores it. */
export function linearForward(
  out: Float64Array, inp: Float64Array, w: Float64Array, b: Float64Array, n: number, inF: number, outF: number,
): void {
  for (let bi = 0; bi < n; bi++) {
    for (let o = 0; o < outF; o++) {
      let sum = b[o];
      for (let i = 0; i < inF; i++) sum += inp[bi * inF + i] * w[o * inF + i];
      out[bi * outF + o] = sum;
    }
  }
}

/** Accumulates dinp (N,IN) unless null, dw (OUT,IN), db (OUT) from dout (N,OUT). */
export function linearBackward(
  dinp: Float64Array | null, dw: Float64Array, db: Float64Array, dout: Float64Array,
  inp: Float64Array, w: Float64Array, n: number, inF: number, outF: number,
): void {
  for (let bi = 0; bi < n; bi++) {
    for (let o = 0; o < outF; o++) {
      const g = dout[bi * outF + o];
      db[o] += g;
      for (let i = 0; i < inF; i++) {
        dw[o * inF + i] += inp[bi * inF + i] * g;
        if (dinp !== null) dinp[bi * inF + i] += w[o * inF + i] * g;
      }
    }
  }
}

/**
 * Softmax cross-entropy over logits (N,V), stably (row max subtracted): fills probs (N,V) and returns the
 * per-row losses −log softmax(logits)[label] (N) and the argmax == label count (first max wins).
 */
export function crossEntropyForward(
  probs: Float64Array, logits: Float64Array, labels: ArrayLike<number>, n: number, v: number,
): { losses: Float64Array; correct: number } {
  const losses = new Float64Array(n);
  let correct = 0;
  for (let bi = 0; bi < n; bi++) {
    const row = bi * v;
    const label = labels[bi];
    if (!Number.isInteger(label) || label < 0 || label >= v) throw new RangeError(`label ${label} out of [0, ${v})`);
    let max = logits[row];
    let argmax = 0;
    for (let j = 1; j < v; j++) {
      if (logits[row + j] > max) {
        max = logits[row + j];
        argmax = j;
      }
    }
    let sum = 0;
    for (let j = 0; j < v; j++) sum += Math.exp(logits[row + j] - max);
    const logSum = Math.log(sum);
    for (let j = 0; j < v; j++) probs[row + j] = Math.exp(logits[row + j] - max - logSum);
    losses[bi] = -(logits[row + label] - max - logSum);
    if (argmax === label) correct++;
  }
  return { losses, correct };
}

/** dlogits (N,V) = (softmax − onehot(label)) / N: the gradient of the MEAN loss. */
export function crossEntropyBackward(
  dlogits: Float64Array, probs: Float64Array, labels: ArrayLike<number>, n: number, v: number,
): void {
  for (let bi = 0; bi < n; bi++) {
    for (let j = 0; j < v; j++) {
      const onehot = j === labels[bi] ? 1 : 0;
      dlogits[bi * v + j] += (probs[bi * v + j] - onehot) / n;
    }
  }
}
