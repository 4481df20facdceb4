/**
 * The page's backend switch in Debian's Chromium with `--enable-unsafe-webgpu` (a SwiftShader WebGPU
 * adapter): draw a digit on WASM, switch the pad to WebGPU, back to WASM, and to WebGPU again. Each switch
 * must show a new prediction, no error, and the same probabilities as WASM (within 1e-4). This is the
 * regression test for "no GPU data for input" (docs/web.md, "Switching backends"). Skipped with a message
 * when Chromium is missing or offers no WebGPU adapter. Needs `npm run build`.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { type RunningServer, startServer } from '../../src/serve/index.js';
import type { PageHooks } from '../../web/src/main.js';
import { adapterSkip } from '../webgpu/browser-harness.js';
import { type Browser, chromiumSkip, drawDigit, launchChromium } from './browser.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

const NO_CHROMIUM = chromiumSkip();

type Shown = { backend: string; badge: string; error: string | null; prediction: PageHooks['prediction'] };

describe.skipIf(NO_CHROMIUM !== null)('the page\'s backend switch WASM → WebGPU → WASM → WebGPU in Chromium', () => {
  let models: ModelFiles;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let missing: string | null = 'not checked';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('dist/web/src/main.js')) throw new Error('dist/web/src/main.js is missing: run `npm run build` first');
    models = await buildFixtureModels(0);
    server = await startServer({ model: models.inference, port: 0, host: '127.0.0.1' });
    browser = await launchChromium(['--enable-unsafe-webgpu']);
    page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(server.url);
    missing = await adapterSkip(page);
    await page.waitForFunction(() => window.onnxLenet?.ready === true, null, { timeout: 60_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (models) await rm(models.dir, { recursive: true, force: true });
  });

  /** Selects `backend`, then waits until the page shows a new prediction (made on it) or an error. */
  async function switchTo(backend: 'wasm' | 'webgpu'): Promise<Shown> {
    const before = await page.evaluateHandle(() => window.onnxLenet?.prediction ?? null);
    await page.selectOption('#backend', backend);
    await page.waitForFunction((old) => {
      const error = document.getElementById('error');
      if (error && !error.hidden) return true;
      const prediction = window.onnxLenet?.prediction ?? null;
      return prediction !== null && prediction !== old;
    }, before, { timeout: 90_000 });
    return shown();
  }

  const shown = (): Promise<Shown> => page.evaluate(() => {
    const error = document.getElementById('error')!;
    const hooks = window.onnxLenet!;
    return {
      backend: hooks.backend,
      badge: document.getElementById('backend-badge')!.textContent ?? '',
      error: error.hidden ? null : error.textContent,
      prediction: hooks.prediction && { digit: hooks.prediction.digit, ms: hooks.prediction.ms, probabilities: [...hooks.prediction.probabilities] },
    };
  });

  const maxDiff = (a: readonly number[], b: readonly number[]): number => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

  test('a drawn digit is classified on WASM, WebGPU, WASM and WebGPU again, with the same probabilities', { timeout: 180_000 }, async (ctx) => {
    if (missing) ctx.skip(missing);
    const { test: split } = await loadDataset({ dataset: 'mnist-sample' });
    await drawDigit(page, split.images.subarray(0, 784));
    // The prediction of the last stroke: nothing scheduled or running any more (no fixed sleep).
    await page.waitForFunction(() => window.onnxLenet?.idle === true && window.onnxLenet.prediction != null, null, { timeout: 60_000 });
    const wasm = await shown();
    expect(wasm.error).toBeNull();
    expect(wasm.badge).toMatch(/^WASM/);

    const t0 = performance.now();
    const gpu = await switchTo('webgpu');
    console.log(`WebGPU: ${gpu.error ?? `digit ${gpu.prediction?.digit}`} after ${((performance.now() - t0) / 1000).toFixed(1)} s, badge '${gpu.badge}'`);
    expect(gpu.error).toBeNull();
    expect(gpu.backend).toBe('webgpu');
    expect(gpu.badge).toBe('WebGPU');
    expect(maxDiff(gpu.prediction!.probabilities, wasm.prediction!.probabilities)).toBeLessThan(1e-4);

    const back = await switchTo('wasm');
    expect(back.error).toBeNull();
    expect(back.badge).toMatch(/^WASM/);
    expect(maxDiff(back.prediction!.probabilities, wasm.prediction!.probabilities)).toBeLessThan(1e-6);

    const again = await switchTo('webgpu'); // a second WebGPU session, now that its backend has started
    expect(again.error).toBeNull();
    expect(again.badge).toBe('WebGPU');
    expect(maxDiff(again.prediction!.probabilities, wasm.prediction!.probabilities)).toBeLessThan(1e-4);
    expect(pageErrors).toEqual([]);
    expect(browser.external).toEqual([]);
  });

  test('9. SwiftShader is named a software adapter: a warning recommends WASM while WebGPU is in use, and training shows images/s and the time left', { timeout: 360_000 }, async (ctx) => {
    if (missing) ctx.skip(missing);
    if ((await shown()).backend !== 'webgpu') await switchTo('webgpu');
    await page.waitForSelector('#backend-warning:not([hidden])');
    expect(await page.textContent('#backend-warning')).toMatch(/^WebGPU here is a software adapter \(.*swiftshader.*\).*Choose WASM\.$/i);
    expect(await page.textContent('#backend option[value="webgpu"]')).toBe('WebGPU (software: slow)');
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: 'test-artifacts/web-webgpu-software.png' });

    // Two steps: SwiftShader took ~40 s a step on the loaded 2-core machine.
    await page.fill('#train-steps', '2');
    await page.selectOption('#train-batch', '32');
    await page.click('#train');
    await page.waitForFunction(() => window.onnxLenet!.training.state === 'training' && /^(\d+ s|\d+:\d\d)/.test(document.querySelector('#stat-eta')!.textContent ?? ''), null, { timeout: 120_000 });
    const during = { speed: await page.textContent('#stat-speed'), eta: await page.textContent('#stat-eta') };
    console.log(`WebGPU (SwiftShader) training: ${during.speed} images/s, time left ${during.eta}`);
    expect(Number(during.speed!.replace(/,/g, ''))).toBeGreaterThan(0);
    await page.waitForFunction(() => ['done', 'stopped', 'error'].includes(window.onnxLenet!.training.state), null, { timeout: 300_000 });
    expect((await page.evaluate(() => window.onnxLenet!.training)).state).toBe('done');

    await switchTo('wasm');
    expect(await page.isHidden('#backend-warning')).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
