/**
 * The page's training in Chromium, as one benchmark configuration in its own process: builds the models
 * into a temporary folder, starts the page's server (`onnx-lenet serve`'s startServer), opens the page in
 * Debian's headless Chromium and runs the page's own trainer (web/src/trainer.ts, what the training panel
 * runs) on the page's bundled digits at batch 64: warm-up, then `--steps` timed steps (batch assembly and
 * the step, as the page's images/s counts them; with workers each next step is handed over while one
 * runs, as the training panel does between test-curve points). Prints one JSON line (WorkerReport, part
 * train64).
 *
 *   node dist/tools/bench/page.js [--threads 2] [--steps 100] [--warmup-ms 6000]
 *
 * `--threads`: Web Workers (the page's default is one per core); 0 trains in one session on the page's thread.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildGraphs } from '../../src/graph/export.js';
import { startServer } from '../../src/serve/index.js';
import { launchChromium } from '../web/chromium.js';
import { latency } from './stats.js';
import type { WorkerReport } from './worker.js';

/** Warm-up steps at least, whatever the time: the workers' WebAssembly tiers up while they run. */
const MIN_WARMUP_STEPS = 50;

interface PageRun {
  readonly ms: number[];
  readonly workers: number;
  readonly runner: string;
  readonly warmupSteps: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: '2' }, steps: { type: 'string', default: '100' }, 'warmup-ms': { type: 'string', default: '6000' },
      parts: { type: 'string', default: 'train64' }, 'epoch-images': { type: 'string' }, 'data-dir': { type: 'string' },
    },
  });
  if (values.parts !== 'train64') throw new RangeError(`the page's benchmark measures train64 only, got --parts ${values.parts}`);
  const workers = Number(values.threads);
  const dir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-page-bench-'));
  await buildGraphs({ outDir: dir, seed: 0 });
  const server = await startServer({ model: path.join(dir, 'lenet.onnx'), port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  try {
    const page = await browser.context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => window.onnxLenet?.ready === true, null, { timeout: 120_000 });
    const run = await page.evaluate(async ({ workers, steps, warmupMs, minWarmup }): Promise<PageRun> => {
      const { BrowserTrainer } = await import('/dist/web/src/trainer.js' as string) as typeof import('../../web/src/trainer.js');
      const { decodeSample } = await import('/dist/web/src/dataset.js' as string) as typeof import('../../web/src/dataset.js');
      const bytes = async (url: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(url)).arrayBuffer());
      const data = decodeSample(await bytes('/data/mnist-sample.bin'));
      const trainer = await BrowserTrainer.create(await bytes('/models/lenet.train.onnx'), data.train, { steps: 0, batchSize: 64, seed: 1, learningRate: 1e-3, backend: 'wasm', workers });
      try {
        const t0 = performance.now();
        let warmupSteps = 0;
        while (warmupSteps < minWarmup || performance.now() - t0 < warmupMs) {
          await trainer.trainStep();
          warmupSteps++;
        }
        const ms: number[] = [];
        for (let i = 0; i < steps; i++) {
          const start = performance.now();
          await trainer.trainStep();
          ms.push(performance.now() - start);
        }
        return { ms, workers: trainer.workers, runner: trainer.runner, warmupSteps };
      } finally {
        await trainer.release();
      }
    }, { workers, steps: Number(values.steps), warmupMs: Number(values['warmup-ms']), minWarmup: MIN_WARMUP_STEPS });
    if (run.workers !== workers) throw new Error(`asked for ${workers} workers, the page trained on ${run.runner}`);
    process.stderr.write(`page: ${run.runner}, ${run.warmupSteps} warm-up steps, Chromium ${browser.context.browser()?.version() ?? '?'}\n`);
    const report: WorkerReport = { threads: workers, results: { train64: latency(64, run.ms) }, maxRssKb: 0 };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  } finally {
    await browser.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1]?.endsWith(path.join('bench', 'page.js'))) {
  main().then(() => process.exit(0), (error: unknown) => {
    process.stderr.write(`bench page: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  });
}
