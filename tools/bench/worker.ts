/**
 * One benchmark configuration in its own process, so that its peak RSS is its own: onnxruntime-node on
 * CPU or onnxruntime-web (WASM, in Node) with a given thread count. Prints one JSON line (WorkerReport).
 *
 *   node dist/tools/bench/worker.js --backend node|web --threads 2 --parts train64,train256,epoch,infer1,infer1000
 *       [--runner parallel|session|generic] [--steps 60] [--epoch-images 60000] [--data-dir /usr/share/datasets/fashion-mnist] [--warmup-ms 500]
 *
 * train64/train256: step latency with the state fed back every step — `--runner parallel` (default) is
 * the trainer's own data-parallel runner (src/train/step/parallel: the batch split across the threads), on
 * onnxruntime-node or onnxruntime-web's WASM; `--runner session` is one session of the train-step model
 * with intra-op (WASM) threads. epoch: one shuffled pass over Fashion-MNIST at batch 64 including batch
 * assembly, as `onnx-lenet train` runs it; infer1/infer1000: lenet.onnx.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { BatchIterator, type Batch } from '../../src/data/batches.js';
import { loadDataset } from '../../src/data/dataset.js';
import { ADAM, IMAGE, IMAGE_SIZE, adamScalars } from '../../src/graph/contract.js';
import { buildInferenceModel, buildTrainStepModel } from '../../src/graph/models.js';
import { initParameters } from '../../src/graph/params.js';
import { decodeModel, encodeModel } from '../../src/graph/proto.js';
import { loadBinding } from '../../src/runtime/binding/load.js';
import { sessionOptionsFor } from '../../src/runtime/providers.js';
import { ParallelCpuRunner } from '../../src/train/step/parallel/runner.js';
import type { TrainStepRunner } from '../../src/train/step/runner.js';
import { createModelSessionRunner, createSessionRunner } from '../../src/train/step/session-runner.js';
import { makeTrainable } from '../../src/autodiff/trainable.js';
import { TrainStepSession } from '../../src/train/step/session-step.js';
import { Mt19937 } from '../../src/util/rng.js';
import { type PeakResult, matmulPeak } from './peak.js';
import { type Latency, latency } from './stats.js';
import { syntheticBatch } from './train-feeds.js';

export type { Latency };
export type Backend = 'node' | 'web';
export const PARTS = ['train64', 'train256', 'epoch', 'infer1', 'infer1000', 'peak'] as const;
export type Part = (typeof PARTS)[number];

export interface EpochResult {
  readonly images: number;
  readonly seconds: number;
  readonly imagesPerSecond: number;
}
export type PartResult = Latency | EpochResult | PeakResult;

export interface WorkerReport {
  readonly threads: number;
  readonly results: Partial<Record<Part, PartResult>>;
  readonly maxRssKb: number;
}

/**
 * Warm-up, then `runs` timed calls. Warm-up lasts at least `settings.warmupMs` of CPU time (not wall
 * time: on a loaded machine the process may get a fraction of a core). V8 compiles
 * onnxruntime-web's WebAssembly with a baseline compiler first and the optimised code arrives only
 * after some seconds (a WASM train step went from ~55 ms to ~14 ms over its first ~150 steps).
 */
async function timeIt(runs: number, fn: () => Promise<void>, threadsBusy = 1): Promise<number[]> {
  const cpu0 = process.cpuUsage();
  const cpuMs = (): number => { const c = process.cpuUsage(cpu0); return (c.user + c.system) / 1000; };
  for (let i = 0; i < 5 || cpuMs() < settings.warmupMs * threadsBusy; i++) await fn();
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    ms.push(performance.now() - t0);
  }
  return ms;
}

type Runner = 'parallel' | 'session' | 'generic';
const settings = { warmupMs: 500, runner: 'parallel' as Runner };

/**
 * The trainer's runner for `backend`, or one session of the train-step model (`--runner session`), or
 * one session of the generic LeNet step: lenet.onnx through make-trainable (`--runner generic`).
 */
async function trainLoop(backend: Backend, threads: number, maxBatch: number): Promise<TrainStepRunner> {
  const from = { params: initParameters(1) };
  if (settings.runner === 'parallel') return ParallelCpuRunner.create(from, { threads, maxBatch, backend });
  if (settings.runner === 'generic') {
    const lenetOnnx = decodeModel(encodeModel(buildInferenceModel(from.params)), 'lenet.onnx');
    const step = makeTrainable(lenetOnnx, { target: backend === 'node' ? 'cpu' : 'portable' }, 'lenet.onnx').train;
    if (backend === 'node') return createModelSessionRunner('cpu', step, from, { threads });
    return TrainStepSession.create(await loadBinding('web', { wasmThreads: threads }), encodeModel(step), from);
  }
  if (backend === 'node') return createSessionRunner('cpu', from, { threads });
  return TrainStepSession.create(await loadBinding('web', { wasmThreads: threads }), encodeModel(buildTrainStepModel()), from);
}

