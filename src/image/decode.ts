/**
 * Decoding PNG and JPEG files to RGBA pixels, for `onnx-lenet predict`. Node only (pngjs, jpeg-js and
 * `Buffer`); the browser page gets its pixels from a canvas instead, so it never imports this file.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { PixelImage } from './types.js';

const isPng = (b: Uint8Array): boolean => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array): boolean => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

/** Decodes PNG or JPEG bytes to RGBA; the error names the file. */
export function decodeImage(bytes: Uint8Array, file: string): PixelImage {
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes));
      return { data: new Uint8Array(png.data), width: png.width, height: png.height, channels: 4 };
    }
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 256 });
      return { data: img.data, width: img.width, height: img.height, channels: 4 };
    }
  } catch (error) {
    throw new Error(`cannot decode image '${file}' (${(error as Error).message})`);
  }
  throw new Error(`'${file}' is not a PNG or JPEG image`);
}
