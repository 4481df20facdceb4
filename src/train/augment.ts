/**
 * Data augmentation (opt-in with `--augment`, on in `--recipe strong`). Each training image is moved by a
 * random transform drawn from its own seeded generator, so the data order does not depend on whether
 * augmentation is on. Background (pixel 0, i.e. −1 after the graph's normalisation) fills what the
 * transform uncovers.
 *
 * - `rotate` and `scale` both 0 (the seed's `--augment`): a whole-pixel shift (dx, dy), each drawn as
 *   nextInt(2·shift + 1) − shift, x first — the seed's behaviour, unchanged.
 * - otherwise a random affine warp about the image centre (13.5, 13.5): rotation θ uniform in ±rotate
 *   degrees, scale s uniform in 1 ± scale, shift (tx, ty) uniform in ±shift pixels (drawn in that
 *   order, 4 × 32 bits per image); output pixel p takes the bilinear sample of the input at
 *   R(−θ)·(p − c − t)/s + c.
 * - `elastic` > 0 adds a smooth random displacement d(p) to that source point: a 5 × 5 grid of control
 *   points spanning the image, each moved by (ex, ey) uniform in ±elastic pixels (drawn after the
 *   affine's four, row by row, x then y), d bilinear between them — a cheap stand-in for Simard et al.'s
 *   Gaussian-smoothed elastic fields.
 *
 * Drawing and warping are separate so the draws stay on the main thread, in a fixed order, while the
 * warps run wherever the image is (the CPU runner's threads warp their own shares, augmenter.ts); the
 * result is the same either way. Pure code: the page loads this file too.
 */
import { IMAGE_SIZE, PIXELS } from '../graph/contract.js';
import type { Batch } from '../data/batches.js';
import type { Mt19937 } from '../util/rng.js';

/** How far each transform may go; see the module comment. */
export interface AugmentRange {
  /** Largest shift in pixels, each of x and y (whole pixels when rotate and scale are 0). */
  readonly shift: number;
  /** Largest rotation in degrees, either way. */
  readonly rotate: number;
  /** Largest relative change of size, e.g. 0.1 for 0.9×–1.1×. */
  readonly scale: number;
  /** Largest displacement of the elastic grid's control points, pixels (0: none). */
  readonly elastic: number;
}

/** The seed's `--augment`: whole-pixel shifts of up to 2 pixels. */
export const SHIFT_ONLY: AugmentRange = { shift: 2, rotate: 0, scale: 0, elastic: 0 };

/** Floats per image of the affine part of a draw: θ (radians), s, tx, ty. */
const AFFINE_PARAMS = 4;
/** Control points per side of the elastic grid. */
export const ELASTIC_GRID = 5;
const ELASTIC_PARAMS = 2 * ELASTIC_GRID * ELASTIC_GRID;

/** The most floats per image a draw takes (sizes the CPU runner's shared buffer). */
export const MAX_PARAMS_PER_IMAGE = AFFINE_PARAMS + ELASTIC_PARAMS;

/** Floats per image in a draw (drawAffine): the affine four, then the elastic grid's displacements if any. */
export const paramsPerImage = (range: AugmentRange): number => AFFINE_PARAMS + (range.elastic > 0 ? ELASTIC_PARAMS : 0);

/** True when `range` is the whole-pixel shift (no rotation, scaling or elastic distortion). */
export const isShiftOnly = (range: AugmentRange): boolean => range.rotate === 0 && range.scale === 0 && range.elastic === 0;