/** One step at the seed's learning rate. */
const stepAt = (loop: TrainStepRunner, batch: Batch, t: number): Promise<unknown> => {
  const s = adamScalars(t, ADAM.lr);
  return loop.step(batch, s.stepSize, s.biasCorrection2Sqrt);
};

async function timeTrain(backend: Backend, threads: number, batch: number, steps: number): Promise<Latency> {
  const loop = await trainLoop(backend, threads, batch);
  const b: Batch = { ...syntheticBatch(batch), size: batch };
  let t = 0;
  // The data-parallel runner keeps every thread busy, and each thread's WebAssembly tiers up on its own:
  // warm up for settings.warmupMs of CPU time per thread.
  const ms = await timeIt(steps, async () => { await stepAt(loop, b, ++t); }, settings.runner === 'parallel' ? threads : 1);
  await loop.release();
  return latency(batch, ms);
}

async function timeEpoch(backend: Backend, threads: number, images: number, dataDir: string): Promise<EpochResult> {
  const data = await loadDataset({ dataset: 'fashion-mnist', dataDir, download: false, fallback: false });
  const count = Math.min(images, data.train.count);
  const split = { ...data.train, count, images: data.train.images.subarray(0, count * IMAGE_SIZE * IMAGE_SIZE), labels: data.train.labels.subarray(0, count) };
  const loop = await trainLoop(backend, threads, 64);
  const batches = new BatchIterator(split, 64, { shuffle: true, rng: new Mt19937(1) });
  let t = 0;
  const t0 = performance.now();
  for (const batch of batches.epoch()) await stepAt(loop, batch, ++t);
  const seconds = (performance.now() - t0) / 1000;
  await loop.release();
  return { images: count, seconds, imagesPerSecond: count / seconds };
}

async function timeInfer(backend: Backend, threads: number, batch: number, runs: number): Promise<Latency> {
  const model = encodeModel(buildInferenceModel(initParameters(1)));
  const { images } = syntheticBatch(batch);
  const dims = [batch, 1, IMAGE_SIZE, IMAGE_SIZE];
  if (backend === 'web') {
    ortWeb.env.wasm.numThreads = threads;
    const session = await ortWeb.InferenceSession.create(model, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const feeds = { [IMAGE]: new ortWeb.Tensor('float32', images, dims) };
    const ms = await timeIt(runs, async () => { await session.run(feeds); });
    await session.release();
    return latency(batch, ms);
  }
  const session = await ortNode.InferenceSession.create(model, sessionOptionsFor('cpu', { threads, spinning: false }));
  const feeds = { [IMAGE]: new ortNode.Tensor('float32', images, dims) };
  const ms = await timeIt(runs, async () => { await session.run(feeds); });
  await session.release();
  return latency(batch, ms);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'node' }, threads: { type: 'string', default: '1' },
      parts: { type: 'string', default: PARTS.join(',') }, steps: { type: 'string', default: '60' },
      'epoch-images': { type: 'string', default: '60000' }, 'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' },
      'warmup-ms': { type: 'string' }, runner: { type: 'string', default: 'parallel' },
    },
  });
  const backend = values.backend as Backend;
  if (backend !== 'node' && backend !== 'web') throw new RangeError(`--backend must be 'node' or 'web', got '${values.backend}'`);
  const threads = Number(values.threads);
  settings.warmupMs = Number(values['warmup-ms'] ?? (backend === 'web' ? 6000 : 500));
  if (values.runner !== 'parallel' && values.runner !== 'session' && values.runner !== 'generic') throw new RangeError(`--runner must be 'parallel', 'session' or 'generic', got '${values.runner}'`);
  settings.runner = values.runner;
  const steps = Number(values.steps);
  const results: Partial<Record<Part, PartResult>> = {};
  for (const part of values.parts.split(',') as Part[]) {
    if (part === 'train64') results[part] = await timeTrain(backend, threads, 64, steps);
    else if (part === 'train256') results[part] = await timeTrain(backend, threads, 256, Math.max(10, Math.floor(steps / 4)));
    else if (part === 'epoch') results[part] = await timeEpoch(backend, threads, Number(values['epoch-images']), values['data-dir']);
    else if (part === 'infer1') results[part] = await timeInfer(backend, threads, 1, steps * 10);
    else if (part === 'infer1000') results[part] = await timeInfer(backend, threads, 1000, Math.max(10, Math.floor(steps / 3)));
    else if (part === 'peak') results[part] = await matmulPeak(threads);
    else throw new RangeError(`unknown part '${part}'; valid: ${PARTS.join(', ')}`);
  }
  const report: WorkerReport = { threads, results, maxRssKb: process.resourceUsage().maxRSS };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

if (process.argv[1]?.endsWith(path.join('bench', 'worker.js'))) {
  main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`bench worker: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
