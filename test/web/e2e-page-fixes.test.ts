/**
 * Issue 15's "broken today" items, each checked in Debian's Chromium against `onnx-lenet serve`: a trained
 * model (the page's normal case) and, for "not sure", an untrained one whose every answer is a guess.
 * Every wait is on a page condition, never a fixed sleep. Screenshots go to test-artifacts/.
 */
import { existsSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadDataset } from '../../src/data/dataset.js';
import type { PageHooks } from '../../web/src/main.js';
import { type Browser, chromiumSkip, drawDigit, launchChromium, openPage, pageHooks, serveCli, type ServeProcess, waitTrainingState } from './browser.js';
import { buildFixtureModels, type ModelFiles, trainedModelFolder } from './fixtures.js';

const ARTIFACTS = 'test-artifacts';
const NO_CHROMIUM = chromiumSkip();

type Split = Awaited<ReturnType<typeof loadDataset>>['test'];

describe.skipIf(NO_CHROMIUM !== null)('issue 15: the page in Chromium', () => {
  let trained: ModelFiles;
  let untrained: ModelFiles;
  let server: ServeProcess;
  let untrainedServer: ServeProcess;
  let browser: Browser;
  let split: Split;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync('dist/web/src/main.js')) throw new Error('dist/web/src/main.js is missing: run `npm run build` first');
    [trained, untrained] = await Promise.all([trainedModelFolder(400), buildFixtureModels(0)]);
    [server, untrainedServer] = await Promise.all([serveCli(['--model', trained.inference]), serveCli(['--model', untrained.inference])]);
    browser = await launchChromium();
    split = (await loadDataset({ dataset: 'mnist-sample' })).test;
    await mkdir(ARTIFACTS, { recursive: true });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    if (server) expect(await server.stop()).toBe(0);
    if (untrainedServer) expect(await untrainedServer.stop()).toBe(0);
    for (const models of [trained, untrained]) if (models) await rm(models.dir, { recursive: true, force: true });
  });

  const open = (url = server.url, setUp?: (page: Page) => Promise<void>): Promise<Page> => openPage(browser, url, pageErrors, setUp);
  const hooks = pageHooks;
  const waitState = waitTrainingState;
  const firstOf = (label: number): Uint8Array => {
    const i = split.labels.indexOf(label);
    return split.images.subarray(i * 784, (i + 1) * 784);
  };
  /** Draws and waits until the page has predicted on the finished drawing (no inference pending). */
  async function draw(page: Page, pixels: Uint8Array): Promise<PageHooks> {
    await page.evaluate(() => void ((window as unknown as { lastPrediction: unknown }).lastPrediction = window.onnxLenet!.prediction));
    await drawDigit(page, pixels);
    await page.waitForFunction(() => window.onnxLenet!.prediction !== null && window.onnxLenet!.prediction !== (window as unknown as { lastPrediction: unknown }).lastPrediction);
    await settle(page);
    return hooks(page);
  }
  /** Two animation frames with the same prediction object: the last stroke's inference has landed. */
  async function settle(page: Page): Promise<void> {
    await page.waitForFunction(() => new Promise<boolean>((resolve) => {
      const before = window.onnxLenet!.prediction;
      requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(() => resolve(window.onnxLenet!.prediction === before), 50)));
    }), null, { polling: 'raf' });
  }

  test('1. double-click, Stop while loading and a stopped run never swap the pad\'s model; a finished run is offered', async () => {
    const page = await open();
    const served = (await hooks(page)).model;
    expect(served).toMatch(/^served /);

    // Stop while it says "Loading…": both clicks land in the same task, so the run is surely loading.
    await page.fill('#train-steps', '20');
    const during = await page.evaluate(() => {
      const button = document.querySelector<HTMLButtonElement>('#train')!;
      button.click();
      const seen = { state: window.onnxLenet!.training.state, label: button.textContent };
      button.click();
      return seen;
    });
    expect(during).toEqual({ state: 'loading', label: 'Stop' });
    await waitState(page, ['stopped', 'done', 'error']);
    let { training, model } = await hooks(page);
    expect(training).toMatchObject({ state: 'stopped', stepsDone: 0, offered: false, error: null });
    expect(model).toBe(served);
    expect(await page.isHidden('#use-trained')).toBe(true);

    // A real double-click starts one run, which runs to the end; its model is offered, not swapped in.
    await page.dblclick('#train');
    await waitState(page, ['training']);
    await waitState(page, ['done', 'stopped', 'error']);
    ({ training, model } = await hooks(page));
    expect(training).toMatchObject({ state: 'done', stepsDone: 20, offered: true, error: null });
    expect(training.losses).toHaveLength(20);
    expect(model).toBe(served);
    await page.screenshot({ path: `${ARTIFACTS}/web-offer.png`, fullPage: true });
    await page.click('#use-trained');
    await page.waitForFunction(() => window.onnxLenet!.model.startsWith('trained here: 20 steps'));
    expect(await page.isHidden('#use-trained')).toBe(true);

    // A run stopped after a few steps: offered with its step count, the pad keeps what it had.
    await page.fill('#train-steps', '100000');
    await page.click('#train');
    await page.waitForFunction(() => window.onnxLenet!.training.stepsDone >= 3, null, { timeout: 120_000 });
    await page.click('#train');
    await waitState(page, ['stopped', 'done', 'error']);
    ({ training, model } = await hooks(page));
    expect(training.state).toBe('stopped');
    expect(training.offered).toBe(true);
    expect(model).toMatch(/^trained here: 20 steps/);
    expect(await page.textContent('#train-status')).toMatch(/^Stopped after \d+ steps/);
    await page.click('#use-trained');
    await page.waitForFunction(() => / of 100000 steps/.test(window.onnxLenet!.model));
    await page.close();
  }, 240_000);

  test('2. a tap draws a dot; a blank image is "nothing drawn"; a low top probability is "not sure"', async () => {
    const page = await open();
    const box = (await page.locator('#pad').boundingBox())!;
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.waitForFunction(() => window.onnxLenet!.prediction !== null);
    const ink = await page.evaluate(() => {
      const canvas = document.querySelector<HTMLCanvasElement>('#pad')!;
      const px = canvas.getContext('2d')!.getImageData(canvas.width / 2, canvas.height / 2, 1, 1).data;
      const preview = document.querySelector<HTMLCanvasElement>('#preview')!.getContext('2d')!.getImageData(0, 0, 28, 28).data;
      return { centre: px[0], previewMax: Math.max(...preview) };
    });
    expect(ink.centre).toBeLessThan(64); // dark ink where the tap landed
    expect(ink.previewMax).toBeGreaterThan(128); // and the model sees it

    // A blank image (white PNG) uploaded: nothing to classify.
    const white = new PNG({ width: 64, height: 64 });
    white.data.fill(255);
    await page.setInputFiles('#upload', { name: 'blank.png', mimeType: 'image/png', buffer: PNG.sync.write(white) });
    await page.waitForFunction(() => window.onnxLenet!.verdict === 'Nothing drawn');
    expect((await hooks(page)).prediction).toBeNull();
    expect(await page.textContent('#digit')).toBe('–');
    await page.close();

    // With an untrained model every answer is a guess near 10 %: "not sure", and no digit is claimed.
    const guessing = await open(untrainedServer.url);
    await guessing.click('#clear');
    const { prediction, verdict } = await draw(guessing, firstOf(3));
    expect(Math.max(...prediction!.probabilities)).toBeLessThan(0.5);
    expect(verdict).toMatch(/^Not sure \(maybe \d, \d+\.\d%\)$/);
    expect(await guessing.textContent('#digit')).toBe('?');
    await guessing.close();
  }, 120_000);

  test('3. a later successful upload, or drawing, clears a failed upload\'s error', async () => {
    const page = await open();
    const bad = { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not an image at all') };
    await page.setInputFiles('#upload', bad);
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.textContent('#error')).toMatch(/^Could not read notes\.png as an image/);

    const digit = new PNG({ width: 28, height: 28 });
    firstOf(7).forEach((v, i) => digit.data.set([255 - v, 255 - v, 255 - v, 255], i * 4)); // dark ink on paper
    await page.setInputFiles('#upload', { name: 'seven.png', mimeType: 'image/png', buffer: PNG.sync.write(digit) });
    await page.waitForSelector('#error', { state: 'hidden' });
    await page.waitForFunction(() => window.onnxLenet!.prediction?.digit === 7);

    await page.setInputFiles('#upload', bad);
    await page.waitForSelector('#error:not([hidden])');
    await page.click('#clear');
    await draw(page, firstOf(1));
    expect(await page.isHidden('#error')).toBe(true);
    await page.close();
  }, 120_000);

  test('5. the leading digit\'s row is laid out like the others: the list does not jump when it changes', async () => {
    const page = await open();
    const layout = (): Promise<{ best: number; tops: number[]; heights: number[]; listHeight: number }> => page.$$eval('#bars li', (rows) => ({
      best: rows.findIndex((r) => r.classList.contains('best')),
      tops: rows.map((r) => r.getBoundingClientRect().top),
      heights: rows.map((r) => r.getBoundingClientRect().height),
      listHeight: rows[0].parentElement!.getBoundingClientRect().height,
    }));
    const before = await layout();
    const seen = new Set<number>();
    for (const label of [0, 4]) {
      await page.click('#clear');
      await draw(page, firstOf(label));
      const now = await layout();
      seen.add(now.best);
      const gaps = now.tops.slice(1).map((t, i) => t - now.tops[i]);
      expect(Math.max(...gaps) - Math.min(...gaps)).toBeLessThan(0.5);
      expect(Math.max(...now.heights) - Math.min(...now.heights)).toBeLessThan(0.5);
      // Before the fix the whole list moved by 19 px (the timing line) and the leading row grew by 20 px.
      expect(Math.max(...now.tops.map((t, i) => Math.abs(t - before.tops[i])))).toBeLessThan(0.5);
      expect(Math.abs(now.listHeight - before.listHeight)).toBeLessThan(0.5);
    }
    expect(seen.size).toBe(2);
    await page.close();
  }, 120_000);

  test('6. a new run clears the previous test accuracy and locks steps, batch and seed until it ends', async () => {
    const page = await open();
    await page.fill('#train-steps', '5');
    await page.click('#train');
    await waitState(page, ['done', 'stopped', 'error']);
    expect(await page.textContent('#stat-test-acc')).toMatch(/^\d+\.\d%$/);

    await page.fill('#train-steps', '100000');
    await page.click('#train');
    await waitState(page, ['training']);
    const during = await page.evaluate(() => ({
      testAcc: document.querySelector('#stat-test-acc')!.textContent,
      locked: ['#train-steps', '#train-batch', '#train-seed'].map((s) => document.querySelector<HTMLInputElement>(s)!.disabled),
    }));
    expect(during).toEqual({ testAcc: '–', locked: [true, true, true] });
    await expect(page.fill('#train-steps', '7', { timeout: 500 })).rejects.toThrow();
    await page.click('#train');
    await waitState(page, ['done', 'stopped', 'error']);
    expect(await page.$$eval('#train-steps, #train-batch, #train-seed', (els) => els.map((e) => (e as HTMLInputElement).disabled))).toEqual([false, false, false]);
    expect(await page.inputValue('#train-steps')).toBe('100000');
    await page.close();
  }, 180_000);

  test('8. keyboard focus on "Upload image…" shows; pad border, bars and the Stop button meet contrast', async () => {
    const page = await open();
    await draw(page, firstOf(2));
    await page.focus('#clear');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('upload');
    const ring = await page.$eval('label[for="upload"]', (l) => ({ style: getComputedStyle(l).outlineStyle, width: parseFloat(getComputedStyle(l).outlineWidth) }));
    expect(ring.style).toBe('solid');
    expect(ring.width).toBeGreaterThanOrEqual(2);
    await page.screenshot({ path: `${ARTIFACTS}/web-desktop.png`, fullPage: true });

    const idle = await contrasts(page);
    expect(idle.padBorder).toBeGreaterThanOrEqual(3);
    expect(idle.bar).toBeGreaterThanOrEqual(3);
    expect(idle.bestBar).toBeGreaterThanOrEqual(3);
    expect(idle.trainButton).toBeGreaterThanOrEqual(4.5);

    await page.fill('#train-steps', '100000');
    await page.click('#train');
    await waitState(page, ['training']);
    await page.mouse.move(0, 0);
    const busy = await contrasts(page);
    await page.locator('.train-controls').screenshot({ path: `${ARTIFACTS}/web-stop-button.png` });
    expect(await page.textContent('#train')).toBe('Stop');
    expect(busy.trainButton).toBeGreaterThanOrEqual(4.5);
    expect(busy.trainEdge).toBeGreaterThanOrEqual(3);
    await page.click('#train');
    await waitState(page, ['done', 'stopped', 'error']);
    await page.close();
  }, 180_000);

  test('10. on a phone (390×844) the pad and the prediction fit the first screen; dark mode follows the system', async () => {
    const phone = await open(server.url, (p) => p.setViewportSize({ width: 390, height: 844 }));
    await draw(phone, firstOf(0));
    const fold = await phone.evaluate(() => {
      const bottom = (s: string): number => document.querySelector(s)!.getBoundingClientRect().bottom;
      return { scrollY, pad: bottom('#pad'), digit: bottom('#digit'), confidence: bottom('#confidence'), width: document.documentElement.scrollWidth };
    });
    await phone.screenshot({ path: `${ARTIFACTS}/web-phone.png` });
    expect(fold.scrollY).toBe(0);
    for (const part of [fold.pad, fold.digit, fold.confidence]) expect(part).toBeLessThanOrEqual(844);
    expect(fold.width).toBeLessThanOrEqual(390);
    await phone.emulateMedia({ colorScheme: 'dark' });
    await phone.screenshot({ path: `${ARTIFACTS}/web-phone-dark.png` });
    await phone.close();

    const dark = await open(server.url, (p) => p.emulateMedia({ colorScheme: 'dark' }));
    await draw(dark, firstOf(5));
    await dark.screenshot({ path: `${ARTIFACTS}/web-dark.png`, fullPage: true });
    const c = await contrasts(dark);
    expect(c.cardLuminance).toBeLessThan(0.05);
    expect(c.text).toBeGreaterThanOrEqual(4.5);
    expect(c.muted).toBeGreaterThanOrEqual(4.5);
    expect(c.padBorder).toBeGreaterThanOrEqual(3);
    expect(c.bar).toBeGreaterThanOrEqual(3);
    expect(c.bestBar).toBeGreaterThanOrEqual(3);
    expect(c.trainButton).toBeGreaterThanOrEqual(4.5);
    expect(c.trainEdge).toBeGreaterThanOrEqual(3);
    await dark.close();
  }, 120_000);

  test('no page raised an error, nothing left 127.0.0.1', () => {
    expect(pageErrors).toEqual([]);
    expect(browser.external).toEqual([]);
  });
});

