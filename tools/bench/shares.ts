/**
 * How fast each training thread computes its share of a batch: the gradient model (what one part of the
 * data-parallel runner runs, src/train/step/parallel/part.ts) for `--share` images, in two worker threads
 * at once with no barrier between them, on onnxruntime-node and on onnxruntime-web's WASM (one thread
 * per session, as the runner and the page use them). Prints each worker's ms per share round by round,
 * so that a difference between the two vCPUs shows, and the cost of cutting a share into smaller runs
 * (the price of dividing a batch dynamically between unequal threads), one worker alone.
 *
 * onnxruntime-web's WASM is timed after `--warmup` runs: V8 compiles WebAssembly with a baseline compiler
 * first and optimises the hot functions later, and the first ~200 runs are up to 3× slower.
 *
 *   npm run build && node dist/tools/bench/shares.js [--share 32] [--warmup 300] [--rounds 8] [--runs 30]
 */
import { parseArgs } from 'node:util';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { BATCH_COUNT, IMAGE, LABEL } from '../../src/graph/contract.js';
import { buildGradientModel } from '../../src/graph/models.js';
import { PARAMS } from '../../src/graph/params.js';
import { encodeModel } from '../../src/graph/proto.js';
import { loadBinding } from '../../src/runtime/binding/load.js';
import type { BindingKind, Feeds } from '../../src/runtime/binding/types.js';
import { loadAverage, machineInfo, machineTag } from './machine.js';
import { median } from './stats.js';
import { trainFeeds } from './train-feeds.js';

interface Job {
  readonly backend: BindingKind;
  /**
   * Ways to compute one share, timed in turn round by round: [[32]] is one run of 32 images; [[32], [16, 16]]
   * also times two runs of 16 (the same images).
   */
  readonly cuts: readonly (readonly number[])[];
  readonly warmup: number;
  readonly rounds: number;
  readonly repeats: number;
}

/** In a worker: for each cut, ms per share in each round. */
async function timeShares(job: Job): Promise<number[][]> {
  const binding = await loadBinding(job.backend, { wasmThreads: 1 });
  const session = await binding.createSession(encodeModel(buildGradientModel()), { threads: 1 });
  const total = job.cuts[0].reduce((a, b) => a + b, 0);
  const all = trainFeeds(total);
  const feedsOf = (n: number): Feeds => ({
    ...Object.fromEntries(PARAMS.map((p) => [p.name, binding.float32(all[p.name].data as Float32Array, all[p.name].dims)])),
    [IMAGE]: binding.float32((all[IMAGE].data as Float32Array).subarray(0, n * 784), [n, 1, 28, 28]),
    [LABEL]: binding.int32((all[LABEL].data as Int32Array).subarray(0, n), [n]),
    [BATCH_COUNT]: binding.float32(Float32Array.of(2 * total), []),
  });
  const feeds = job.cuts.map((runs) => runs.map(feedsOf));
  const share = async (cut: number): Promise<void> => {
    for (const f of feeds[cut]) await session.run(f);
  };
  for (let i = 0; i < job.warmup; i++) for (let c = 0; c < feeds.length; c++) await share(c);
  const rounds = feeds.map((): number[] => []);
  for (let r = 0; r < job.rounds; r++) {
    for (let c = 0; c < feeds.length; c++) {
      const t0 = performance.now();
      for (let i = 0; i < job.repeats; i++) await share(c);
      rounds[c].push((performance.now() - t0) / job.repeats);
    }
  }
  await session.release();
  return rounds;
}

function inWorkers(jobs: readonly Job[]): Promise<number[][][]> {
  return Promise.all(jobs.map((job) => new Promise<number[][]>((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: job });
    worker.once('message', resolve);
    worker.once('error', reject);
  })));
}

const fmt = (xs: readonly number[]): string => xs.map((x) => x.toFixed(2)).join(' ');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      share: { type: 'string', default: '32' }, warmup: { type: 'string', default: '300' },
      rounds: { type: 'string', default: '8' }, runs: { type: 'string', default: '30' },
    },
  });
  const [share, warmup, rounds, repeats] = [values.share, values.warmup, values.rounds, values.runs].map(Number);
  if (![share, warmup, rounds, repeats].every((n) => Number.isInteger(n) && n > 0) || share % 4 !== 0) {
    throw new RangeError('--share (a multiple of 4), --warmup, --rounds and --runs must be positive whole numbers');
  }
  const info = machineInfo();
  const out: string[] = [`${machineTag(info)}, onnxruntime-node ${info.ortNode}, onnxruntime-web ${info.ortWeb}; load ${loadAverage()}`, '',
    `Two workers at once, each computing a share of ${share} images with no barrier (ms per share, round by round):`, ''];
  const name = (backend: BindingKind): string => (backend === 'node' ? 'onnxruntime-node' : 'onnxruntime-web WASM');
  const faster = new Map<BindingKind, number>();
  for (const backend of ['node', 'web'] as const) {
    const job: Job = { backend, cuts: [[share]], warmup: backend === 'web' ? warmup : 50, rounds, repeats };
    const [[a], [b]] = await inWorkers([job, job]);
    faster.set(backend, Math.min(median(a), median(b)));
    out.push(`- ${name(backend)}: worker A ${fmt(a)}; worker B ${fmt(b)}`);
    // Per round, the slower worker sets the pace of a lockstep step; a perfect split would finish the two
    // shares together, at 2 / (1/a + 1/b).
    const lockstep = median(a.map((x, i) => Math.max(x, b[i])));
    const balanced = median(a.map((x, i) => 2 / (1 / x + 1 / b[i])));
    out.push(`  slower / faster: median ${median(a.map((x, i) => Math.max(x, b[i]) / Math.min(x, b[i]))).toFixed(2)}×; ` +
      `lockstep step ${lockstep.toFixed(2)} ms, perfectly divided ${balanced.toFixed(2)} ms (${(100 * (1 - balanced / lockstep)).toFixed(0)} % less)`);
  }
  out.push('', `The faster worker: WASM ${faster.get('web')!.toFixed(2)} ms against native ${faster.get('node')!.toFixed(2)} ms, ${(faster.get('web')! / faster.get('node')!).toFixed(2)}×.`, '',
    `One worker alone, the share of ${share} images cut into smaller runs, the cuts in turn (ms per share, median of ${rounds} rounds):`, '');
  for (const backend of ['node', 'web'] as const) {
    const cuts = [[share], [share / 2, share / 2], [share / 4, share / 4, share / 4, share / 4]];
    const [perCut] = await inWorkers([{ backend, cuts, warmup: backend === 'web' ? warmup : 50, rounds, repeats }]);
    const times = perCut.map((t) => median(t));
    out.push(`- ${name(backend)}: ` +
      cuts.map((c, i) => `${c.length}×${c[0]}: ${times[i].toFixed(2)} (${i === 0 ? 'base' : `+${(100 * (times[i] / times[0] - 1)).toFixed(1)} %`})`).join('; '));
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`shares: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
} else {
  timeShares(workerData as Job).then((rounds) => parentPort!.postMessage(rounds), (error: unknown) => { throw error; });
}
