/**
 * Resampling of single-channel float images: exact area averaging for shrinking (every source pixel
 * contributes in proportion to the area it covers) and bilinear interpolation for enlarging.
 */
import type { GreyImage } from './types.js';

/** Resizes `src` to `width × height`: area averaging when shrinking an axis, bilinear when enlarging. */
export function resize(src: GreyImage, width: number, height: number): GreyImage {
  if (!Number.isInteger(width) || width < 1) throw new RangeError(`width must be an integer ≥ 1, got ${width}`);
  if (!Number.isInteger(height) || height < 1) throw new RangeError(`height must be an integer ≥ 1, got ${height}`);
  const cols = axisWeights(src.width, width);
  const rows = axisWeights(src.height, height);
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const row = rows[y];
    for (let x = 0; x < width; x++) {
      const col = cols[x];
      let sum = 0;
      for (let j = 0; j < row.index.length; j++) {
        const base = row.index[j] * src.width;
        let rowSum = 0;
        for (let i = 0; i < col.index.length; i++) rowSum += src.data[base + col.index[i]] * col.weight[i];
        sum += rowSum * row.weight[j];
      }
      out[y * width + x] = sum;
    }
  }
  return { data: out, width, height };
}

/** The source indices and weights (summing to 1) that make up one output pixel along one axis. */
interface Taps {
  readonly index: number[];
  readonly weight: number[];
}

function axisWeights(from: number, to: number): Taps[] {
  const taps: Taps[] = [];
  for (let o = 0; o < to; o++) taps.push(to <= from ? areaTaps(from, to, o) : bilinearTaps(from, to, o));
  return taps;
}

/** Output pixel `o` covers source interval [o·s, (o+1)·s) with s = from/to ≥ 1. */
function areaTaps(from: number, to: number, o: number): Taps {
  const scale = from / to;
  const start = o * scale;
  const end = start + scale;
  const index: number[] = [];
  const weight: number[] = [];
  for (let i = Math.floor(start); i < Math.min(from, Math.ceil(end)); i++) {
    const overlap = Math.min(end, i + 1) - Math.max(start, i);
    if (overlap > 1e-9) {
      index.push(i);
      weight.push(overlap / scale);
    }
  }
  return { index, weight };
}

/** Pixel centres aligned (`align_corners=False`): source coordinate (o + ½)·from/to − ½, clamped. */
function bilinearTaps(from: number, to: number, o: number): Taps {
  const pos = Math.min(Math.max((o + 0.5) * (from / to) - 0.5, 0), from - 1);
  const i0 = Math.floor(pos);
  const i1 = Math.min(i0 + 1, from - 1);
  const t = pos - i0;
  return i1 === i0 ? { index: [i0], weight: [1] } : { index: [i0, i1], weight: [1 - t, t] };
}