/** WCAG contrast ratios of the page's non-text parts (and two texts) against what lies next to them. */
function contrasts(page: Page): Promise<Record<string, number>> {
  return page.evaluate(() => {
    const rgb = (c: string): number[] => c.match(/[\d.]+/g)!.slice(0, 3).map(Number);
    const lum = (c: string): number => {
      const [r, g, b] = rgb(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a: string, b: string): number => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const style = (s: string): CSSStyleDeclaration => getComputedStyle(document.querySelector(s)!);
    const card = style('.card').backgroundColor;
    const train = style('#train');
    return {
      cardLuminance: lum(card),
      text: ratio(style('#confidence').color, card),
      muted: ratio(style('#model-info').color, card),
      padBorder: ratio(style('.pad-wrap').borderTopColor, card),
      bar: ratio(style('.bar-row:not(.best) .bar-fill').backgroundColor, style('.bar-row:not(.best) .bar-track').backgroundColor),
      bestBar: ratio(style('.bar-row.best .bar-fill').backgroundColor, style('.bar-row.best .bar-track').backgroundColor),
      trainButton: ratio(train.color, train.backgroundColor),
      // The Stop button is a light button on the card: its border is what shows where it is.
      trainEdge: Math.max(ratio(train.borderTopColor, card), ratio(train.backgroundColor, card)),
    };
  });
}
