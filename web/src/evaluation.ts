/**
 * What a trained model gets right and wrong on the held-out digits: every prediction, the confusion
 * matrix and per-class accuracy (src/infer/confusion.ts, as `onnx-lenet eval` computes them).
 */
import { type Confusion, type ConfusionSummary, emptyConfusion, summariseConfusion } from '../../src/infer/confusion.js';
import { argmax, type Classifier } from './classifier.js';

export interface Evaluation extends ConfusionSummary {
  /** The predicted digit of every image, in order. */
  readonly predictions: Uint8Array;
  /** confusion[true][predicted] */
  readonly confusion: Confusion;
}

/** Runs `labels.length` images (784 floats each) through `classifier`, `batch` at a time. */
export async function evaluate(classifier: Classifier, images: Float32Array, labels: Uint8Array, batch = 500): Promise<Evaluation> {
  const predictions = new Uint8Array(labels.length);
  const confusion = emptyConfusion();
  for (let start = 0; start < labels.length; start += batch) {
    const n = Math.min(batch, labels.length - start);
    const { probabilities } = await classifier.run(images.subarray(start * 784, (start + n) * 784), n);
    for (let i = 0; i < n; i++) {
      predictions[start + i] = argmax(probabilities, i);
      confusion[labels[start + i]][predictions[start + i]]++;
    }
  }
  return { ...summariseConfusion(confusion), predictions, confusion };
}
