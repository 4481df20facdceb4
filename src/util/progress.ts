/**
 * A small dependency-free progress bar.
 *
 * On a TTY it redraws one line (bar, count, rate, ETA, suffix) at most ~10 times a second. On anything
 * else (a log file, CI) it prints a plain line each time another 10% is done, so logs stay readable;
 * with an unknown total (0) it prints nothing until `finish`.
 */

export interface ProgressOptions {
  /** Units of work in all; 0 or less means unknown (no bar, no ETA). */
  total: number;
  /** Printed first on the line, e.g. a file name or `epoch 3`. */
  label: string;
  /** Where to draw (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** Unit name; 'B' formats counts as bytes (kB, MB). Default: none. */
  unit?: string;
  /** Clock in ms, for tests (default performance.now). */
  now?: () => number;
}

export interface Progress {
  /**
   * Reports `done` units of work so far, with an optional text after the figures; a function is only
   * called when the line is drawn (a training step reports every few milliseconds, the line changes ~10 times a second).
   */
  update(done: number, suffix?: string | (() => string)): void;
  /** Draws the final state and ends the line. */
  finish(suffix?: string): void;
}

const BAR_WIDTH = 24;
const REDRAW_MS = 100;

/** Formats a count in the given unit: bytes get kB/MB/GB, anything else a plain number. */
export function formatAmount(n: number, unit?: string): string {
  if (unit === 'B') {
    if (n < 1000) return `${Math.round(n)} B`;
    const units = ['kB', 'MB', 'GB'];
    let value = n / 1000;
    let i = 0;
    while (value >= 1000 && i < units.length - 1) {
      value /= 1000;
      i++;
    }
    return `${value.toFixed(value < 10 ? 2 : 1)} ${units[i]}`;
  }
  const plain = Number.isInteger(n) ? String(n) : n.toFixed(1);
  return unit === undefined || unit === '' ? plain : `${plain} ${unit}`;
}

/**
 * An integer with thousands separators, `60,000`: what `toLocaleString('en-US')` gives, without loading
 * ICU's number formatting (~30 ms of CPU the first time, before a training run's first step).
 */
export function formatInteger(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  const digits = String(Math.abs(n)).replace(/\B(?=(\d{3})+$)/g, ',');
  return n < 0 ? `-${digits}` : digits;
}

/** Formats seconds as `m:ss` (or `h:mm:ss`). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** The text of one progress line (without control characters). */
export function renderProgressLine(state: { label: string; done: number; total: number; elapsedMs: number; unit?: string; suffix?: string; bar: boolean }): string {
  const { label, done, total, elapsedMs, unit } = state;
  const known = total > 0;
  const fraction = known ? Math.min(1, Math.max(0, done / total)) : 0;
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts = [label];
  if (known && state.bar) {
    const filled = Math.round(fraction * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`);
  }
  if (known) parts.push(`${(fraction * 100).toFixed(0).padStart(3)}%`);
  parts.push(known ? `${formatAmount(done, unit)}/${formatAmount(total, unit)}` : formatAmount(done, unit));
  if (rate > 0) parts.push(`${formatAmount(rate, unit)}/s`);
  if (known && rate > 0 && done < total) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
  if (!known || done >= total) parts.push(formatDuration(elapsedMs / 1000));
  if (state.suffix !== undefined && state.suffix !== '') parts.push(state.suffix);
  return parts.join(' ');
}

/** Creates a progress reporter; see the file header for TTY and non-TTY behaviour. */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  const now = options.now ?? (() => performance.now());
  const tty = stream.isTTY === true;
  const start = now();
  let lastDraw = -Infinity;
  let lastDecile = 0;
  let done = 0;
  let finished = false;
  const line = (suffix: string | undefined): string =>
    renderProgressLine({ label: options.label, done, total: options.total, elapsedMs: now() - start, unit: options.unit, suffix, bar: tty });
  const draw = (suffix: string | undefined): void => {
    if (tty) {
      const width = stream.columns > 0 ? stream.columns - 1 : 79;
      stream.write(`\r${line(suffix).slice(0, width)}\x1b[K`);
    } else {
      stream.write(`${line(suffix)}\n`);
    }
  };
  return {
    update(value: number, suffix?: string | (() => string)): void {
      if (finished) return;
      done = value;
      const text = (): string | undefined => (typeof suffix === 'function' ? suffix() : suffix);
      if (tty) {
        const t = now();
        if (t - lastDraw < REDRAW_MS) return;
        lastDraw = t;
        draw(text());
      } else if (options.total > 0) {
        const decile = Math.floor((10 * done) / options.total);
        if (decile > lastDecile && done < options.total) {
          lastDecile = decile;
          draw(text());
        }
      }
    },
    finish(suffix?: string): void {
      if (finished) return;
      finished = true;
      draw(suffix);
      if (tty) stream.write('\n');
    },
  };
}
