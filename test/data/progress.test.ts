import { describe, expect, it } from 'vitest';
import { createProgress, formatAmount, formatDuration, formatInteger, renderProgressLine } from '../../src/util/progress.js';

/** A fake stream that records writes; `isTTY` as given. */
function stream(isTTY: boolean): { s: NodeJS.WriteStream; out: string[] } {
  const out: string[] = [];
  const s = { isTTY, columns: 100, write: (chunk: string) => out.push(chunk) > 0 } as unknown as NodeJS.WriteStream;
  return { s, out };
}

describe('progress bar (src/util/progress.ts)', () => {
  it('formats bytes, counts and durations', () => {
    expect(formatAmount(999, 'B')).toBe('999 B');
    expect(formatAmount(9_912_422, 'B')).toBe('9.91 MB');
    expect(formatAmount(12, 'img')).toBe('12 img');
    expect(formatDuration(75)).toBe('1:15');
    expect(formatDuration(3725)).toBe('1:02:05');
    expect(formatDuration(Infinity)).toBe('--:--');
  });

  it('groups an integer\'s digits as toLocaleString(\'en-US\') does', () => {
    for (const n of [0, 7, 999, 1000, 60_000, 1_234_567, -1000, -999, 9_007_199_254_740_991]) {
      expect(formatInteger(n)).toBe(n.toLocaleString('en-US'));
    }
  });

  it('computes a suffix given as a function only when it draws the line', () => {
    const { s, out } = stream(false);
    const p = createProgress({ total: 100, label: 'x', stream: s, now: () => 0 });
    let calls = 0;
    for (let i = 1; i <= 100; i++) p.update(i, () => `call ${++calls}`);
    expect(calls).toBe(9); // the lines at 10% … 90%
    expect(out[0]).toMatch(/ call 1\n$/);
  });

  it('renders bar, percentage, count, rate, ETA and suffix', () => {
    const line = renderProgressLine({ label: 'epoch 1', done: 250, total: 1000, elapsedMs: 1000, unit: 'img', suffix: 'loss 0.31', bar: true });
    expect(line).toBe(`epoch 1 [${'#'.repeat(6)}${'-'.repeat(18)}]  25% 250 img/1000 img 250 img/s ETA 0:03 loss 0.31`);
  });

  it('on a TTY redraws one line, at most ~10 times a second', () => {
    const { s, out } = stream(true);
    let t = 0;
    const p = createProgress({ total: 100, label: 'x', stream: s, now: () => t });
    for (let i = 1; i <= 100; i++) {
      t += 5; // 500 ms in all → about 5 redraws
      p.update(i);
    }
    p.finish('done');
    const draws = out.filter((w) => w.startsWith('\r'));
    expect(draws.length).toBeGreaterThanOrEqual(5);
    expect(draws.length).toBeLessThanOrEqual(7);
    expect(draws.at(-1)).toMatch(/^\rx \[#{24}\] 100% 100\/100 .* done\x1b\[K$/);
    expect(out.at(-1)).toBe('\n');
  });

  it('off a TTY prints a plain line every 10% and at the end', () => {
    const { s, out } = stream(false);
    const p = createProgress({ total: 1000, label: 'file', stream: s, unit: 'B', now: () => 0 });
    for (let i = 0; i <= 1000; i += 7) p.update(i);
    p.update(1000);
    p.finish();
    expect(out).toHaveLength(10); // 10%, 20% … 90%, then the final line
    expect(out.every((line) => line.endsWith('\n') && !line.includes('\r'))).toBe(true);
    expect(out[0]).toMatch(/^file  11% 105 B\/1.00 kB/); // the first update past 10%
    expect(out.at(-1)).toMatch(/^file 100% 1.00 kB\/1.00 kB/);
  });

  it('with an unknown total, off a TTY, prints nothing until finish', () => {
    const { s, out } = stream(false);
    const p = createProgress({ total: 0, label: 'f', stream: s, now: () => 0 });
    p.update(10);
    p.update(20);
    expect(out).toEqual([]);
    p.finish();
    p.finish();
    expect(out).toEqual(['f 20 0:00\n']);
  });
});