/** Checks a range; throws a one-line RangeError naming the bad field. */
export function checkAugmentRange(range: AugmentRange): void {
  const ok = (x: number, max: number): boolean => Number.isFinite(x) && x >= 0 && x <= max;
  if (!ok(range.shift, IMAGE_SIZE - 1)) throw new RangeError(`augment shift must be a number of pixels in [0, ${IMAGE_SIZE - 1}], got ${range.shift}`);
  if (isShiftOnly(range) && !Number.isInteger(range.shift)) throw new RangeError(`augment shift must be a whole number of pixels when rotate and scale are 0, got ${range.shift}`);
  if (!ok(range.rotate, 180)) throw new RangeError(`augment rotate must be a number of degrees in [0, 180], got ${range.rotate}`);
  if (!ok(range.scale, 0.9)) throw new RangeError(`augment scale must be a fraction in [0, 0.9], got ${range.scale}`);
  if (!ok(range.elastic, 8)) throw new RangeError(`augment elastic must be a number of pixels in [0, 8], got ${range.elastic}`);
}

/** Uniform in [−max, max] from 32 random bits. */
const symmetric = (rng: Mt19937, max: number): number => max * (2 * (rng.nextUint32() / 0x100000000) - 1);

/**
 * Draws the warp parameters of `count` images into `out` (paramsPerImage(range)·count floats), image by
 * image. Only for ranges that are not shift-only.
 */
export function drawAffine(rng: Mt19937, range: AugmentRange, count: number, out: Float64Array): void {
  const maxTheta = (range.rotate * Math.PI) / 180;
  const stride = paramsPerImage(range);
  for (let b = 0; b < count; b++) {
    const o = b * stride;
    out[o] = symmetric(rng, maxTheta);
    out[o + 1] = 1 + symmetric(rng, range.scale);
    out[o + 2] = symmetric(rng, range.shift);
    out[o + 3] = symmetric(rng, range.shift);
    for (let k = AFFINE_PARAMS; k < stride; k++) out[o + k] = symmetric(rng, range.elastic);
  }
}

const CENTRE = (IMAGE_SIZE - 1) / 2;
const LAST = IMAGE_SIZE - 1;
const CELLS = ELASTIC_GRID - 1;

/** Side of the padded copy of the input: one pixel of background on every side, so the four taps need no checks. */
const PADDED = IMAGE_SIZE + 2;
const padded = new Float32Array(PADDED * PADDED);

/**
 * Where pixel column (or row) t falls on the elastic grid: cell `gridCell[t]` (0 … CELLS−1) at fraction
 * `gridFrac[t]` — the same for every image, so computed once.
 */
const gridCell = new Int32Array(IMAGE_SIZE);
const gridFrac = new Float64Array(IMAGE_SIZE);
for (let t = 0; t < IMAGE_SIZE; t++) {
  const g = (t * CELLS) / LAST;
  gridCell[t] = Math.min(Math.floor(g), CELLS - 1);
  gridFrac[t] = g - gridCell[t];
}
/** The first pixel column (or row) of each grid cell, and after them IMAGE_SIZE: cell k is [cellStart[k], cellStart[k + 1]). */
const cellStart = new Int32Array(CELLS + 1);
for (let k = 0, t = 0; k <= CELLS; k++) {
  while (t < IMAGE_SIZE && gridCell[t] < k) t++;
  cellStart[k] = t;
}
/** One row's elastic displacements at the grid's columns, x then y (interpolated between two grid rows). */
const rowGrid = new Float64Array(2 * ELASTIC_GRID);

/** True when row `y` of `image` has a non-zero pixel in columns [from, to]. */
function rowHasInk(image: Float32Array, y: number, from = 0, to = IMAGE_SIZE - 1): boolean {
  for (let x = from, i = y * IMAGE_SIZE + from; x <= to; x++, i++) if (image[i] !== 0) return true;
  return false;
}

/** True when column `x` of `image` has a non-zero pixel in rows [from, to]. */
function columnHasInk(image: Float32Array, x: number, from: number, to: number): boolean {
  for (let y = from, i = from * IMAGE_SIZE + x; y <= to; y++, i += IMAGE_SIZE) if (image[i] !== 0) return true;
  return false;
}

