/**
 * End to end in Debian's Chromium (playwright-core): `onnx-lenet serve` with a model trained in Node,
 * a real test digit drawn onto the canvas with pointer input, and 100 training steps run by the page.
 * No request may leave 127.0.0.1. Screenshots go to test-artifacts/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import * as ortNode from 'onnxruntime-node';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import type { PageHooks } from '../../web/src/main.js';
import { type Browser, chromiumSkip, drawDigit, launchChromium, openPage, pageHooks, serveCli, type ServeProcess } from './browser.js';
import { trainedModelFolder } from './fixtures.js';
import { routeSnippetSite, snippetPage } from './snippet-site.js';

const ARTIFACTS = 'test-artifacts';
const NO_CHROMIUM = chromiumSkip();

describe.skipIf(NO_CHROMIUM !== null)('the page in Chromium', () => {
  let models: Awaited<ReturnType<typeof trainedModelFolder>>;
  let server: ServeProcess;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('dist/web/src/main.js')) throw new Error('dist/web/src/main.js is missing: run `npm run build` first');
    models = await trainedModelFolder(400);
    server = await serveCli(['--model', models.inference]);
    browser = await launchChromium();
    page = await openPage(browser, server.url, pageErrors);
    await mkdir(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
    if (models) await rm(models.dir, { recursive: true, force: true });
  });

  const hooks = (): Promise<PageHooks> => pageHooks(page);

  test('the page is cross-origin isolated and runs WASM with threads', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.textContent('#backend-badge')).toMatch(/^WASM · \d+ threads?$/);
    expect(await page.isHidden('#error')).toBe(true);
  });

  test('a test digit drawn with the pointer is recognised; probabilities sum to 1', async () => {
    const { test: split } = await loadDataset({ dataset: 'mnist-sample' });
    const digit = await confidentTestDigit(models.inference, split, 3);
    await drawDigit(page, split.images.subarray(digit * 784, (digit + 1) * 784));
    // The prediction of the last stroke: nothing scheduled or running any more (no fixed sleep).
    await page.waitForFunction(() => window.onnxLenet?.idle === true && window.onnxLenet.prediction !== null, null, { timeout: 60_000 });
    const { prediction } = await hooks();
    await page.screenshot({ path: `${ARTIFACTS}/web-predict.png`, fullPage: true });
    expect(prediction!.digit).toBe(split.labels[digit]);
    expect(await page.textContent('#digit')).toBe(String(split.labels[digit]));
    expect(prediction!.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    const shown = await page.$$eval('#bars li', (rows) => rows.map((r) => Number((r as HTMLElement).dataset.p)));
    expect(shown.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    console.log(`drew test digit #${digit} (a ${split.labels[digit]}): predicted ${prediction!.digit}, p=${prediction!.probabilities[prediction!.digit].toFixed(3)}, ${prediction!.ms.toFixed(2)} ms`);
  });

  test('100 training steps in the page make the loss fall; the new model is offered, and the pad uses it once chosen', async () => {
    await page.fill('#train-steps', '100');
    await page.click('#train');
    await page.waitForFunction(() => ['done', 'error'].includes(window.onnxLenet?.training.state ?? ''), null, { timeout: 150_000 });
    const { training } = await hooks();
    await page.screenshot({ path: `${ARTIFACTS}/web-train.png`, fullPage: true });
    expect(training.error).toBeNull();
    expect(training.losses).toHaveLength(100);
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const first = mean(training.losses.slice(0, 10));
    const last = mean(training.losses.slice(-10));
    console.log(`in-page training: loss ${first.toFixed(3)} → ${last.toFixed(3)}, ${training.imagesPerSecond.toFixed(0)} images/s, test accuracy ${(training.testAccuracy! * 100).toFixed(1)}%`);
    expect(first).toBeGreaterThan(2);
    expect(last).toBeLessThan(0.75 * first);
    expect(training.testAccuracy).toBeGreaterThan(0.5);
    expect(training.offered).toBe(true);
    expect(await page.textContent('#model-info')).toMatch(/served /);
    await page.click('#use-trained');
    await page.waitForFunction(() => window.onnxLenet?.model.startsWith('trained here: 100 steps'), null, { timeout: 30_000 });
    expect(await page.textContent('#model-info')).toMatch(/trained here: 100 steps/);
  });

  test('the README snippet (web/snippet.js, ≤ 15 lines) classifies a digit in any page, CDN URL and all', async () => {
    const snippet = readFileSync('web/snippet.js', 'utf8');
    const version = (JSON.parse(readFileSync('node_modules/onnxruntime-web/package.json', 'utf8')) as { version: string }).version;
    expect(snippet.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
    expect(snippet).toContain(`onnxruntime-web@${version}/dist/`);
    expect(readFileSync('docs/web.md', 'utf8')).toContain(snippet.trimEnd());
    const { test: split } = await loadDataset({ dataset: 'mnist-sample' });
    const digit = await confidentTestDigit(models.inference, split, 7);
    const other = await browser.context.newPage();
    try {
      await routeSnippetSite(other, 'digits', snippetPage(snippet, 'window.snippetClassify = classify;'), models.inference);
      await other.goto('https://example.org/digits/index.html');
      await other.waitForFunction(() => 'snippetClassify' in window, null, { timeout: 60_000 });
      const pixels = Array.from(split.images.subarray(digit * 784, (digit + 1) * 784), (b) => b / 255);
      const result = await other.evaluate(async (px) => {
        const classify = (window as unknown as { snippetClassify: (p: Float32Array) => Promise<{ digit: number; probabilities: number[] }> }).snippetClassify;
        return classify(new Float32Array(px));
      }, pixels);
      expect(result.digit).toBe(7);
      expect(result.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    } finally {
      await other.close();
    }
  });

  test('nothing left 127.0.0.1 and the page raised no errors', () => {
    expect(browser.external).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});

/** The first test image of class `label` that the served model gets right with p > 0.99 (in Node). */
async function confidentTestDigit(model: string, split: { images: Uint8Array; labels: Uint8Array; count: number }, label: number): Promise<number> {
  const session = await ortNode.InferenceSession.create(model);
  try {
    for (let i = 0; i < split.count; i++) {
      if (split.labels[i] !== label) continue;
      const image = Float32Array.from(split.images.subarray(i * 784, (i + 1) * 784), (b) => b / 255);
      const out = await session.run({ image: new ortNode.Tensor('float32', image, [1, 1, 28, 28]) });
      if ((out.probabilities.data as Float32Array)[label] > 0.99) return i;
    }
  } finally {
    await session.release();
  }
  throw new Error(`no test image of a ${label} is predicted with p > 0.99`);
}

