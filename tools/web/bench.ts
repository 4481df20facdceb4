/**
 * Browser figures for docs/web.md, measured in Debian's Chromium (headless, WASM backend):
 *   - single-image inference latency of lenet.onnx (median of many `session.run` calls),
 *   - in-browser training throughput (images/s) of the page's own training panel.
 *
 *   npm run build && node dist/tools/web/bench.js [--model models/lenet.onnx] [--steps 200] [--runs 500]
 */
import { parseArgs } from 'node:util';
import { startServer } from '../../src/serve/index.js';
import { launchChromium } from './chromium.js';

interface Hooks {
  ready: boolean;
  training: { state: string; imagesPerSecond: number; testAccuracy: number | null; error: string | null; losses: number[] };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string', default: 'models/lenet.onnx' }, steps: { type: 'string', default: '200' }, runs: { type: 'string', default: '500' } } });
  const server = await startServer({ model: values.model, port: 0, host: '127.0.0.1' });
  const browser = await launchChromium();
  const { context } = browser;
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => (window as unknown as { onnxLenet?: Hooks }).onnxLenet?.ready === true, null, { timeout: 60_000 });
    const browser = context.browser()?.version() ?? (await page.evaluate(() => navigator.userAgent));
    const latency = await page.evaluate(async (runs) => {
      const { Classifier } = await import('/dist/web/src/classifier.js' as string) as typeof import('../../web/src/classifier.js');
      const model = new Uint8Array(await (await fetch('/models/lenet.onnx')).arrayBuffer());
      const classifier = await Classifier.create(model, 'wasm');
      const pixels = new Float32Array(784).map((_, i) => ((i * 31) % 17) / 17);
      for (let i = 0; i < 50; i++) await classifier.classify(pixels);
      const ms: number[] = [];
      for (let i = 0; i < runs; i++) ms.push((await classifier.classify(pixels)).ms);
      ms.sort((a, b) => a - b);
      return { median: ms[ms.length >> 1], p90: ms[Math.floor(ms.length * 0.9)], threads: (await import('onnxruntime-web' as string) as typeof import('onnxruntime-web')).env.wasm.numThreads };
    }, Number(values.runs));
    await page.fill('#train-steps', values.steps);
    await page.click('#train');
    // The page's images/s is cumulative (images / time inside train steps) and so includes V8's WASM
    // warm-up; from a sample at half-way and the end, the second half's rate is the steady state.
    const half = Math.floor(Number(values.steps) / 2);
    await page.waitForFunction((h) => (window as unknown as { onnxLenet: Hooks }).onnxLenet.training.losses.length >= h, half, { timeout: 600_000 });
    const mid = await page.evaluate(() => { const t = (window as unknown as { onnxLenet: Hooks }).onnxLenet.training; return { steps: t.losses.length, rate: t.imagesPerSecond }; });
    await page.waitForFunction(() => ['done', 'error'].includes((window as unknown as { onnxLenet: Hooks }).onnxLenet.training.state), null, { timeout: 600_000 });
    const training = await page.evaluate(() => (window as unknown as { onnxLenet: Hooks }).onnxLenet.training);
    if (training.error) throw new Error(training.error);
    const end = { steps: training.losses.length, rate: training.imagesPerSecond };
    const busyMs = (x: { steps: number; rate: number }): number => ((x.steps * 64) / x.rate) * 1000;
    const steady = ((end.steps - mid.steps) * 64) / ((busyMs(end) - busyMs(mid)) / 1000);
    process.stdout.write(
      `Chromium ${browser}, WASM, ${latency.threads} thread(s), cross-origin isolated\n` +
      `  single-image inference: median ${latency.median.toFixed(2)} ms, p90 ${latency.p90.toFixed(2)} ms (${values.runs} runs)\n` +
      `  in-page training, batch 64: ${training.imagesPerSecond.toFixed(0)} images/s over ${values.steps} steps (steps ${mid.steps + 1}–${end.steps}: ${steady.toFixed(0)} images/s), test accuracy ${((training.testAccuracy ?? 0) * 100).toFixed(1)}%\n`,
    );
  } finally {
    await browser.close();
    await server.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`web bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
