/**
 * What augmentation costs the CPU trainer's step: images/s of the data-parallel runner on one batch size,
 * fed real digits (mnist-sample's training split, shuffled batches from the BatchIterator, as `train` feeds
 * it: the warp's cost depends on how much of each image is ink),
 * without augmentation, with the strong recipe's warp done on the main thread before the step, done by
 * each runner thread for its own share, and that with each batch handed over a step early so that threads
 * waiting for each other warp it (what `train` does). The modes run in turn, `--rounds`
 * rounds of `--steps` steps each, so that load from other processes hits them alike; prints the median
 * over rounds of each mode's images/s and of its CPU time per image (user + system, all threads: the
 * steadier measure on a loaded machine), and the 1-minute load average before and after.
 *
 *   node dist/tools/bench/augment.js [--batch 64] [--threads 2] [--rounds 7] [--steps 100]
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import { adamScalars } from '../../src/graph/contract.js';
import { initParameters } from '../../src/graph/params.js';
import { augmentRange, resolveOptions } from '../../src/train/options.js';
import { BatchAugmenter } from '../../src/train/augmenter.js';
import type { BatchWarp } from '../../src/train/step/runner.js';
import { ParallelCpuRunner } from '../../src/train/step/parallel/runner.js';
import { Mt19937 } from '../../src/util/rng.js';
import { type Batch, BatchIterator } from '../../src/data/batches.js';
import { loadDataset } from '../../src/data/dataset.js';
import { median } from './stats.js';

const MODES = ['none', 'main thread', 'runner threads', 'threads, ahead'] as const;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { batch: { type: 'string', default: '64' }, threads: { type: 'string', default: '2' }, rounds: { type: 'string', default: '7' }, steps: { type: 'string', default: '100' } },
  });
  const [size, threads, rounds, steps] = [values.batch, values.threads, values.rounds, values.steps].map(Number);
  const range = augmentRange(resolveOptions({ recipe: 'strong' }));
  const runner = await ParallelCpuRunner.create({ params: initParameters(0) }, { threads, maxBatch: size });
  const { train } = await loadDataset({ dataset: 'mnist-sample' });
  const batches = new BatchIterator(train, size, { shuffle: true, rng: new Mt19937(0) });
  let epoch = batches.epoch();
  const nextBatch = (): Batch => {
    for (;;) {
      const next = epoch.next();
      if (!next.done && next.value.size === size) return next.value;
      if (next.done) epoch = batches.epoch();
    }
  };
  const perMode: number[][] = MODES.map(() => []);
  const cpuPerImage: number[][] = MODES.map(() => []);
  const loadBefore = os.loadavg()[0];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [m, mode] of MODES.entries()) {
        const augmenter = mode === 'none' ? undefined : new BatchAugmenter(range, new Mt19937(round), mode !== 'main thread');
        const take = (): { batch: Batch; warp: BatchWarp | undefined } => {
          const batch = nextBatch();
          return { batch, warp: augmenter?.apply(batch) };
        };
        const started = performance.now();
        const cpu = process.cpuUsage();
        // 'threads, ahead' hands each batch over a step early, as `train` does (TrainStepRunner.step's upcoming)
        let current = take();
        for (let i = 1; i <= steps; i++) {
          const next = take();
          const s = adamScalars(i, 1e-4);
          const upcoming = mode === 'threads, ahead' && i < steps ? { batch: next.batch, warp: next.warp! } : undefined;
          await runner.step(current.batch, s.stepSize, s.biasCorrection2Sqrt, current.warp, upcoming);
          current = next;
        }
        perMode[m].push((steps * size) / ((performance.now() - started) / 1000));
        const used = process.cpuUsage(cpu);
        cpuPerImage[m].push((used.user + used.system) / (steps * size));
      }
    }
  } finally {
    await runner.release();
  }
  const line = `batch ${size}, ${threads} threads, ${rounds} rounds × ${steps} steps, strong recipe's augmentation ${JSON.stringify(range)}; load ${loadBefore.toFixed(1)} → ${os.loadavg()[0].toFixed(1)}`;
  process.stdout.write(`${line}\n`);
  MODES.forEach((mode, m) => process.stdout.write(`  ${mode.padEnd(15)} ${Math.round(median(perMode[m])).toLocaleString('en-US')} img/s, ${median(cpuPerImage[m]).toFixed(1)} µs CPU per image (img/s by round: ${perMode[m].map((x) => Math.round(x)).join(', ')})\n`));
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
