/**
 * The confusion matrix and what is read from it (per-class accuracy, overall accuracy): shared by
 * `onnx-lenet eval` and the page's end-of-training evaluation. Pure code: the page loads this file too.
 */
import { CLASSES } from '../graph/contract.js';

/** confusion[true][predicted]: counts. */
export type Confusion = number[][];

export interface ClassAccuracy {
  readonly label: number;
  readonly correct: number;
  readonly count: number;
  /** NaN for a class with no examples. */
  readonly accuracy: number;
}

export interface ConfusionSummary {
  readonly count: number;
  readonly correct: number;
  readonly accuracy: number;
  readonly perClass: readonly ClassAccuracy[];
}

export function emptyConfusion(classes = CLASSES): Confusion {
  return Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
}

/** Per-class and overall accuracy from a confusion matrix. */
export function summariseConfusion(confusion: readonly (readonly number[])[]): ConfusionSummary {
  const perClass = confusion.map((row, label) => {
    const count = row.reduce((a, b) => a + b, 0);
    return { label, correct: row[label], count, accuracy: count ? row[label] / count : NaN };
  });
  const correct = perClass.reduce((a, c) => a + c.correct, 0);
  const count = perClass.reduce((a, c) => a + c.count, 0);
  return { count, correct, accuracy: count ? correct / count : NaN, perClass };
}
