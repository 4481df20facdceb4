/** Issue 15, item 9: telling a software WebGPU adapter from a hardware one (the time left is eta.ts, tested in studio-units). */
import { describe, expect, test } from 'vitest';
import { isSoftwareAdapter, softwareAdapterWarning, summarizeAdapter } from '../../web/src/adapter.js';

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