/**
 * Warps image `image` (PIXELS floats) by the parameters at `params[o…]` (`stride` of them: 4, or with the
 * elastic grid's) into `out`, bilinear, background 0. `out` must not be `image`.
 *
 * It finds the box of the image's non-zero pixels first (scanning in from each side, so a centred digit
 * costs a few hundred reads): a source point a pixel or more outside the box takes only zero taps, so
 * only points inside it are sampled, and their four taps lie in the box widened by one pixel — inside the
 * image unless the box touches its border, when they are read from a zero-bordered copy instead. The
 * elastic field is separable: per row, the two grid rows around it are blended once. Along a row, inside
 * one grid cell, the displacement is linear in x and so is the affine map: the source point is
 * base + slope·x, and a cell whose two end points lie on one side of the box is background throughout.
 */
export function warpImage(image: Float32Array, params: Float64Array, o: number, stride: number, out: Float32Array): void {
  const last = IMAGE_SIZE - 1;
  let top = 0;
  while (top <= last && !rowHasInk(image, top)) top++;
  if (top > last) {
    out.fill(0, 0, PIXELS); // all background, and so is every warp of it
    return;
  }
  let bottom = last;
  while (!rowHasInk(image, bottom)) bottom--;
  let left = 0;
  while (!columnHasInk(image, left, top, bottom)) left++;
  let right = last;
  while (!columnHasInk(image, right, top, bottom)) right--;
  // where the taps are read: the image itself, or the zero-bordered copy when the box touches the border;
  // the tap at whole source coordinates (x, y) ≥ (−1, −1) is src[origin + y·side + x]
  let src = image;
  let side = IMAGE_SIZE;
  let origin = 0;
  if (left === 0 || top === 0 || right === last || bottom === last) {
    for (let y = 0, i = 0, p = PADDED + 1; y < IMAGE_SIZE; y++, p += 2) for (let x = 0; x < IMAGE_SIZE; x++) padded[p++] = image[i++];
    src = padded;
    side = PADDED;
    origin = PADDED + 1;
  }
  const theta = params[o];
  const s = params[o + 1];
  const cos = Math.cos(theta) / s;
  const sin = Math.sin(theta) / s;
  const cx = CENTRE + params[o + 2];
  const cy = CENTRE + params[o + 3];
  const elastic = stride > AFFINE_PARAMS;
  const grid = o + AFFINE_PARAMS;
  // a source point strictly inside these bounds has a non-zero tap; outside them every tap is 0
  const xLow = left - 1;
  const xHigh = right + 1;
  const yLow = top - 1;
  const yHigh = bottom + 1;
  const perPixel = CELLS / LAST; // how far along the grid one pixel is
  for (let y = 0; y < IMAGE_SIZE; y++) {
    const dy = y - cy;
    if (elastic) {
      // this row's displacement at each grid column: the grid rows above and below, blended by fy
      const fy = gridFrac[y];
      const above = grid + 2 * ELASTIC_GRID * gridCell[y];
      const below = above + 2 * ELASTIC_GRID;
      for (let k = 0; k < 2 * ELASTIC_GRID; k++) rowGrid[k] = (1 - fy) * params[above + k] + fy * params[below + k];
    }
    // R(−θ)·(p − c − t)/s + c = (affineX + cos·x, affineY − sin·x)
    const affineX = -cos * cx + sin * dy + CENTRE;
    const affineY = sin * cx + cos * dy + CENTRE;
    const row = y * IMAGE_SIZE;
    for (let k = 0; k < CELLS; k++) {
      // + d(p): in cell k, d = g_k + (x·perPixel − k)(g_k+1 − g_k), this row's grid columns k and k + 1
      let baseX = affineX;
      let baseY = affineY;
      let slopeX = cos;
      let slopeY = -sin;
      if (elastic) {
        const gx = rowGrid[2 * k];
        const gy = rowGrid[2 * k + 1];
        const hx = rowGrid[2 * k + 2] - gx;
        const hy = rowGrid[2 * k + 3] - gy;
        baseX += gx - k * hx;
        baseY += gy - k * hy;
        slopeX += perPixel * hx;
        slopeY += perPixel * hy;
      }
      const from = cellStart[k];
      const to = cellStart[k + 1];
      const xa = baseX + slopeX * from;
      const xb = baseX + slopeX * (to - 1);
      const ya = baseY + slopeY * from;
      const yb = baseY + slopeY * (to - 1);
      if ((xa <= xLow && xb <= xLow) || (xa >= xHigh && xb >= xHigh) || (ya <= yLow && yb <= yLow) || (ya >= yHigh && yb >= yHigh)) {
        for (let x = from; x < to; x++) out[row + x] = 0;
        continue;
      }
      for (let x = from; x < to; x++) {
        const sx = baseX + slopeX * x;
        const sy = baseY + slopeY * x;
        let v = 0;
        if (sx > xLow && sx < xHigh && sy > yLow && sy < yHigh) {
          const x0 = ((sx + 1) | 0) - 1; // floor, as sx > −1
          const y0 = ((sy + 1) | 0) - 1;
          const fx = sx - x0;
          const fy = sy - y0;
          const i = origin + y0 * side + x0;
          const t00 = src[i];
          const t01 = src[i + 1];
          const t10 = src[i + side];
          const t11 = src[i + side + 1];
          const upper = t00 + fx * (t01 - t00);
          const lower = t10 + fx * (t11 - t10);
          v = upper + fy * (lower - upper);
        }
        out[row + x] = v;
      }
    }
  }
}

