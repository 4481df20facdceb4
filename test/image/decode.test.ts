import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { decodeImage, MAX_IMAGE_PIXELS, pngSize } from '../../src/image/decode.js';

/** A 3×2 RGBA image: a grey ramp, opaque. */
function rgba(): { data: Buffer; width: number; height: number } {
  const width = 3, height = 2;
  const data = Buffer.alloc(width * height * 4);
  for (let p = 0; p < width * height; p++) data.fill(p * 40, 4 * p, 4 * p + 3).writeUInt8(255, 4 * p + 3);
  return { data, width, height };
}

describe('decodeImage', () => {
  test('PNG: exact RGBA pixels and size', () => {
    const img = rgba();
    const png = new PNG({ width: img.width, height: img.height });
    img.data.copy(png.data);
    const decoded = decodeImage(PNG.sync.write(png), 'ramp.png');
    expect({ width: decoded.width, height: decoded.height, channels: decoded.channels }).toEqual({ width: 3, height: 2, channels: 4 });
    expect(Array.from(decoded.data)).toEqual(Array.from(img.data));
  });

  test('JPEG: RGBA of the right size', () => {
    const decoded = decodeImage(jpeg.encode(rgba(), 95).data, 'ramp.jpg');
    expect({ width: decoded.width, height: decoded.height, channels: decoded.channels }).toEqual({ width: 3, height: 2, channels: 4 });
    expect(decoded.data).toHaveLength(3 * 2 * 4);
  });

  test.each([
    { label: 'a truncated PNG', bytes: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('x')]), message: /^cannot decode image 'a\.png' \(/ },
    { label: 'text', bytes: Buffer.from('hello, world'), message: /^'a\.png' is not a PNG or JPEG image$/ },
  ])('$label: one error naming the file', ({ bytes, message }) => {
    expect(() => decodeImage(bytes, 'a.png')).toThrow(message);
  });

  test('a PNG of 20000×20000 is refused from its header, before decoding', () => {
    // A real, valid 1×1 PNG with its IHDR width/height rewritten: the pixels are never inflated.
    const png = PNG.sync.write(Object.assign(new PNG({ width: 1, height: 1 }), { data: Buffer.alloc(4, 255) }));
    png.writeUInt32BE(20000, 16);
    png.writeUInt32BE(20000, 20);
    expect(pngSize(png)).toEqual({ width: 20000, height: 20000 });
    const t0 = performance.now();
    expect(() => decodeImage(png, 'huge.png')).toThrow("image 'huge.png' is 20000×20000 pixels (400 MP); predict decodes images up to 36 MP (e.g. 6000×6000); scale it down first");
    expect(performance.now() - t0).toBeLessThan(50);
  });

  test('a JPEG over the same pixel cap is refused in one line', () => {
    const side = Math.ceil(Math.sqrt(MAX_IMAGE_PIXELS)) + 8;
    // A 8×8 JPEG whose frame header (SOF0) claims side×side pixels.
    const bytes = Buffer.from(jpeg.encode({ data: Buffer.alloc(8 * 8 * 4, 200), width: 8, height: 8 }, 90).data);
    const sof = bytes.indexOf(Buffer.from([0xff, 0xc0]));
    bytes.writeUInt16BE(side, sof + 5);
    bytes.writeUInt16BE(side, sof + 7);
    expect(() => decodeImage(bytes, 'huge.jpg')).toThrow(/^image 'huge\.jpg' is larger than 36 MP; predict decodes images up to 36 MP/);
  });
});
