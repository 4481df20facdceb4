/**
 * Runs models through onnxruntime-web's WebGPU backends in Debian's Chromium (SwiftShader WebGPU with
 * `--enable-unsafe-webgpu`). A bare test page is routed under `/__webgpu__/` on the project's own
 * server (src/serve), with an import map that picks the build of onnxruntime-web:
 *   - `jsep`:   `onnxruntime-web` (dist/ort.min.mjs) — the default import, the JSEP WebGPU backend;
 *               the one the page in web/ uses;
 *   - `native`: `onnxruntime-web/webgpu` (dist/ort.webgpu.min.mjs) — ONNX Runtime's native WebGPU
 *               provider (the C++ one onnxruntime-node has) compiled to wasm.
 * The page's own modules (dist/web/src/…) import `onnxruntime-web` by that name, so they run on the
 * chosen build too.
 */
import type * as ortWeb from 'onnxruntime-web';
import type { Page } from 'playwright-core';
import type * as ortNode from 'onnxruntime-node';
import type { DigitData } from '../../web/src/dataset.js';
import type { BrowserTrainer } from '../../web/src/trainer.js';
import type { Browser } from '../web/browser.js';
import { requireDependency } from '../helpers/requires.js';

export type WebBuild = 'jsep' | 'native';

export const ORT_MODULE: Record<WebBuild, string> = { jsep: '/ort/ort.min.mjs', native: '/ort/ort.webgpu.min.mjs' };

/** A tensor as plain JSON, to cross into the page. */
export interface TensorJson {
  readonly type: 'float32' | 'int32';
  readonly dims: readonly number[];
  readonly data: readonly number[];
}
export type FeedsJson = Record<string, TensorJson>;
export type OutputsJson = Record<string, number[]>;

export const toJson = (feeds: Readonly<Record<string, ortNode.Tensor>>): FeedsJson =>
  Object.fromEntries(Object.entries(feeds).map(([name, t]) => [name, { type: t.type as 'float32' | 'int32', dims: [...t.dims], data: Array.from(t.data as Float32Array | Int32Array) }]));

interface PageGlobals {
  ort: typeof ortWeb;
  BrowserTrainer: typeof BrowserTrainer;
  decodeSample: (bytes: Uint8Array) => DigitData;
  ortReady: boolean;
}

/** The test page's script: onnxruntime-web by the import map's choice, and the page's trainer on it. */
const PAGE_SCRIPT = `import * as ort from 'onnxruntime-web';
import { BrowserTrainer } from '/dist/web/src/trainer.js';
import { decodeSample } from '/dist/web/src/dataset.js';
ort.env.wasm.wasmPaths = '/ort/';
Object.assign(window, { ort, BrowserTrainer, decodeSample, ortReady: true });`;

