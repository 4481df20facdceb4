/**
 * Uploaded and dropped images, read the way `onnx-lenet predict` reads a file: every pixel at the
 * image's own size goes into the shared preprocessing (src/image/preprocess.ts); the pad only shows
 * the image. The pad used to be the model's input too, and fitting a 1200×900 photo into the square
 * pad left white bands above and below it: the preprocessing takes the border for the paper, so the
 * grey paper of the photo became ink and a dark 4 read 7 (issue 15, item 4).
 */
import { MAX_IMAGE_PIXELS, megapixels } from '../../src/image/limits.js';
import { preprocess, type PixelImage, type Preprocessed } from '../../src/image/preprocess.js';

export interface Upload {
  /** The model's input, from the full-size image. */
  readonly preprocessed: Preprocessed;
  /** For the pad to show (the caller closes it). */
  readonly bitmap: ImageBitmap;
  /** The mean colour of the image's edge, as CSS: the pad's paper around the fitted image. */
  readonly paper: string;
}

/** Decodes `file` and preprocesses it at full size; throws a one-line reason when it cannot. */
export async function readUpload(file: Blob): Promise<Upload> {
  // The bytes as the file holds them, as pngjs and jpeg-js give them to `predict`: no colour management,
  // no premultiplied alpha. (The browser applies a JPEG's EXIF orientation, as `predict` does: src/image/orientation.ts.)
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const { width, height } = bitmap;
  if (width * height > MAX_IMAGE_PIXELS) {
    bitmap.close();
    throw new Error(`it is ${width}×${height} pixels (${megapixels(width * height)}); the page reads images up to ${megapixels(MAX_IMAGE_PIXELS)} (e.g. 6000×6000), as predict does: scale it down first`);
  }
  const pixels = imagePixels(bitmap);
  return { preprocessed: preprocess(pixels), bitmap, paper: edgeColour(pixels) };
}

function imagePixels(bitmap: ImageBitmap): PixelImage {
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('this browser cannot read pixels from a 2D canvas');
  ctx.drawImage(bitmap, 0, 0);
  return { data: ctx.getImageData(0, 0, width, height).data, width, height, channels: 4 };
}

/** The mean of the edge pixels (transparent ones over white, as the preprocessing sees them). */
export function edgeColour(image: PixelImage): string {
  const { data, width: w, height: h } = image;
  const sum = [0, 0, 0];
  let n = 0;
  const add = (x: number, y: number): void => {
    const i = 4 * (y * w + x);
    const alpha = data[i + 3] / 255;
    for (let c = 0; c < 3; c++) sum[c] += alpha * data[i + c] + (1 - alpha) * 255;
    n++;
  };
  for (let x = 0; x < w; x++) {
    add(x, 0);
    if (h > 1) add(x, h - 1);
  }
  for (let y = 1; y < h - 1; y++) {
    add(0, y);
    if (w > 1) add(w - 1, y);
  }
  const [r, g, b] = sum.map((v) => Math.round(v / n));
  return `rgb(${r} ${g} ${b})`;
}
