import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { sessionOptionsFor } from '../../src/runtime/providers.js';
import { boundThreads } from '../../src/runtime/threads.js';

describe('boundThreads: --threads is bounded by what helps, and says why', () => {
  it('keeps a count within the cores and the batch', () => {
    expect(boundThreads(2, { cores: 4, batchSize: 64 })).toEqual({ threads: 2, requested: 2 });
  });
  it('cuts 1000 threads to the cores, naming them', () => {
    const b = boundThreads(1000, { cores: 2, batchSize: 64 });
    expect(b.threads).toBe(2);
    expect(b.reason).toBe('using 2 threads, not 1000: this machine has 2 cores, and more threads than cores only take turns on them');
  });
  it('cuts to the batch size when the batch is smaller than the cores', () => {
    const b = boundThreads(16, { cores: 8, batchSize: 3 });
    expect(b.threads).toBe(3);
    expect(b.reason).toMatch(/a batch of 3 images gives at most 3 threads a share/);
  });
  it('still rejects non-positive counts', () => {
    expect(() => boundThreads(0)).toThrow('threads must be an integer ≥ 1, got 0');
  });
  it('session options never ask ONNX Runtime for more intra-op threads than cores', () => {
    expect(sessionOptionsFor('cpu', { threads: 1000 }).intraOpNumThreads).toBe(availableParallelism());
  });
});
