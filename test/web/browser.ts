/**
 * Helpers for the end-to-end tests: `onnx-lenet serve` as a child process, Debian's Chromium through
 * playwright-core, and drawing a 28×28 digit onto the page's canvas with real pointer input.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { PageHooks } from '../../web/src/main.js';
import { CHROMIUM, chromiumMissing, requireDependency } from '../helpers/requires.js';

/**
 * For a file of browser tests, at its top: null when Chromium is here, the reason to skip the file's
 * tests on a developer's machine without it; under CI a missing Chromium fails the file.
 */
export const chromiumSkip = (): string | null => requireDependency('chromium', chromiumMissing());
/** The flags docs/environment.md lists as working on this project's machines. */
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface ServeProcess {
  readonly url: string;
  /** What it printed so far (stdout and stderr), e.g. its warnings. */
  readonly output: () => string;
  stop(): Promise<number | null>;
}

/** Starts `node bin/onnx-lenet.js serve --port 0 ...` (in `cwd`, default this one) and waits for the URL it prints. */
export async function serveCli(args: readonly string[], cwd?: string): Promise<ServeProcess> {
  const child = spawn(process.execPath, [path.resolve('bin/onnx-lenet.js'), 'serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const match = /at (http:\/\/\S+\/)/.exec(output);
      if (match) resolve(match[1]);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`onnx-lenet serve exited with ${code}: ${output}`)));
  });
  return { url, output: () => output, stop: () => stopChild(child) };
}

function stopChild(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

export interface Browser {
  readonly context: BrowserContext;
  /** Every request that tried to leave 127.0.0.1 (each is aborted). */
  readonly external: string[];
  close(): Promise<void>;
}

/**
 * Chromium with a fresh profile; any request not to 127.0.0.1 is recorded and aborted. `extraArgs` go
 * after the usual flags, e.g. `--enable-unsafe-webgpu` for a (SwiftShader) WebGPU adapter.
 */
export async function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  const userDataDir = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, args: [...FLAGS, ...extraArgs], viewport: { width: 1200, height: 1100 } });
  const external: string[] = [];
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:' || url.protocol === 'blob:') return route.continue();
    external.push(url.href);
    return route.abort();
  });
  return { context, external, close: () => context.close() };
}

/**
 * Draws a 28×28 grey image onto the pad as pen strokes: one pointer-down/move/up stroke per run of inked
 * pixels in each row, so the page sees ordinary pointer input.
 */
export async function drawDigit(page: Page, pixels: Uint8Array, selector = '#pad'): Promise<void> {
  // The mouse draws at viewport coordinates: the pad must be on screen (after training the page may have scrolled).
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  if (!box) throw new Error(`${selector} is not visible`);
  const at = (x: number, y: number): [number, number] => [box.x + ((x + 0.5) / 28) * box.width, box.y + ((y + 0.5) / 28) * box.height];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; x++) {
      if (pixels[y * 28 + x] < 128 || (x > 0 && pixels[y * 28 + x - 1] >= 128)) continue;
      let end = x;
      while (end + 1 < 28 && pixels[y * 28 + end + 1] >= 128) end++;
      await page.mouse.move(...at(x, y));
      await page.mouse.down();
      await page.mouse.move(...at(end, y), { steps: Math.max(1, end - x) });
      await page.mouse.up();
    }
  }
}

/** Opens `url` in a new page of `browser` (after `setUp`, e.g. routes), records its errors in `errors`, and waits until the page is ready. */
export async function openPage(browser: Browser, url: string, errors: string[], setUp?: (page: Page) => Promise<void>): Promise<Page> {
  const page = await browser.context.newPage();
  await setUp?.(page);
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page.waitForFunction(() => window.onnxLenet?.ready === true, null, { timeout: 60_000 });
  return page;
}

/** The page's read-only hooks (web/src/main.ts) as plain data. */
export const pageHooks = (page: Page): Promise<PageHooks> => page.evaluate(() => JSON.parse(JSON.stringify(window.onnxLenet)) as PageHooks);

/** Waits until the training panel is in one of `states`. */
export const waitTrainingState = (page: Page, states: string[], timeout = 120_000): Promise<unknown> =>
  page.waitForFunction((s) => s.includes(window.onnxLenet?.training.state ?? ''), states, { timeout });
