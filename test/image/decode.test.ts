import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, test } from 'vitest';
import { decodeImage } from '../../src/image/decode.js';

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
});
