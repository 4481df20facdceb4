/**
 * Light data augmentation (opt-in with `--augment`): each training image is shifted by up to
 * `maxShift` pixels in x and y, filling with background (0). Drawn from its own seeded generator so the
 * data order does not depend on whether augmentation is on. Pure code: the page loads this file too.
 */
import { IMAGE_SIZE, PIXELS } from '../graph/contract.js';
import type { Batch } from '../data/batches.js';
import type { Mt19937 } from '../util/rng.js';

const scratch = new Float32Array(PIXELS);

/**
 * Seed of the augmentation stream, derived from the run's seed so it differs from the data stream
 * (the Node trainer and the page draw their shifts alike).
 */
export const augmentSeed = (seed: number): number => (seed ^ 0x9e3779b9) >>> 0;

/** Shifts every image of `batch` in place by a random offset in [−maxShift, maxShift]². */
export function augmentBatch(batch: Batch, rng: Mt19937, maxShift = 2): void {
  const span = 2 * maxShift + 1;
  for (let b = 0; b < batch.size; b++) {
    const dx = rng.nextInt(span) - maxShift;
    const dy = rng.nextInt(span) - maxShift;
    if (dx === 0 && dy === 0) continue;
    const image = batch.images.subarray(b * PIXELS, (b + 1) * PIXELS);
    scratch.fill(0);
    for (let y = 0; y < IMAGE_SIZE; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= IMAGE_SIZE) continue;
      for (let x = 0; x < IMAGE_SIZE; x++) {
        const sx = x - dx;
        if (sx >= 0 && sx < IMAGE_SIZE) scratch[y * IMAGE_SIZE + x] = image[sy * IMAGE_SIZE + sx];
      }
    }
    image.set(scratch);
  }
}
