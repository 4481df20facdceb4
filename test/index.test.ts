/** The package's public API (src/index.ts): the library functions the CLI calls, and the graph builder. */
import { describe, expect, test } from 'vitest';
import * as api from '../src/index.js';

describe('src/index.ts', () => {
  test.each(['train', 'evaluate', 'predict', 'buildGraphs', 'adamScalars', 'loadDataset', 'runDoctor', 'setupCuda', 'startServer', 'parseExecutionProvider'])(
    '%s is a function', (name) => {
      expect(typeof (api as Record<string, unknown>)[name]).toBe('function');
    });

  test('contract names, provider names and the graph builder', () => {
    expect([api.IMAGE, api.LOGITS, api.PROBABILITIES, api.LABEL, api.LOSS, api.CORRECT]).toEqual(['image', 'logits', 'probabilities', 'label', 'loss', 'correct']);
    expect(api.EXECUTION_PROVIDERS).toEqual(['cpu', 'cuda', 'webgpu']);
    const tape = new api.Tape('t');
    tape.output(tape.input('x', 'float32', [1]), 'x');
    expect(api.checkPortable(tape.toModel())).toEqual([]);
  });
});
