/** The inference model behind the drawing pad: `image` [N,1,28,28] in [0,1] → `probabilities` [N,10]. */
import { type Backend, createSession, ort } from './runtime.js';

export interface Prediction {
  readonly digit: number;
  readonly probabilities: Float32Array;
  readonly logits: Float32Array;
  /** Wall time of `session.run` in milliseconds. */
  readonly ms: number;
}

export class Classifier {
  private constructor(
    private readonly session: ort.InferenceSession,
    readonly backend: Backend,
    /** The ONNX bytes this classifier runs (kept to rebuild it on another backend). */
    readonly model: Uint8Array,
  ) {}

  static async create(model: Uint8Array, backend: Backend): Promise<Classifier> {
    return new Classifier(await createSession(model, backend), backend, model);
  }

  /** Runs one 28×28 image. */
  async classify(pixels: Float32Array): Promise<Prediction> {
    const start = performance.now();
    const { logits, probabilities } = await this.run(pixels, 1);
    const ms = performance.now() - start;
    return { digit: argmax(probabilities, 0), probabilities, logits, ms };
  }

  /** Runs `count` images (count·784 floats); returns logits and probabilities, [count,10] each. */
  async run(images: Float32Array, count: number): Promise<{ logits: Float32Array; probabilities: Float32Array }> {
    const image = new ort.Tensor('float32', images, [count, 1, 28, 28]);
    const out = await this.session.run({ image });
    const logits = (await out.logits.getData()) as Float32Array;
    const probabilities = (await out.probabilities.getData()) as Float32Array;
    out.logits.dispose();
    out.probabilities.dispose();
    return { logits, probabilities };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Index of the largest of the 10 values in row `row` of a [N,10] array. */
export function argmax(values: Float32Array, row: number): number {
  let best = 0;
  for (let k = 1; k < 10; k++) if (values[row * 10 + k] > values[row * 10 + best]) best = k;
  return best;
}

