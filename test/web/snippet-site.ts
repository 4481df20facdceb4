/**
 * Plays "any web site" for the README snippet: https://example.org/<site>/ serves a page (`html`) and
 * lenet.onnx, and the jsDelivr URL answers with the installed onnxruntime-web files, as the real CDN
 * would (with CORS). Nothing leaves the machine: Playwright fulfils every request.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { mimeType } from '../../src/serve/mime.js';

/** The page's HTML: the snippet as a module script, then `tail` (more script in the same module). */
export const snippetPage = (snippet: string, tail: string): string =>
  `<!doctype html><meta charset="utf-8"><script type="module">\n${snippet}\n${tail}\n</script>`;

export async function routeSnippetSite(page: Page, site: string, html: string, model: string): Promise<void> {
  await page.route(`https://example.org/${site}/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    if (name === 'index.html') return route.fulfill({ contentType: 'text/html', body: html });
    if (name === 'lenet.onnx') return route.fulfill({ contentType: 'application/octet-stream', body: await readFile(model) });
    return route.fulfill({ status: 404 });
  });
  await page.route(/^https:\/\/cdn\.jsdelivr\.net\/npm\/onnxruntime-web@[^/]+\/dist\/[\w.-]+$/, async (route) => {
    const file = path.join('node_modules/onnxruntime-web/dist', path.basename(new URL(route.request().url()).pathname));
    if (!existsSync(file)) return route.fulfill({ status: 404 });
    return route.fulfill({ contentType: mimeType(file), headers: { 'Access-Control-Allow-Origin': '*' }, body: await readFile(file) });
  });
}
