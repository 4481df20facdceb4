/**
 * Decoding PNG and JPEG files to RGBA pixels, for `onnx-lenet predict`, JPEGs turned upright by their
 * EXIF orientation (orientation.ts). Node only (pngjs, jpeg-js and `Buffer`); the browser page gets its
 * pixels from a canvas instead, so it never imports this file.
 *
 * Both formats are capped at {@link MAX_IMAGE_PIXELS} before any pixel is decoded: a 439 KB PNG of
 * 20000×20000 took 21 s and 4.8 GB to decode, a 3.6 MB one reached 7.1 GB before failing. PNG's size is
 * in its header (IHDR: width and height at bytes 16–23); jpeg-js checks its own frame header.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { MAX_IMAGE_PIXELS, megapixels as mp } from './limits.js';
import { applyOrientation, jpegOrientation } from './orientation.js';
import type { PixelImage } from './types.js';

export { MAX_IMAGE_PIXELS } from './limits.js';

const isPng = (b: Uint8Array): boolean => b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47;
const isJpeg = (b: Uint8Array): boolean => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff;

const LIMIT = `predict decodes images up to ${mp(MAX_IMAGE_PIXELS)} (e.g. 6000×6000); scale it down first`;

/** Width and height from a PNG's IHDR chunk (the first chunk, right after the 8-byte signature). */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (bytes.length < 24 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** Decodes PNG or JPEG bytes to RGBA; the error names the file. */
export function decodeImage(bytes: Uint8Array, file: string): PixelImage {
  if (isPng(bytes)) {
    const size = pngSize(bytes);
    if (size && size.width * size.height > MAX_IMAGE_PIXELS) {
      throw new Error(`image '${file}' is ${size.width}×${size.height} pixels (${mp(size.width * size.height)}); ${LIMIT}`);
    }
  }
  try {
    if (isPng(bytes)) {
      const png = PNG.sync.read(Buffer.from(bytes));
      return { data: new Uint8Array(png.data), width: png.width, height: png.height, channels: 4 };
    }
    if (isJpeg(bytes)) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
      // turned as its EXIF orientation says, as a browser shows it (and the page reads an upload)
      return applyOrientation({ data: img.data, width: img.width, height: img.height, channels: 4 }, jpegOrientation(bytes));
    }
  } catch (error) {
    const message = (error as Error).message;
    if (/maxResolutionInMP|maxMemoryUsageInMB/.test(message)) throw new Error(`image '${file}' is larger than ${mp(MAX_IMAGE_PIXELS)}; ${LIMIT}`);
    throw new Error(`cannot decode image '${file}' (${message})`);
  }
  throw new Error(`'${file}' is not a PNG or JPEG image`);
}
