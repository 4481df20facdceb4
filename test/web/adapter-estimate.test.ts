/** Issue 15, item 9: telling a software WebGPU adapter from a hardware one, and the run's time left. */
import { describe, expect, test } from 'vitest';
import { isSoftwareAdapter, softwareAdapterWarning, summarizeAdapter } from '../../web/src/adapter.js';
import { formatDuration, secondsLeft } from '../../web/src/run-estimate.js';

describe('adapter.ts', () => {
  test.each([
    [{ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }, true], // Chromium's SwiftShader
    [{ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }, true],
    [{ vendor: 'mesa', description: 'lavapipe' }, true],
    [{ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }, true],
    [{ vendor: 'nvidia', architecture: 'ampere', isFallbackAdapter: true }, true], // the browser says so
    [{ vendor: 'nvidia', architecture: 'ampere', device: '', description: '' }, false],
    [{ vendor: 'apple', architecture: 'metal-3' }, false],
    [{ vendor: 'intel', architecture: 'gen-12lp' }, false],
    [{}, false],
  ])('%j → software %s', (info, software) => {
    expect(isSoftwareAdapter(info)).toBe(software);
  });

  test('the summary names the adapter and the warning recommends WASM', () => {
    const swiftshader = summarizeAdapter({ vendor: 'google', architecture: 'swiftshader' });
    expect(swiftshader).toEqual({ name: 'google swiftshader', software: true });
    expect(softwareAdapterWarning(swiftshader)).toMatch(/^WebGPU here is a software adapter \(google swiftshader: .*\. Choose WASM\.$/);
    expect(summarizeAdapter({ description: 'llvmpipe' }).name).toBe('llvmpipe');
    expect(summarizeAdapter({}).name).toBe('unknown adapter');
  });
});

describe('run-estimate.ts', () => {
  test('time left is the remaining images at the rate so far', () => {
    expect(secondsLeft(100, 64, 17)).toBeCloseTo(376.47, 2); // 375 steps at SwiftShader's ~17 images/s: minutes
    expect(secondsLeft(0, 64, 17)).toBe(0);
    expect(secondsLeft(-3, 64, 17)).toBe(0);
    expect(secondsLeft(10, 64, 0)).toBe(Infinity);
  });

  test.each([
    [0, '0 s'], [0.2, '1 s'], [59, '59 s'], [60, '1 min 00 s'], [376.47, '6 min 17 s'], [3599.5, '1 h 00 min'], [7500, '2 h 05 min'],
    [Infinity, '–'], [Number.NaN, '–'], [-1, '–'],
  ])('%s s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });
});
