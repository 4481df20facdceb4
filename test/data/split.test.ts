/** The validation split carved from the training data (src/data/split.ts): stratified, seeded, disjoint. */
import { describe, expect, test } from 'vitest';
import { carveValidation, validationIndices } from '../../src/data/split.js';
import { IMAGE_PIXELS, type Split } from '../../src/data/types.js';

/** `count` images whose first pixel is their index (mod 256) and whose label cycles through `classes`. */
function fakeSplit(count: number, classes = 10): Split {
  const images = new Uint8Array(count * IMAGE_PIXELS);
  const labels = new Uint8Array(count);
  for (let i = 0; i < count; i++) {
    images[i * IMAGE_PIXELS] = i & 0xff;
    images[i * IMAGE_PIXELS + 1] = i >> 8;
    labels[i] = i % classes;
  }
  return { images, labels, count };
}
const idOf = (s: Split, i: number): number => s.images[i * IMAGE_PIXELS] + 256 * s.images[i * IMAGE_PIXELS + 1];

describe('carveValidation', () => {
  const split = fakeSplit(1000);

  test('holds out round(fraction × n) of every class; the parts are disjoint, cover the split and keep its order', () => {
    const { train, validation } = carveValidation(split, { fraction: 0.1, seed: 0 });
    expect(validation.count).toBe(100);
    expect(train.count).toBe(900);
    const perClass = new Array<number>(10).fill(0);
    for (const l of validation.labels) perClass[l]++;
    expect(perClass).toEqual(new Array<number>(10).fill(10));
    const ids = (s: Split): number[] => Array.from({ length: s.count }, (_, i) => idOf(s, i));
    const all = [...ids(train), ...ids(validation)].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (const part of [train, validation]) {
      const list = ids(part);
      expect(list).toEqual([...list].sort((a, b) => a - b));
      list.forEach((id, i) => expect(part.labels[i]).toBe(id % 10));
    }
  });

  test('same seed, same split; another seed, another split', () => {
    const a = validationIndices(split, { fraction: 0.1, seed: 3 });
    expect(validationIndices(split, { fraction: 0.1, seed: 3 })).toEqual(a);
    expect(validationIndices(split, { fraction: 0.1, seed: 4 })).not.toEqual(a);
  });

  test('rejects fractions outside (0, 1), bad seeds and splits that leave a part empty', () => {
    expect(() => carveValidation(split, { fraction: 0, seed: 0 })).toThrow(/fraction must be in \(0, 1\)/);
    expect(() => carveValidation(split, { fraction: 1, seed: 0 })).toThrow(/fraction/);
    expect(() => carveValidation(split, { fraction: 0.1, seed: -1 })).toThrow(/seed/);
    expect(() => carveValidation(fakeSplit(10), { fraction: 0.01, seed: 0 })).toThrow(/leaves no validation images/);
  });
});
