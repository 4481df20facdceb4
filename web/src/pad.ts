/**
 * The drawing pad: a canvas drawn on with pointer events (mouse, pen and touch alike), dark ink on white
 * paper, at a fixed 280×280 backing resolution whatever its size on screen.
 */
import type { PixelImage } from '../../src/image/types.js';

const SIZE = 280;
const INK = '#111418';
const PAPER = '#ffffff';
/** Stroke width in backing pixels: about MNIST's pen relative to a digit filling the pad. */
const BRUSH = 22;

export class DrawingPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private inked = false;

  /** `onChange(final)` runs after every stroke segment; `final` is true when a stroke ends. */
  constructor(private readonly canvas: HTMLCanvasElement, private readonly onChange: (final: boolean) => void) {
    canvas.width = SIZE;
    canvas.height = SIZE;
    const ctx = canvas.getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new Error('this browser cannot draw on a 2D canvas');
    this.ctx = ctx;
    this.clear();
    canvas.addEventListener('pointerdown', (e) => this.down(e));
    canvas.addEventListener('pointermove', (e) => this.move(e));
    for (const type of ['pointerup', 'pointercancel', 'lostpointercapture'] as const) canvas.addEventListener(type, () => this.up());
  }

  get isEmpty(): boolean {
    return !this.inked;
  }

  clear(): void {
    this.ctx.fillStyle = PAPER;
    this.ctx.fillRect(0, 0, SIZE, SIZE);
    this.inked = false;
  }

  /** Shows an image (upload or drop) fitted into the pad, on paper of `paper`'s colour around it. */
  showImage(image: CanvasImageSource & { width: number; height: number }, paper = PAPER): void {
    this.clear();
    this.ctx.fillStyle = paper;
    this.ctx.fillRect(0, 0, SIZE, SIZE);
    const scale = Math.min(SIZE / image.width, SIZE / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    this.ctx.drawImage(image, (SIZE - w) / 2, (SIZE - h) / 2, w, h);
    this.inked = true;
  }

  /** The pad's pixels, RGBA, for the shared preprocessing. */
  pixels(): PixelImage {
    return { data: this.ctx.getImageData(0, 0, SIZE, SIZE).data, width: SIZE, height: SIZE, channels: 4 };
  }

  private position(e: PointerEvent): { x: number; y: number } {
    const rect = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - rect.left) / rect.width) * SIZE, y: ((e.clientY - rect.top) / rect.height) * SIZE };
  }

  private down(e: PointerEvent): void {
    if (e.pointerType === 'mouse' && e.button !== 0) return;
    e.preventDefault();
    this.canvas.setPointerCapture(e.pointerId);
    this.last = this.position(e);
    this.dot(this.last);
    this.onChange(false);
  }

  private move(e: PointerEvent): void {
    if (!this.last) return;
    e.preventDefault();
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const sub of events.length > 0 ? events : [e]) {
      const to = this.position(sub);
      this.segment(this.last, to);
      this.last = to;
    }
    this.onChange(false);
  }

  private up(): void {
    if (!this.last) return;
    this.last = null;
    this.onChange(true);
  }

  /**
   * A round dot where the pen touches down. A zero-length line with round caps draws nothing in
   * Chromium's canvas, so a tap used to leave the pad blank while counting as drawn.
   */
  private dot(at: { x: number; y: number }): void {
    this.ctx.fillStyle = INK;
    this.ctx.beginPath();
    this.ctx.arc(at.x, at.y, BRUSH / 2, 0, 2 * Math.PI);
    this.ctx.fill();
    this.inked = true;
  }

  private segment(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const ctx = this.ctx;
    ctx.strokeStyle = INK;
    ctx.lineWidth = BRUSH;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(from.x, from.y);
    ctx.lineTo(to.x, to.y);
    ctx.stroke();
    this.inked = true;
  }
}
