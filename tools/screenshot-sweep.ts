/**
 * A PNG of a sweep's report, as a reader sees it: `node dist/tools/screenshot-sweep.js sweeps/x/sweep.html
 * docs/sweep.png`. Opens the file:// page in headless Chromium (/usr/bin/chromium, fresh profile) with
 * every network request aborted, so it also checks that the page needs none; prints any it tried.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

async function main(html: string, png: string, width = 1200): Promise<void> {
  const profile = await mkdtemp(path.join(tmpdir(), 'onnx-lenet-shot-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: '/usr/bin/chromium', args: FLAGS, viewport: { width, height: 900 } });
  const requested: string[] = [];
  try {
    await context.route('**/*', (route) => {
      const url = route.request().url();
      if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
      requested.push(url);
      return route.abort();
    });
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(pathToFileURL(path.resolve(html)).href);
    await page.screenshot({ path: png, fullPage: true });
    process.stdout.write(`wrote ${png}; network requests: ${requested.length === 0 ? 'none' : requested.join(' ')}; script errors: ${errors.length === 0 ? 'none' : errors.join(' | ')}\n`);
    if (requested.length > 0 || errors.length > 0) process.exitCode = 1;
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

const [html, png, width] = process.argv.slice(2);
if (html === undefined || png === undefined) {
  process.stderr.write('usage: node dist/tools/screenshot-sweep.js <sweep.html> <out.png> [width]\n');
  process.exitCode = 2;
} else {
  await main(html, png, width !== undefined ? Number(width) : undefined);
}