const scratch = new Float32Array(PIXELS);

/**
 * Seed of the augmentation stream, derived from the run's seed so it differs from the data stream
 * (the Node trainer and the page draw their shifts alike).
 */
export const augmentSeed = (seed: number): number => (seed ^ 0x9e3779b9) >>> 0;

/**
 * Warps images [start, end) of `images` in place by their parameters in `params` (drawAffine with a
 * range of `stride` = paramsPerImage floats per image; image b's at b·stride).
 */
export function warpImages(images: Float32Array, params: Float64Array, stride: number, start: number, end: number): void {
  for (let b = start; b < end; b++) {
    const image = images.subarray(b * PIXELS, (b + 1) * PIXELS);
    warpImage(image, params, b * stride, stride, scratch);
    image.set(scratch);
  }
}

/**
 * Warps the first `count` images of `source` into the same places of `target` (another buffer), image b
 * by params[b·stride …]: warpImages without the copy back, for a part that takes its share of the batch
 * into its own buffer anyway.
 */
export function warpImagesInto(source: Float32Array, params: Float64Array, stride: number, count: number, target: Float32Array): void {
  if (source.buffer === target.buffer) throw new RangeError('warpImagesInto: source and target must be different buffers');
  for (let b = 0; b < count; b++) {
    warpImage(source.subarray(b * PIXELS, (b + 1) * PIXELS), params, b * stride, stride, target.subarray(b * PIXELS, (b + 1) * PIXELS));
  }
}

/** Shifts every image of `batch` in place by a whole-pixel offset in [−maxShift, maxShift]² (the seed's --augment). */
export function shiftBatch(batch: Batch, rng: Mt19937, maxShift: number): void {
  const span = 2 * maxShift + 1;
  for (let b = 0; b < batch.size; b++) {
    const dx = rng.nextInt(span) - maxShift;
    const dy = rng.nextInt(span) - maxShift;
    if (dx === 0 && dy === 0) continue;
    const image = batch.images.subarray(b * PIXELS, (b + 1) * PIXELS);
    scratch.fill(0);
    for (let y = 0; y < IMAGE_SIZE; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= IMAGE_SIZE) continue;
      for (let x = 0; x < IMAGE_SIZE; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < IMAGE_SIZE) scratch[y * IMAGE_SIZE + x] = image[sy * IMAGE_SIZE + sx];
      }
    }
    image.set(scratch);
  }
}
