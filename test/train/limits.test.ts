import { describe, expect, it } from 'vitest';
import { checkBatchSize, MAX_BATCH_SIZE } from '../../src/train/limits.js';
import { resolveOptions } from '../../src/train/options.js';

const GB = 2 ** 30;

describe('batch size limit: says what the limit is instead of "Array buffer allocation failed"', () => {
  it('accepts the default and the whole largest training set on a machine with the memory', () => {
    expect(checkBatchSize(64, 2 * GB)).toBe(64);
    expect(checkBatchSize(MAX_BATCH_SIZE, 16 * GB)).toBe(60_000);
  });
  it('rejects 100,000,000 naming the limit', () => {
    expect(() => checkBatchSize(100_000_000, 24 * GB)).toThrow('batch size must be at most 60,000 (the size of the largest training set), got 100,000,000');
    expect(() => resolveOptions({ batchSize: 100_000_000 })).toThrow(/at most 60,000/);
  });
  it('rejects a batch this machine has no memory for, and says what fits', () => {
    expect(() => checkBatchSize(50_000, 2 * GB)).toThrow(/batch size 50,000 needs about 5\.5 GB of memory \(~112 KB per image\) and this machine has 2\.0 GB; use at most 17,\d{3}/);
  });
});
