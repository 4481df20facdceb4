/**
 * Issue 15's items 4, 7 and 9 and "serve shows the curves", in Debian's Chromium against the real CLI:
 * the README's `train` (short: mnist-sample, 2 epochs) then `serve`, run from a fresh folder as a user
 * would. The page must train with what `train` left (no lenet.train.onnx), show the run's curves, read a
 * 1200×900 photo as `predict` does, and label a software WebGPU adapter. Screenshots go to test-artifacts/.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import { decodeModel, encodeModel, onnx } from '../../src/graph/proto.js';
import { decodeImage } from '../../src/image/decode.js';
import { preprocess } from '../../src/image/preprocess.js';
import type { RunMetrics } from '../../src/serve/run-metrics.js';
import { Mt19937 } from '../../src/util/rng.js';
import type { PageHooks } from '../../web/src/main.js';
import { type Browser, chromiumSkip, launchChromium, openPage, pageHooks, serveCli, type ServeProcess, waitTrainingState } from './browser.js';

const run = promisify(execFile);
const ARTIFACTS = path.resolve('test-artifacts');
const CLI = path.resolve('bin/onnx-lenet.js');
const NO_CHROMIUM = chromiumSkip();

/**
 * A 1200×900 "photo": a dark MNIST digit, enlarged, on grey paper lit a little unevenly, with sensor
 * noise. Fitted into the square pad on white (the page before the fix), the model read this 4 as a 7.
 */
function photoOf(digit: Uint8Array, width = 1200, height = 900): Buffer {
  const png = new PNG({ width, height });
  const rng = new Mt19937(7);
  const size = 560;
  const [left, top] = [420, 150];
  const ink = (x: number, y: number): number => {
    // Bilinear sample of the 28×28 digit at the photo's pixel centre.
    const u = ((x - left + 0.5) / size) * 28 - 0.5;
    const v = ((y - top + 0.5) / size) * 28 - 0.5;
    if (u < -1 || v < -1 || u > 28 || v > 28) return 0;
    const at = (i: number, j: number): number => (i < 0 || j < 0 || i > 27 || j > 27 ? 0 : digit[j * 28 + i] / 255);
    const [i, j] = [Math.floor(u), Math.floor(v)];
    const [fu, fv] = [u - i, v - j];
    return (at(i, j) * (1 - fu) + at(i + 1, j) * fu) * (1 - fv) + (at(i, j + 1) * (1 - fu) + at(i + 1, j + 1) * fu) * fv;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const paper = 150 + 8 * (x / width) - 5 * (y / height) + (rng.nextUint32() / 2 ** 32 - 0.5) * 6;
      const value = Math.round(Math.min(255, Math.max(0, paper * (1 - 0.8 * ink(x, y)))));
      png.data.set([value, value, Math.max(0, value - 6), 255], 4 * (y * width + x));
    }
  }
  return PNG.sync.write(png);
}