/** Opens the test page for `build`; models are served from `files` (path under /__webgpu__/ → bytes). */
export async function openPage(browser: Browser, serverUrl: string, build: WebBuild, files: ReadonlyMap<string, Uint8Array>): Promise<Page> {
  const page = await browser.context.newPage();
  const headers = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' };
  await page.route(`${serverUrl}__webgpu__/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice('/__webgpu__/'.length);
    if (name === 'index.html') {
      const html = `<!doctype html><meta charset="utf-8"><title>webgpu ${build}</title>
<script type="importmap">{ "imports": { "onnxruntime-web": "${ORT_MODULE[build]}" } }</script>
<script type="module">${PAGE_SCRIPT}</script>`;
      return route.fulfill({ status: 200, headers: { ...headers, 'Content-Type': 'text/html' }, body: html });
    }
    const bytes = files.get(name);
    if (!bytes) return route.fulfill({ status: 404, headers, body: 'not found' });
    return route.fulfill({ status: 200, headers: { ...headers, 'Content-Type': 'application/octet-stream' }, body: Buffer.from(bytes) });
  });
  await page.goto(`${serverUrl}__webgpu__/index.html`);
  await page.waitForFunction(() => (window as unknown as PageGlobals).ortReady === true, null, { timeout: 60_000 });
  return page;
}

/** Whether the browser offers a WebGPU adapter (null when it does), checked on a fresh page. */
export async function adapterMissing(page: Page): Promise<string | null> {
  const info = await page.evaluate(async () => {
    const gpu = (navigator as unknown as { gpu?: { requestAdapter(): Promise<object | null> } }).gpu;
    if (!gpu) return 'navigator.gpu is undefined';
    const adapter = await gpu.requestAdapter();
    return adapter ? null : 'navigator.gpu.requestAdapter() returned null';
  });
  return info;
}

/**
 * In a file's beforeAll: null when `page` (a fresh page on an http origin) sees a WebGPU adapter; the
 * reason to skip when it does not on a developer's machine; throws under CI (the adapter comes from a
 * Vulkan driver: hiding it, ONNX_LENET_TEST_HIDE=vulkan, takes Chromium's adapter away too).
 */
export async function adapterSkip(page: Page): Promise<string | null> {
  const missing = await adapterMissing(page);
  return requireDependency('vulkan', missing && `no WebGPU adapter in Chromium: ${missing}`);
}

/**
 * Creates one session for `model` (a file under /__webgpu__/) on onnxruntime-web's `webgpu` provider and
 * runs it once per entry of `batches`, each merged over `common`; returns every output per run.
 */
export async function runInPage(page: Page, model: string, common: FeedsJson, batches: readonly FeedsJson[]): Promise<OutputsJson[]> {
  return page.evaluate(async ({ model, common, batches }) => {
    const ort = (window as unknown as PageGlobals).ort;
    const bytes = new Uint8Array(await (await fetch(`/__webgpu__/${model}`)).arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' });
    const tensor = (t: TensorJson): ortWeb.Tensor =>
      new ort.Tensor(t.type, t.type === 'int32' ? Int32Array.from(t.data) : Float32Array.from(t.data), [...t.dims]);
    const results: OutputsJson[] = [];
    try {
      for (const batch of batches) {
        const feeds: Record<string, ortWeb.Tensor> = {};
        for (const [name, t] of Object.entries({ ...common, ...batch })) feeds[name] = tensor(t);
        const out = await session.run(feeds);
        const result: OutputsJson = {};
        for (const [name, t] of Object.entries(out)) result[name] = Array.from((await t.getData()) as Float32Array);
        results.push(result);
      }
    } finally {
      await session.release();
    }
    return results;
  }, { model, common, batches });
}

export interface PageTraining {
  readonly losses: number[];
  readonly ms: number;
}

/**
 * `steps` steps of the page's own BrowserTrainer (web/src/trainer.ts) on its `webgpu` backend, with the
 * train-step model `model` (under /__webgpu__/) and the digits the server sends.
 */
export async function trainInPage(page: Page, model: string, steps: number, batchSize: number, seed: number): Promise<PageTraining> {
  return page.evaluate(async ({ model, steps, batchSize, seed }) => {
    const { BrowserTrainer, decodeSample } = window as unknown as PageGlobals;
    const fetchBytes = async (url: string): Promise<Uint8Array> => new Uint8Array(await (await fetch(url)).arrayBuffer());
    const data = decodeSample(await fetchBytes('/data/mnist-sample.bin'));
    const trainer = await BrowserTrainer.create(await fetchBytes(`/__webgpu__/${model}`), data.train, { steps, batchSize, seed, learningRate: 1e-3, backend: 'webgpu' });
    const losses: number[] = [];
    const t0 = performance.now();
    try {
      for (let i = 0; i < steps; i++) losses.push((await trainer.trainStep()).loss);
    } finally {
      await trainer.release();
    }
    return { losses, ms: (performance.now() - t0) / steps };
  }, { model, steps, batchSize, seed });
}
