/**
 * Current speed and time left of a training run, from the last few seconds of steps rather than the
 * whole run's average (which V8's WebAssembly warm-up and the test evaluations would skew for minutes).
 */

export interface Progress {
  /** Images per second over the window; 0 until two samples are in. */
  readonly imagesPerSecond: number;
  /** Seconds until `remainingSteps` more steps are done at the window's pace; null until known. */
  readonly etaSeconds: number | null;
}

export class RateMeter {
  private readonly samples: { readonly ms: number; readonly step: number; readonly images: number }[] = [];

  /** `windowMs`: how far back the pace is measured. */
  constructor(private readonly windowMs = 5_000) {}

  reset(): void {
    this.samples.length = 0;
  }

  /** Records that `step` finished at time `ms` with `images` images trained so far in this run. */
  record(ms: number, step: number, images: number): void {
    this.samples.push({ ms, step, images });
    // Keep one sample older than the window, so the window is always fully covered.
    while (this.samples.length > 2 && ms - this.samples[1].ms >= this.windowMs) this.samples.shift();
  }

  progress(remainingSteps: number): Progress {
    const first = this.samples[0];
    const last = this.samples.at(-1);
    if (!first || !last || last.ms <= first.ms || last.step <= first.step) return { imagesPerSecond: 0, etaSeconds: null };
    const seconds = (last.ms - first.ms) / 1000;
    return {
      imagesPerSecond: (last.images - first.images) / seconds,
      etaSeconds: Math.max(0, remainingSteps) * (seconds / (last.step - first.step)),
    };
  }
}

/** "8 s", "1:05", "1:02:03"; "–" when unknown. */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const pad = (n: number): string => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
