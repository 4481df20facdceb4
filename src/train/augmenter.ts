/**
 * The trainer's augmentation of each batch (augment.ts), kept off the main thread where the runner can
 * take it: the parameters are always drawn here, on the main thread, in image order (so a run is the same
 * whoever warps), and the CPU runner's threads each warp their own share just before their gradient
 * (runner.warpsBatches); other runners get batches warped here. The seed's whole-pixel shifts are cheap
 * and stay here, as they were.
 */
import type { Batch } from '../data/batches.js';
import type { Mt19937 } from '../util/rng.js';
import { type AugmentRange, drawAffine, isShiftOnly, paramsPerImage, shiftBatch, warpImages } from './augment.js';
import type { BatchWarp } from './step/runner.js';

export class BatchAugmenter {
  private readonly stride: number;
  private params: Float64Array = new Float64Array(0);

  /** `inRunner`: the step runner warps (runner.warpsBatches), else `apply` does. */
  constructor(private readonly range: AugmentRange, private readonly rng: Mt19937, private readonly inRunner: boolean) {
    this.stride = paramsPerImage(range);
  }

  /** Augments `batch`: in place, or returns the warp the runner's step is to apply. */
  apply(batch: Batch): BatchWarp | undefined {
    if (isShiftOnly(this.range)) {
      shiftBatch(batch, this.rng, this.range.shift);
      return undefined;
    }
    const need = this.stride * batch.size;
    if (this.params.length < need) this.params = new Float64Array(need);
    drawAffine(this.rng, this.range, batch.size, this.params);
    if (this.inRunner) return { params: this.params, stride: this.stride };
    warpImages(batch.images, this.params, this.stride, 0, batch.size);
    return undefined;
  }
}
