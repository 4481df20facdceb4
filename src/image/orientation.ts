/**
 * A JPEG's EXIF orientation (tag 0x0112 of the first IFD in its APP1 "Exif" segment), and the pixel
 * transform it asks for. Cameras and phones store the sensor's pixels as they came and record how to turn
 * them; browsers apply it when they draw an image, so `predict` must too to read a photo as the page does.
 *
 * Orientation values (EXIF 2.3, tag 274): 1 as stored; 2 mirrored left–right; 3 turned 180°; 4 mirrored
 * top–bottom; 5 mirrored along the main diagonal (transposed); 6 turned 90° clockwise; 7 mirrored along
 * the other diagonal; 8 turned 90° counter-clockwise. Anything unreadable counts as 1: a photo is never
 * refused for its metadata.
 */
import type { PixelImage } from './types.js';

export type Orientation = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;

const ORIENTATION_TAG = 0x0112;
const EXIF_HEADER = [0x45, 0x78, 0x69, 0x66, 0, 0]; // "Exif\0\0"

/** The EXIF orientation of JPEG `bytes`, 1 when there is none or it cannot be read. */
export function jpegOrientation(bytes: Uint8Array): Orientation {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Segments after SOI (FF D8): FF, marker, 2-byte big-endian length (including itself), payload.
  for (let at = 2; at + 4 <= bytes.length && bytes[at] === 0xff;) {
    const marker = bytes[at + 1];
    if (marker === 0xda || marker === 0xd9) break; // start of scan / end of image: no metadata after
    const length = view.getUint16(at + 2);
    if (length < 2) break;
    const start = at + 4;
    const end = Math.min(at + 2 + length, bytes.length);
    if (marker === 0xe1 && EXIF_HEADER.every((b, i) => bytes[start + i] === b)) return tiffOrientation(view, start + EXIF_HEADER.length, end);
    at += 2 + length;
  }
  return 1;
}

/** The orientation tag of the TIFF structure at [tiff, end) of `view`, 1 when absent or malformed. */
function tiffOrientation(view: DataView, tiff: number, end: number): Orientation {
  if (tiff + 8 > end) return 1;
  const order = view.getUint16(tiff);
  if (order !== 0x4949 && order !== 0x4d4d) return 1; // "II" little-endian, "MM" big-endian
  const little = order === 0x4949;
  const u16 = (at: number): number => view.getUint16(at, little);
  if (u16(tiff + 2) !== 42) return 1;
  const ifd = tiff + view.getUint32(tiff + 4, little);
  if (ifd + 2 > end) return 1;
  const entries = u16(ifd);
  for (let k = 0; k < entries; k++) {
    const entry = ifd + 2 + 12 * k;
    if (entry + 12 > end) return 1;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    const value = u16(entry + 2) === 3 ? u16(entry + 8) : 0; // type 3: SHORT, stored in the value field
    return value >= 1 && value <= 8 ? (value as Orientation) : 1;
  }
  return 1;
}

/** `image` turned and mirrored as `orientation` says, so that it looks as a browser shows it. */
export function applyOrientation(image: PixelImage, orientation: Orientation): PixelImage {
  if (orientation === 1) return image;
  const { width: w, height: h, channels: c, data } = image;
  const swap = orientation >= 5; // 5–8 turn a quarter (or mirror along a diagonal): width and height trade places
  const [outW, outH] = swap ? [h, w] : [w, h];
  // Where output pixel (x, y) comes from in the stored image.
  const source: (x: number, y: number) => [number, number] = {
    2: (x: number, y: number): [number, number] => [w - 1 - x, y],
    3: (x: number, y: number): [number, number] => [w - 1 - x, h - 1 - y],
    4: (x: number, y: number): [number, number] => [x, h - 1 - y],
    5: (x: number, y: number): [number, number] => [y, x],
    6: (x: number, y: number): [number, number] => [y, h - 1 - x],
    7: (x: number, y: number): [number, number] => [w - 1 - y, h - 1 - x],
    8: (x: number, y: number): [number, number] => [w - 1 - y, x],
  }[orientation];
  const out = new Uint8Array(outW * outH * c);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      const [sx, sy] = source(x, y);
      const from = (sy * w + sx) * c;
      const to = (y * outW + x) * c;
      for (let k = 0; k < c; k++) out[to + k] = data[from + k];
    }
  }
  return { data: out, width: outW, height: outH, channels: c };
}
