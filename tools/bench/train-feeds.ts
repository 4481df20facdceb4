/**
 * Inputs for one train step, without loading a data set: PyTorch-initialised parameters, zero Adam
 * state, the step-1 Adam scalars and a batch of MNIST-like images (mostly 0 background, so max-pool
 * windows hold ties as real digits do) with random labels.
 */
import { CLASSES, PIXELS } from '../../src/graph/contract.js';
import { initParameters } from '../../src/graph/params.js';
import { type Feeds, trainStepFeeds } from '../../src/train/feeds.js';
import { Mt19937 } from '../../src/util/rng.js';

export type { Feeds };

/** `n` images of 784 floats in [0,1], ~80 % exactly 0, and `n` labels 0…9. */
export function syntheticBatch(n: number, seed = 7): { images: Float32Array; labels: Int32Array } {
  const rng = new Mt19937(seed);
  const images = new Float32Array(n * PIXELS);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextInt(5) === 0 ? rng.nextInt(256) / 255 : 0;
  const labels = Int32Array.from({ length: n }, () => rng.nextInt(CLASSES));
  return { images, labels };
}

export function trainFeeds(batch: number): Feeds {
  return trainStepFeeds({ params: initParameters(1), ...syntheticBatch(batch), n: batch });
}
