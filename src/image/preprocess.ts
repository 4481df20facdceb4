/**
 * The one MNIST-style preprocessing, shared by the browser page and `onnx-lenet predict`:
 *
 *   pixels (RGBA or grey, any size) → grey → invert if dark ink on a light background (decided from the
 *   border) → contrast stretch → bounding box of the ink → scale to fit 20×20 keeping the aspect ratio
 *   (area averaging / bilinear) → place into 28×28 so the centre of mass sits at the centre → [0,1].
 *
 * This is how MNIST itself was made (NIST digits size-normalised to 20×20, centred by centre of mass in
 * 28×28). Pure functions: no DOM, no Node APIs.
 */
import { resize } from './resample.js';
import type { Box, GreyImage, PixelImage, PreprocessOptions, Preprocessed } from './types.js';

export type { Box, GreyImage, PixelImage, PreprocessOptions, Preprocessed } from './types.js';

const DEFAULTS = { fit: 20, size: 28, threshold: 0.1 } as const;
/** Below this spread between background and brightest ink the image counts as empty. */
const MIN_CONTRAST = 0.05;

/** Runs the whole pipeline; an image without ink gives all zeros and `box: null`. */
export function preprocess(image: PixelImage, options: PreprocessOptions = {}): Preprocessed {
  const fit = options.fit ?? DEFAULTS.fit;
  const size = options.size ?? DEFAULTS.size;
  const threshold = options.threshold ?? DEFAULTS.threshold;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`size must be an integer ≥ 1, got ${size}`);
  if (!Number.isInteger(fit) || fit < 1 || fit > size) {
    throw new RangeError(`fit must be an integer in [1, size=${size}], got ${fit}`);
  }
  const grey = toGrey(image);
  const inverted = isLightBackground(grey);
  const ink = stretch(inverted ? invert(grey) : grey);
  const box = ink === null ? null : inkBox(ink, threshold);
  if (ink === null || box === null) return { pixels: new Float32Array(size * size), inverted, box: null };
  const patch = fitInto(crop(ink, box), fit);
  return { pixels: placeByCentreOfMass(patch, size), inverted, box };
}

/** RGBA or grey bytes → grey in [0,1]; transparent RGBA pixels are composited over white (paper). */
export function toGrey(image: PixelImage): GreyImage {
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || width < 1 || !Number.isInteger(height) || height < 1) {
    throw new RangeError(`image size must be positive integers, got ${width}×${height}`);
  }
  if (channels !== 1 && channels !== 4) throw new RangeError(`channels must be 1 or 4, got ${String(channels)}`);
  const n = width * height;
  if (data.length !== n * channels) {
    throw new RangeError(`pixel buffer holds ${data.length} values, expected ${width}·${height}·${channels} = ${n * channels}`);
  }
  const out = new Float32Array(n);
  if (channels === 1) {
    for (let i = 0; i < n; i++) out[i] = data[i] / 255;
  } else {
    for (let i = 0; i < n; i++) {
      const alpha = data[4 * i + 3] / 255;
      const luma = (0.299 * data[4 * i] + 0.587 * data[4 * i + 1] + 0.114 * data[4 * i + 2]) / 255;
      out[i] = alpha * luma + (1 - alpha);
    }
  }
  return { data: out, width, height };
}

/** The values along the image's outer edge (each pixel once). */
export function borderValues(image: GreyImage): number[] {
  const { width: w, height: h, data } = image;
  const values: number[] = [];
  for (let x = 0; x < w; x++) {
    values.push(data[x]);
    if (h > 1) values.push(data[(h - 1) * w + x]);
  }
  for (let y = 1; y < h - 1; y++) {
    values.push(data[y * w]);
    if (w > 1) values.push(data[y * w + w - 1]);
  }
  return values;
}

/** A light border (mean > ½) means dark ink on paper: the image must be inverted. */
export function isLightBackground(image: GreyImage): boolean {
  const border = borderValues(image);
  return border.reduce((a, b) => a + b, 0) / border.length > 0.5;
}

export function invert(image: GreyImage): GreyImage {
  return { ...image, data: image.data.map((v) => 1 - v) };
}

/**
 * Maps the background level (median of the border) to 0 and the brightest ink to 1, clamping below;
 * null when the two are closer than {@link MIN_CONTRAST} (no ink).
 */
export function stretch(image: GreyImage): GreyImage | null {
  const background = median(borderValues(image));
  let max = -Infinity;
  for (const v of image.data) max = Math.max(max, v);
  const range = max - background;
  if (!(range >= MIN_CONTRAST)) return null;
  return { ...image, data: image.data.map((v) => Math.min(1, Math.max(0, (v - background) / range))) };
}

/** Bounding box of the pixels above `threshold`, or null when there are none. */
export function inkBox(image: GreyImage, threshold: number): Box | null {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      if (image.data[y * image.width + x] <= threshold) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

export function crop(image: GreyImage, box: Box): GreyImage {
  const width = box.x1 - box.x0;
  const height = box.y1 - box.y0;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const from = (box.y0 + y) * image.width + box.x0;
    data.set(image.data.subarray(from, from + width), y * width);
  }
  return { data, width, height };
}

/** Scales so the longer side equals `fit`, keeping the aspect ratio (the shorter side rounds, ≥ 1). */
export function fitInto(image: GreyImage, fit: number): GreyImage {
  const scale = fit / Math.max(image.width, image.height);
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  return resize(image, width, height);
}

/** Centre of mass in continuous coordinates (pixel i spans [i, i+1)); the image centre when empty. */
export function centreOfMass(image: GreyImage): { x: number; y: number } {
  let mass = 0, sx = 0, sy = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const v = image.data[y * image.width + x];
      mass += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return mass > 0 ? { x: sx / mass, y: sy / mass } : { x: image.width / 2, y: image.height / 2 };
}

/**
 * Pastes `patch` into a `size × size` black image at the whole-pixel offset that brings its centre of
 * mass closest to pixel index size/2 (MNIST's convention: index 14, i.e. 14.5 in continuous
 * coordinates), shifted only as far as keeps every pixel inside.
 */
export function placeByCentreOfMass(patch: GreyImage, size: number): Float32Array {
  const com = centreOfMass(patch);
  const ox = clamp(Math.round(size / 2 + 0.5 - com.x), 0, size - patch.width);
  const oy = clamp(Math.round(size / 2 + 0.5 - com.y), 0, size - patch.height);
  const out = new Float32Array(size * size);
  for (let y = 0; y < patch.height; y++) {
    for (let x = 0; x < patch.width; x++) {
      out[(oy + y) * size + ox + x] = Math.min(1, Math.max(0, patch.data[y * patch.width + x]));
    }
  }
  return out;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
