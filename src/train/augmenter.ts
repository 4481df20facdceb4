/**
 * The trainer's augmentation of each batch (augment.ts), kept off the main thread where the runner can
 * take it: the parameters are always drawn here, on the main thread, in image order (so a run is the same
 * whoever warps), and the CPU runner's threads warp the images (runner.warpsBatches): the trainer hands
 * each batch over a step early, the threads warp it whenever they would otherwise wait, and each warps
 * what is left of its own share just before its gradient. Other runners get batches warped here. The
 * seed's whole-pixel shifts are cheap and stay here, as they were.
 */
import type { Batch } from '../data/batches.js';
import type { Mt19937 } from '../util/rng.js';
import { type AugmentRange, drawAffine, isShiftOnly, paramsPerImage, shiftBatch, warpImages } from './augment.js';
import type { BatchWarp } from './step/runner.js';

export class BatchAugmenter {
  private readonly stride: number;
  /** Two parameter buffers used in turn, so that a warp stays valid while the next batch's is drawn (a trainer looking one batch ahead). */
  private readonly params: [Float64Array, Float64Array] = [new Float64Array(0), new Float64Array(0)];
  private turn = 0;

  /** `inRunner`: the step runner warps (runner.warpsBatches), else `apply` does. */
  constructor(private readonly range: AugmentRange, private readonly rng: Mt19937, private readonly inRunner: boolean) {
    this.stride = paramsPerImage(range);
  }

  /**
   * Augments `batch`: in place, or returns the warp the runner's step is to apply (valid until the call
   * after next).
   */
  apply(batch: Batch): BatchWarp | undefined {
    if (isShiftOnly(this.range)) {
      shiftBatch(batch, this.rng, this.range.shift);
      return undefined;
    }
    const need = this.stride * batch.size;
    const turn = this.turn;
    this.turn = 1 - turn;
    if (this.params[turn].length < need) this.params[turn] = new Float64Array(need);
    const params = this.params[turn];
    drawAffine(this.rng, this.range, batch.size, params);
    if (this.inRunner) return { params, stride: this.stride };
    warpImages(batch.images, params, this.stride, 0, batch.size);
    return undefined;
  }
}
