/**
 * EXIF orientation (src/image/orientation.ts): each of the 8 values turns a 3×2 image into what the
 * EXIF 2.3 table says (written out by hand), the tag is read from little- and big-endian EXIF blocks in a
 * real JPEG, `decodeImage` returns the photo upright, and broken metadata counts as "as stored".
 */
import jpeg from 'jpeg-js';
import { describe, expect, test } from 'vitest';
import { decodeImage } from '../../src/image/decode.js';
import { type Orientation, applyOrientation, jpegOrientation } from '../../src/image/orientation.js';

/** Stored pixels a b c / d e f (grey values 1–6). */
const stored = { data: Uint8Array.from([1, 2, 3, 4, 5, 6]), width: 3, height: 2, channels: 1 as const };
const [a, b, c, d, e, f] = [1, 2, 3, 4, 5, 6];

/** An APP1 Exif segment whose first IFD holds the orientation tag (plus one other tag before it). */
function exifSegment(orientation: number, little: boolean): Uint8Array {
  const tiff = new DataView(new ArrayBuffer(8 + 2 + 2 * 12 + 4));
  tiff.setUint16(0, little ? 0x4949 : 0x4d4d);
  tiff.setUint16(2, 42, little);
  tiff.setUint32(4, 8, little);
  tiff.setUint16(8, 2, little); // two entries
  tiff.setUint16(10, 0x010f, little); // Make, ASCII, 4 bytes inline: "Acme"
  tiff.setUint16(12, 2, little);
  tiff.setUint32(14, 4, little);
  [0x41, 0x63, 0x6d, 0x65].forEach((ch, i) => tiff.setUint8(18 + i, ch));
  tiff.setUint16(22, 0x0112, little); // Orientation, SHORT, 1 value
  tiff.setUint16(24, 3, little);
  tiff.setUint32(26, 1, little);
  tiff.setUint16(30, orientation, little);
  const payload = [...Buffer.from('Exif\0\0', 'latin1'), ...new Uint8Array(tiff.buffer)];
  return Uint8Array.from([0xff, 0xe1, (payload.length + 2) >> 8, (payload.length + 2) & 0xff, ...payload]);
}

/** A JPEG of `width`×`height` (left half black, right half white) with `segment` right after SOI. */
function jpegWith(segment: Uint8Array, width = 16, height = 8): Uint8Array {
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.fill(p % width < width / 2 ? 0 : 255, 4 * p, 4 * p + 3).writeUInt8(255, 4 * p + 3);
  const encoded = jpeg.encode({ data, width, height }, 95).data;
  return Uint8Array.from([...encoded.subarray(0, 2), ...segment, ...encoded.subarray(2)]);
}

describe('applyOrientation', () => {
  test.each<[Orientation, string, number[][]]>([
    [1, 'as stored', [[a, b, c], [d, e, f]]],
    [2, 'mirrored left–right', [[c, b, a], [f, e, d]]],
    [3, 'turned 180°', [[f, e, d], [c, b, a]]],
    [4, 'mirrored top–bottom', [[d, e, f], [a, b, c]]],
    [5, 'mirrored along the main diagonal', [[a, d], [b, e], [c, f]]],
    [6, 'turned 90° clockwise', [[d, a], [e, b], [f, c]]],
    [7, 'mirrored left–right, then turned 90° clockwise', [[f, c], [e, b], [d, a]]],
    [8, 'turned 90° counter-clockwise', [[c, f], [b, e], [a, d]]],
  ])('%i (%s)', (orientation, _, rows) => {
    const out = applyOrientation(stored, orientation);
    expect({ width: out.width, height: out.height }).toEqual({ width: rows[0].length, height: rows.length });
    expect(Array.from(out.data)).toEqual(rows.flat());
  });

  test('RGBA keeps each pixel\'s four channels together', () => {
    const rgba = { data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), width: 2, height: 1, channels: 4 as const };
    expect(Array.from(applyOrientation(rgba, 2).data)).toEqual([5, 6, 7, 8, 1, 2, 3, 4]);
  });
});

describe('jpegOrientation and decodeImage', () => {
  test.each([true, false])('every value is read from a real JPEG (little-endian: %s), and the decoded photo is upright', (little) => {
    for (let o = 1; o <= 8; o++) {
      const bytes = jpegWith(exifSegment(o, little));
      expect(jpegOrientation(bytes), `orientation ${o}`).toBe(o);
      const image = decodeImage(bytes, 'photo.jpg');
      expect({ width: image.width, height: image.height }, `orientation ${o}`).toEqual(o >= 5 ? { width: 8, height: 16 } : { width: 16, height: 8 });
      // The stored left half is black: turned 90° clockwise (6) it is the top half, counter-clockwise (8) the bottom.
      const grey = (x: number, y: number): number => image.data[(y * image.width + x) * 4];
      if (o === 6) expect(grey(4, 1) < 40 && grey(4, 14) > 215).toBe(true);
      if (o === 8) expect(grey(4, 1) > 215 && grey(4, 14) < 40).toBe(true);
      if (o === 2) expect(grey(1, 4) > 215 && grey(14, 4) < 40).toBe(true);
    }
  });

  /** `segment` with its length field (which counts itself) set to `length` and cut to match: the EXIF block ends early. */
  const cut = (segment: Uint8Array, length: number): Uint8Array => Uint8Array.from([0xff, 0xe1, 0, length, ...segment.subarray(4, length + 2)]);
  test.each([
    ['no EXIF segment', new Uint8Array(0)],
    ['an orientation out of range (9)', exifSegment(9, true)],
    ['an EXIF segment that ends inside its first IFD', cut(exifSegment(6, true), 30)],
    ['a TIFF header that is neither II nor MM', (() => { const s = exifSegment(6, true); s[10] = 0x58; return s; })()],
  ])('%s: as stored (1), and decoding still works', (_, segment) => {
    const bytes = jpegWith(segment);
    expect(jpegOrientation(bytes)).toBe(1);
    expect(decodeImage(bytes, 'photo.jpg').width).toBe(16);
  });
});
