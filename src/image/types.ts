/**
 * Types of the shared MNIST-style preprocessing. Pure data, no DOM and no Node APIs, so the browser page
 * imports the compiled JavaScript as it is.
 */

/** A pixel buffer of any size: `channels` = 1 (grey) or 4 (RGBA, as a canvas's `ImageData` gives it). */
export interface PixelImage {
  /** Row-major bytes (0–255), `width · height · channels` of them. */
  readonly data: ArrayLike<number>;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 4;
}

/** A single-channel float image, row-major. */
export interface GreyImage {
  readonly data: Float32Array;
  readonly width: number;
  readonly height: number;
}

/** Inclusive-exclusive bounding box: columns [x0, x1), rows [y0, y1). */
export interface Box {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

export interface PreprocessOptions {
  /** Side of the square the ink is scaled to fit (MNIST: 20). */
  readonly fit?: number;
  /** Side of the output image (MNIST: 28). */
  readonly size?: number;
  /** Ink level (0–1, after contrast stretch) above which a pixel counts for the bounding box. */
  readonly threshold?: number;
}

export interface Preprocessed {
  /** `size · size` values in [0,1], white ink on black, as the model expects. */
  readonly pixels: Float32Array;
  /** Whether the input was dark ink on a light background and was inverted. */
  readonly inverted: boolean;
  /** The ink's bounding box in the input image, or null when the image holds no ink. */
  readonly box: Box | null;
}
