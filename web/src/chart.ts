/**
 * The live training curves, with labelled axes: the loss of every step (faint) with its exponential
 * moving average (bold), and the test accuracy on held-out digits measured every few steps (points).
 * Colours come from the page's CSS variables, so the charts follow the light or dark scheme.
 */

const SMOOTHING = 0.9;

interface Axes {
  readonly xTitle: string;
  readonly yTitle: string;
  /** The y range's top, given the values; the bottom is 0. */
  readonly yMax: (values: readonly number[]) => number;
  readonly yStep: number;
  readonly yTick: (v: number) => string;
}

interface Frame {
  readonly w: number;
  readonly h: number;
  readonly x: (step: number) => number;
  readonly y: (v: number) => number;
}

/** A chart over steps 0…total, redrawn at most once per animation frame. */
abstract class StepChart {
  private pending = false;

  constructor(protected readonly canvas: HTMLCanvasElement, private readonly totalSteps: () => number, private readonly axes: Axes) {
    new ResizeObserver(() => this.schedule()).observe(canvas);
    // Colours are read when drawing: redraw when the system switches between light and dark.
    window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => this.schedule());
  }

  protected abstract get lastStep(): number;
  protected abstract get values(): readonly number[];
  protected abstract plot(ctx: CanvasRenderingContext2D, frame: Frame): void;

  protected schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
  }

  /** A colour from the page's CSS variables. */
  protected colour(name: string, fallback: string): string {
    return getComputedStyle(this.canvas).getPropertyValue(name).trim() || fallback;
  }

  private draw(): void {
    const dpr = window.devicePixelRatio || 1;
    const { clientWidth: w, clientHeight: h } = this.canvas;
    this.canvas.width = Math.max(1, Math.round(w * dpr));
    this.canvas.height = Math.max(1, Math.round(h * dpr));
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const pad = { left: 48, right: 10, top: 8, bottom: 34 };
    const yMax = this.axes.yMax(this.values);
    const xMax = Math.max(this.totalSteps(), this.lastStep, 1);
    const frame: Frame = {
      w, h,
      x: (i) => pad.left + (i / xMax) * (w - pad.left - pad.right),
      y: (v) => pad.top + (1 - Math.min(v, yMax) / yMax) * (h - pad.top - pad.bottom),
    };
    this.drawAxes(ctx, frame, yMax, xMax);
    this.plot(ctx, frame);
  }

  private drawAxes(ctx: CanvasRenderingContext2D, f: Frame, yMax: number, xMax: number): void {
    const muted = this.colour('--muted', '#6b7280');
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = muted;
    ctx.strokeStyle = this.colour('--line', '#e5e7eb');
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    for (let v = 0; v <= yMax + 1e-9; v += this.axes.yStep) {
      ctx.beginPath();
      ctx.moveTo(f.x(0), f.y(v));
      ctx.lineTo(f.x(xMax), f.y(v));
      ctx.stroke();
      ctx.fillText(this.axes.yTick(v), f.x(0) - 4, f.y(v) + 4);
    }
    ctx.textAlign = 'center';
    for (const step of [0, Math.round(xMax / 2), xMax]) ctx.fillText(String(step), Math.min(f.x(step), f.w - 14), f.y(0) + 14);
    ctx.fillText(this.axes.xTitle, (f.x(0) + f.x(xMax)) / 2, f.h - 3);
    ctx.save();
    ctx.translate(11, (f.y(0) + f.y(yMax)) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(this.axes.yTitle, 0, 0);
    ctx.restore();
    ctx.textAlign = 'start';
  }
}

/** The training loss, step by step. */
export class LossChart extends StepChart {
  private readonly losses: number[] = [];
  private readonly smoothed: number[] = [];

  constructor(canvas: HTMLCanvasElement, totalSteps: () => number) {
    super(canvas, totalSteps, {
      xTitle: 'step', yTitle: 'training loss', yStep: 0.5, yTick: (v) => v.toFixed(1),
      yMax: (losses) => Math.ceil(Math.max(2.5, ...losses.slice(0, 5)) / 0.5) * 0.5,
    });
  }

  protected get lastStep(): number { return this.losses.length; }
  protected get values(): readonly number[] { return this.losses; }

  /** Starts over with `losses` (a continued run's history) or nothing. */
  reset(losses: readonly number[] = []): void {
    this.losses.length = 0;
    this.smoothed.length = 0;
    for (const loss of losses) this.add(loss);
    this.schedule();
  }

  push(loss: number): void {
    this.add(loss);
    this.schedule();
  }

  private add(loss: number): void {
    const prev = this.smoothed.at(-1);
    this.losses.push(loss);
    this.smoothed.push(prev === undefined ? loss : SMOOTHING * prev + (1 - SMOOTHING) * loss);
  }

  protected plot(ctx: CanvasRenderingContext2D, f: Frame): void {
    const accent = this.colour('--accent', '#4f46e5');
    ctx.globalAlpha = 0.3;
    line(ctx, this.losses.map((v, i) => [f.x(i + 1), f.y(v)]), accent, 1);
    ctx.globalAlpha = 1;
    line(ctx, this.smoothed.map((v, i) => [f.x(i + 1), f.y(v)]), accent, 2);
  }
}

/** Test accuracy (0…1) on held-out digits at the steps it was measured. */
export class AccuracyChart extends StepChart {
  private points: { step: number; accuracy: number }[] = [];

  constructor(canvas: HTMLCanvasElement, totalSteps: () => number) {
    super(canvas, totalSteps, { xTitle: 'step', yTitle: 'test accuracy', yStep: 0.25, yTick: (v) => `${Math.round(v * 100)}%`, yMax: () => 1 });
  }

  protected get lastStep(): number { return this.points.at(-1)?.step ?? 0; }
  protected get values(): readonly number[] { return this.points.map((p) => p.accuracy); }

  reset(points: readonly { step: number; accuracy: number }[] = []): void {
    this.points = [...points];
    this.schedule();
  }

  push(step: number, accuracy: number): void {
    this.points.push({ step, accuracy });
    this.schedule();
  }

  protected plot(ctx: CanvasRenderingContext2D, f: Frame): void {
    const colour = this.colour('--good', '#047857');
    const xy = this.points.map((p): [number, number] => [f.x(p.step), f.y(p.accuracy)]);
    line(ctx, xy, colour, 2);
    ctx.fillStyle = colour;
    for (const [x, y] of xy) {
      ctx.beginPath();
      ctx.arc(x, y, 3, 0, 2 * Math.PI);
      ctx.fill();
    }
  }
}

function line(ctx: CanvasRenderingContext2D, points: readonly [number, number][], colour: string, width: number): void {
  if (points.length === 0) return;
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.beginPath();
  points.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
  ctx.stroke();
}
