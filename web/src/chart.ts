/** The live loss curve: every step's loss (faint) and its exponential moving average (bold). */

const SMOOTHING = 0.9;

export class LossChart {
  private readonly losses: number[] = [];
  private readonly smoothed: number[] = [];
  private pending = false;

  constructor(private readonly canvas: HTMLCanvasElement, private readonly totalSteps: () => number) {
    new ResizeObserver(() => this.schedule()).observe(canvas);
  }

  reset(): void {
    this.losses.length = 0;
    this.smoothed.length = 0;
    this.schedule();
  }

  push(loss: number): void {
    const prev = this.smoothed.at(-1);
    this.losses.push(loss);
    this.smoothed.push(prev === undefined ? loss : SMOOTHING * prev + (1 - SMOOTHING) * loss);
    this.schedule();
  }

  /** Redraws at most once per animation frame. */
  private schedule(): void {
    if (this.pending) return;
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.draw();
    });
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
    const pad = { left: 34, right: 8, top: 8, bottom: 20 };
    const yMax = Math.ceil(Math.max(2.5, ...this.losses.slice(0, 5)) / 0.5) * 0.5;
    const xMax = Math.max(this.totalSteps(), this.losses.length, 1);
    const x = (i: number): number => pad.left + (i / xMax) * (w - pad.left - pad.right);
    const y = (v: number): number => pad.top + (1 - Math.min(v, yMax) / yMax) * (h - pad.top - pad.bottom);
    this.axes(ctx, { w, h, yMax, xMax, x, y });
    ctx.globalAlpha = 0.3;
    this.line(ctx, this.losses, x, y, this.colour('--accent', '#4f46e5'), 1);
    ctx.globalAlpha = 1;
    this.line(ctx, this.smoothed, x, y, this.colour('--accent', '#4f46e5'), 2);
  }

  /** A colour from the page's CSS variables, so the chart follows the light or dark scheme. */
  private colour(name: string, fallback: string): string {
    return getComputedStyle(this.canvas).getPropertyValue(name).trim() || fallback;
  }

  private axes(
    ctx: CanvasRenderingContext2D,
    a: { w: number; h: number; yMax: number; xMax: number; x: (i: number) => number; y: (v: number) => number },
  ): void {
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = this.colour('--muted', '#6b7280');
    ctx.strokeStyle = this.colour('--line', '#e5e7eb');
    ctx.lineWidth = 1;
    for (let v = 0; v <= a.yMax + 1e-9; v += 0.5) {
      ctx.beginPath();
      ctx.moveTo(a.x(0), a.y(v));
      ctx.lineTo(a.x(a.xMax), a.y(v));
      ctx.stroke();
      ctx.fillText(v.toFixed(1), 4, a.y(v) + 4);
    }
    ctx.fillText('0', a.x(0), a.h - 4);
    const label = `${a.xMax} steps`;
    ctx.fillText(label, a.x(a.xMax) - ctx.measureText(label).width, a.h - 4);
  }

  private line(ctx: CanvasRenderingContext2D, values: number[], x: (i: number) => number, y: (v: number) => number, color: string, width: number): void {
    if (values.length === 0) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    values.forEach((v, i) => (i === 0 ? ctx.moveTo(x(i + 1), y(v)) : ctx.lineTo(x(i + 1), y(v))));
    ctx.stroke();
  }
}
