/**
 * The README snippet (web/snippet.js) with `onnxruntime-web/webgpu` instead of the default import, in
 * Debian's Chromium with a SwiftShader WebGPU adapter: with a `lenet.onnx` exported by `train` (default
 * target), its logits on the native WebGPU provider are within 1e-4 of the unchanged snippet's (WASM), for
 * eight test digits at once and one at a time. The snippet is changed in its import line, and the session
 * is asked for the `webgpu` provider (without it onnxruntime-web picks WASM, whatever the import). The
 * same run exported with `--target cpu` is measured too (informational: it shows the bug). Skipped with a
 * message when Chromium or its WebGPU adapter is missing.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { type Browser, chromiumSkip, launchChromium } from '../web/browser.js';
import { routeSnippetSite, snippetPage } from '../web/snippet-site.js';
import { adapterSkip } from './browser-harness.js';
import { fmt, relativeError, trainedExport } from './helpers.js';

const NO_CHROMIUM = chromiumSkip();

const SNIPPET = readFileSync('web/snippet.js', 'utf8');
const IMPORT = /from '(https:\/\/cdn\.jsdelivr\.net\/npm\/onnxruntime-web@[^/]+\/dist\/)ort\.min\.mjs'/;

/** The snippet with `import * as ort from 'onnxruntime-web/webgpu'` (its CDN file), run on the webgpu provider. */
function webgpuSnippet(): string {
  const changed = SNIPPET.replace(IMPORT, "from '$1ort.webgpu.min.mjs'")
    .replace("ort.InferenceSession.create('lenet.onnx')", "ort.InferenceSession.create('lenet.onnx', { executionProviders: ['webgpu'] })");
  expect(changed.split('\n').filter((line, i) => line !== SNIPPET.split('\n')[i])).toHaveLength(2);
  return changed;
}

/** A site at https://example.org/<site>/ with `snippet` and `model`; jsDelivr answers from node_modules. */
async function openSnippetSite(browser: Browser, site: string, snippet: string, model: string): Promise<Page> {
  const page = await browser.context.newPage();
  const tail = 'window.snippetLogits = async (px, n) => Array.from((await session.run({ image: new ort.Tensor(\'float32\', Float32Array.from(px), [n, 1, 28, 28]) })).logits.data);';
  await routeSnippetSite(page, site, snippetPage(snippet, tail), model);
  await page.goto(`https://example.org/${site}/index.html`);
  return page;
}

async function pageLogits(page: Page, pixels: readonly number[], n: number): Promise<number[]> {
  await page.waitForFunction(() => 'snippetLogits' in window, null, { timeout: 120_000 });
  return page.evaluate(async ([px, count]) => (window as unknown as { snippetLogits: (p: readonly number[], n: number) => Promise<number[]> }).snippetLogits(px, count), [pixels, n] as const);
}

describe.skipIf(NO_CHROMIUM !== null)('the README snippet on onnxruntime-web/webgpu, a trained lenet.onnx, in Chromium', () => {
  let browser: Browser;
  const exports: { dir: string; model: string }[] = [];
  let portable: string;
  let cpuTarget: string;
  let missing: string | null = 'not checked';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    const [a, b] = [await trainedExport(), await trainedExport('cpu')];
    exports.push(a, b);
    [portable, cpuTarget] = [a.model, b.model];
    browser = await launchChromium(['--enable-unsafe-webgpu']);
    const probe = await browser.context.newPage();
    await probe.route('https://example.org/probe/**', (route) => route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>probe</title>' }));
    await probe.goto('https://example.org/probe/index.html');
    missing = await adapterSkip(probe);
    await probe.close();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    for (const e of exports) await rm(e.dir, { recursive: true, force: true });
  });

  test('classifies test digits: logits within 1e-4 of the unchanged snippet (WASM), batch 8 and 1', async (ctx) => {
    if (missing) ctx.skip(missing);
    const { test: split } = await loadDataset({ dataset: 'mnist-sample' });
    const digits = Array.from({ length: 8 }, (_, k) => k * 249);            // spread over the split (it is ordered by digit)
    const pixels = digits.flatMap((i) => Array.from(split.images.subarray(i * 784, (i + 1) * 784), (b) => b / 255));
    const run = async (site: string, snippet: string, model: string): Promise<{ batch: number[]; one: number[] }> => {
      const page = await openSnippetSite(browser, site, snippet, model);
      page.on('pageerror', (error) => pageErrors.push(`${site}: ${error.message}`));
      try {
        return { batch: await pageLogits(page, pixels, 8), one: await pageLogits(page, pixels.slice(0, 784), 1) };
      } finally {
        await page.close();
      }
    };
    const wasm = await run('wasm', SNIPPET, portable);
    const gpu = await run('webgpu', webgpuSnippet(), portable);
    const [batch, one] = [relativeError(gpu.batch, wasm.batch), relativeError(gpu.one, wasm.one)];
    const buggy = relativeError((await run('webgpu-cpu-target', webgpuSnippet(), cpuTarget)).batch, (await run('wasm-cpu-target', SNIPPET, cpuTarget)).batch);
    const predicted = digits.map((_, k) => { const row = gpu.batch.slice(10 * k, 10 * k + 10); return row.indexOf(Math.max(...row)); });
    console.log(`snippet on onnxruntime-web/webgpu: max|Δ logits| ${fmt(batch.abs)} (N=8), ${fmt(one.abs)} (N=1); digits ${predicted.join('')} for labels ${digits.map((i) => split.labels[i]).join('')}; --target cpu export: ${fmt(buggy.abs)}`);
    expect(pageErrors).toEqual([]);
    expect(batch.abs).toBeLessThan(1e-4);
    expect(one.abs).toBeLessThan(1e-4);
    expect(predicted.filter((d, k) => d === split.labels[digits[k]]).length).toBeGreaterThanOrEqual(5); // 9 steps of training: 6 of 8 here
    expect(browser.external.filter((u) => !u.startsWith('https://example.org/') && !u.startsWith('https://cdn.jsdelivr.net/'))).toEqual([]);
  }, 400_000);
});
