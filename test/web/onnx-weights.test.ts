import { readFile, rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { PARAMS, PARAM_NAMES, initParameters } from '../../src/graph/params.js';
import { findInitializers, readInitializers, replaceInitializers } from '../../web/src/onnx-weights.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

/** Bit-for-bit equality of two typed arrays (fast, unlike a deep toEqual over 44k elements). */
const same = (a: Float32Array | Uint8Array | undefined, b: Float32Array | Uint8Array): boolean =>
  a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

let models: ModelFiles;
let model: Uint8Array;

beforeAll(async () => {
  models = await buildFixtureModels(0);
  model = new Uint8Array(await readFile(models.inference));
});

afterAll(async () => {
  if (models) await rm(models.dir, { recursive: true, force: true });
});

describe('onnx-weights', () => {
  test('finds every parameter of lenet.onnx with its size', () => {
    const found = findInitializers(model);
    for (const p of PARAMS) expect(found.get(p.name)?.length, p.name).toBe(p.shape.reduce((a, b) => a * b, 1));
  });

  test('reads back the initial weights the model was built with', () => {
    const read = readInitializers(model, PARAM_NAMES);
    const init = initParameters(0);
    for (const name of PARAM_NAMES) expect(same(read.get(name), init[name]), name).toBe(true);
  });

  test('replaces weights in place: same size, new values, input untouched', () => {
    const before = model.slice();
    const params = initParameters(3);
    const patched = replaceInitializers(model, params);
    expect(patched.length).toBe(model.length);
    expect(same(model, before)).toBe(true);
    const read = readInitializers(patched, PARAM_NAMES);
    for (const name of PARAM_NAMES) expect(same(read.get(name), params[name]), name).toBe(true);
  });

  test('writing the same weights back gives the same bytes', () => {
    expect(same(replaceInitializers(model, initParameters(0)), model)).toBe(true);
  });

  test.each([
    [{ 'conv9.weight': new Float32Array(3) }, "the model has no float32 initializer named 'conv9.weight'"],
    [{ 'fc3.bias': new Float32Array(9) }, "initializer 'fc3.bias' holds 10 values, the replacement 9"],
  ])('rejects %#', (values, message) => {
    expect(() => replaceInitializers(model, values)).toThrow(message);
  });

  test('rejects bytes that are not an ONNX model', () => {
    expect(() => findInitializers(Uint8Array.of(0x3a, 0x7f, 1))).toThrow(RangeError);
  });
});