describe.skipIf(NO_CHROMIUM !== null)('issue 15 in Chromium: after the README\'s `train` then `serve`', () => {
  let work: string;
  let models: string;
  let server: ServeProcess;
  let browser: Browser;
  let metrics: RunMetrics & { options: Record<string, unknown> };
  let filesAfterTrain: string[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('dist/web/src/main.js')) throw new Error('dist/web/src/main.js is missing: run `npm run build` first');
    work = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-readme-'));
    models = path.join(work, 'models');
    // The README's "npx onnx-lenet train", shortened; --threads 1 keeps it deterministic on any machine.
    await run(process.execPath, [CLI, 'train', '--dataset', 'mnist-sample', '--epochs', '2', '--threads', '1'], { cwd: work });
    filesAfterTrain = (await readdir(models)).sort();
    metrics = JSON.parse(await readFile(path.join(models, 'metrics.json'), 'utf8')) as typeof metrics;
    server = await serveCli([], work);
    browser = await launchChromium();
    await mkdir(ARTIFACTS, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
    if (work) await rm(work, { recursive: true, force: true });
  });

  const open = (url = server.url, setUp?: (page: Page) => Promise<void>): Promise<Page> => openPage(browser, url, pageErrors, setUp);
  const hooks = pageHooks;
  const waitState = waitTrainingState;

  test('7. `train` leaves no training graphs, `serve` warns of nothing, and the page trains; the folder stays as it was', async () => {
    expect(filesAfterTrain).toEqual(['lenet.ckpt', 'lenet.onnx', 'metrics.json']);
    expect(server.output()).not.toMatch(/warning/);
    const page = await open();
    expect(await page.isEnabled('#train')).toBe(true);
    await page.fill('#train-steps', '40');
    await page.click('#train');
    await waitState(page, ['training']);
    // Images/s and the time left, while it runs.
    await page.waitForFunction(() => /^(\d+ s|\d+:\d\d)/.test(document.querySelector('#stat-eta')!.textContent ?? ''), null, { timeout: 60_000 });
    expect(Number((await page.textContent('#stat-speed'))!.replace(/,/g, ''))).toBeGreaterThan(0);
    await waitState(page, ['done', 'stopped', 'error']);
    const { training } = await hooks(page);
    expect(training).toMatchObject({ state: 'done', stepsDone: 40, offered: true, error: null });
    expect(training.losses[39]).toBeLessThan(training.losses[0]);
    expect(await page.textContent('#stat-eta')).toBe('0 s');
    await page.close();
    expect((await readdir(models)).sort()).toEqual(filesAfterTrain);
  }, 180_000);

  test('serve shows the run\'s curves: loss and accuracy per epoch with labelled axes, the recipe and the data', async () => {
    const page = await open();
    await page.waitForSelector('#run-card:not([hidden]) svg.chart');
    const shown = await page.evaluate(() => ({
      recipe: document.querySelector('#run-recipe')!.textContent!,
      charts: Array.from(document.querySelectorAll('#run-charts svg.chart')).map((svg) => ({
        labels: Array.from(svg.querySelectorAll('.axis-label')).map((t) => t.textContent),
        series: Array.from(svg.querySelectorAll('.series')).map((g) => ({ kind: g.getAttribute('class'), title: g.querySelector('title')!.textContent, d: g.querySelector('path')!.getAttribute('d')! })),
        yTicks: Array.from(svg.querySelectorAll('.tick.y')).map((t) => Number(t.textContent)),
        xTicks: Array.from(svg.querySelectorAll('.tick.x')).map((t) => t.textContent),
      })),
    }));
    const final = metrics.epochs[1].testAccuracy;
    const { train, test: tested } = metrics.dataset;
    const n = (x: number): string => x.toLocaleString('en');
    expect(shown.recipe).toContain(`Trained by onnx-lenet train on mnist-sample (${n(train)} training, ${n(tested)} test images): ` +
      `2 of 2 epochs (${n(metrics.step)} steps), batch 64, Adam lr 0.001 (constant), seed 0, no augmentation, on cpu · 1 thread.`);
    expect(shown.recipe).toContain(`Test accuracy ${(100 * final).toFixed(2)}%.`);
    const [loss, accuracy] = shown.charts;
    expect(loss.labels).toEqual(['epoch', 'loss (cross-entropy)']);
    expect(accuracy.labels).toEqual(['epoch', 'accuracy (%)']);
    for (const chart of [loss, accuracy]) {
      expect(chart.series.map((s) => s.title)).toEqual(expect.arrayContaining([expect.stringMatching(/^training /), expect.stringMatching(/^test /)]));
      for (const s of chart.series) expect(s.d.match(/[ML]/g)).toEqual(['M', 'L']); // one point per epoch
      expect(chart.xTicks).toEqual(expect.arrayContaining(['1', '2']));
    }
    // The lines are where the numbers say: the test accuracy curve ends at the final accuracy's height.
    const y = (d: string): number => Number(d.split('L')[1].split(',')[1]);
    const testAcc = accuracy.series.find((s) => s.title === 'test accuracy')!;
    const trainAcc = accuracy.series.find((s) => s.title === 'training accuracy')!;
    expect(Math.sign(y(trainAcc.d) - y(testAcc.d))).toBe(Math.sign(metrics.epochs[1].testAccuracy - metrics.epochs[1].trainAccuracy));
    // Every point lies strictly inside the plot (charts.ts: y from 14 to 238 in the 460×280 view box):
    // none is clamped to an edge, as the training accuracy of the first epoch once was.
    for (const chart of [loss, accuracy]) {
      for (const s of chart.series) {
        for (const point of s.d.slice(1).split('L')) expect(Number(point.split(',')[1])).toSatisfy((v: number) => v > 14 && v < 238);
      }
    }

    await page.locator('#run-card').screenshot({ path: `${ARTIFACTS}/web-run-curves.png` });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#run-card').screenshot({ path: `${ARTIFACTS}/web-run-curves-phone.png` });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 1200, height: 1100 });
    await page.locator('#run-card').screenshot({ path: `${ARTIFACTS}/web-run-curves-dark.png` });
    const dark = await page.evaluate(() => {
      const line = getComputedStyle(document.querySelector('#run-charts .series.chosen path')!).stroke;
      const card = getComputedStyle(document.querySelector('#run-card')!).backgroundColor;
      return { line, card };
    });
    expect(dark.line).not.toBe(dark.card);
    await page.close();
  }, 120_000);

  test('4. a 1200×900 photo of a dark 4 on grey paper: the page reads it as `predict` does, from the same 28×28 input', async () => {
    const split = (await loadDataset({ dataset: 'mnist-sample' })).test;
    const i = split.labels.indexOf(4);
    const file = path.join(work, 'photo-4.png');
    const bytes = photoOf(split.images.subarray(i * 784, (i + 1) * 784));
    await writeFile(file, bytes);
    const { stdout } = await run(process.execPath, [CLI, 'predict', path.join(models, 'lenet.onnx'), file, '--json'], { cwd: work });
    const predicted = (JSON.parse(stdout) as { predictions: { digit: number; probabilities: number[]; inverted: boolean }[] }).predictions[0];
    expect(predicted.inverted).toBe(true);
    expect(predicted.digit).toBe(4);

    const page = await open();
    await page.setInputFiles('#upload', { name: 'photo-4.png', mimeType: 'image/png', buffer: bytes });
    await page.waitForFunction(() => window.onnxLenet!.prediction !== null && window.onnxLenet!.idle, null, { timeout: 60_000 });
    const { prediction } = await hooks(page);
    expect(prediction!.digit).toBe(predicted.digit);
    prediction!.probabilities.forEach((p, d) => expect(Math.abs(p - predicted.probabilities[d])).toBeLessThan(1e-4));
    // The model's input, byte for byte (the preview shows it at 0–255).
    const preview = await page.evaluate(() => Array.from(document.querySelector<HTMLCanvasElement>('#preview')!.getContext('2d')!.getImageData(0, 0, 28, 28).data.filter((_, k) => k % 4 === 0)));
    const expected = Array.from(preprocess(decodeImage(bytes, file)).pixels, (v) => Math.round(v * 255));
    expect(Math.max(...preview.map((v, k) => Math.abs(v - expected[k])))).toBeLessThanOrEqual(1);
    await page.screenshot({ path: `${ARTIFACTS}/web-photo-upload.png` });

    // Clear forgets the photo: the pad is blank again, not still showing the upload's answer.
    await page.click('#clear');
    await page.waitForFunction(() => window.onnxLenet!.verdict === 'Draw a digit' && window.onnxLenet!.idle);
    await page.close();
  }, 120_000);

  test('9. the backend choice names a software WebGPU adapter, and not a hardware one (adapter info faked)', async () => {
    const fake = (info: Record<string, unknown>) => async (page: Page): Promise<void> => {
      await page.addInitScript((adapterInfo) => {
        Object.defineProperty(Navigator.prototype, 'gpu', { configurable: true, get: () => ({ requestAdapter: async () => ({ info: adapterInfo }) }) });
      }, info);
    };
    const judged = async (page: Page): Promise<{ adapter: PageHooks['adapter']; option: string | null }> => {
      await page.waitForFunction(() => window.onnxLenet!.adapter !== undefined);
      return { adapter: (await hooks(page)).adapter, option: await page.textContent('#backend option[value="webgpu"]') };
    };
    const software = await open(server.url, fake({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }));
    expect(await judged(software)).toEqual({ adapter: { name: 'google swiftshader', software: true }, option: 'WebGPU (software: slow)' });
    expect(await software.isHidden('#backend-warning')).toBe(true); // WASM in use: nothing to warn of
    await software.close();
    const hardware = await open(server.url, fake({ vendor: 'nvidia', architecture: 'ampere', device: '', description: '' }));
    expect(await judged(hardware)).toEqual({ adapter: { name: 'nvidia ampere', software: false }, option: 'WebGPU' });
    await hardware.close();
  }, 60_000);

  test('7. a model the server has no train-step model for: the panel is disabled from the start, with why', async () => {
    // LeNet with one parameter renamed: the page can predict with it, but LeNet's training graph does not fit it.
    const model = decodeModel(await readFile(path.join(models, 'lenet.onnx')), 'lenet.onnx');
    const renamed = onnx.ModelProto.fromObject(onnx.ModelProto.toObject(model));
    const graph = renamed.graph as InstanceType<typeof onnx.GraphProto>;
    for (const t of graph.initializer) if (t.name === 'fc3.bias') t.name = 'head.bias';
    for (const n of graph.node) n.input = (n.input ?? []).map((name) => (name === 'fc3.bias' ? 'head.bias' : name));
    const other = path.join(work, 'other');
    await mkdir(other);
    await writeFile(path.join(other, 'lenet.onnx'), encodeModel(renamed));
    const otherServer = await serveCli(['--model', path.join(other, 'lenet.onnx')], work);
    try {
      expect(otherServer.output()).toMatch(/warning: .*LeNet-5's cannot stand in \(it has no fc3\.bias\): the page's training panel is disabled/);
      const page = await open(otherServer.url);
      await page.waitForFunction(() => document.querySelector<HTMLButtonElement>('#train')!.disabled);
      expect(await page.textContent('#train-status')).toMatch(/^Training is off: this server has no train-step model/);
      expect(await page.isHidden('#run-card')).toBe(true); // no metrics.json beside it
      await page.close();
    } finally {
      expect(await otherServer.stop()).toBe(0);
    }
  }, 60_000);

  test('no page raised an error, nothing left 127.0.0.1', () => {
    expect(pageErrors).toEqual([]);
    expect(browser.external).toEqual([]);
  });
});
