/**
 * What the page's training workers load from the server: the generated gradient model (server.ts, at
 * model-urls.ts's URL), built once and cached; and every module the worker script imports, followed
 * import by import through the compiled files (PAGE_FILES / PAGE_FOLDERS in routes.ts). Needs
 * `npm run build` for the last part.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gradOf } from '../../src/graph/contract.js';
import { modelValueSpecs } from '../../src/graph/export.js';
import { PARAMS } from '../../src/graph/params.js';
import { decodeModel } from '../../src/graph/proto.js';
import { GRADIENT_MODEL_URL } from '../../src/serve/model-urls.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

let models: ModelFiles;
let server: RunningServer;

beforeAll(async () => {
  models = await buildFixtureModels();
  server = await startServer({ model: models.inference, port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await server?.close();
  if (models) await rm(models.dir, { recursive: true, force: true });
});

const get = (pathname: string): Promise<Response> => fetch(new URL(pathname, server.url));

describe('the models of the page\'s training workers', () => {
  test('the gradient model: every parameter in, its gradient out, with the isolation headers', async () => {
    const res = await get(GRADIENT_MODEL_URL);
    expect(res.status).toBe(200);
    expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const io = modelValueSpecs(decodeModel(new Uint8Array(await res.arrayBuffer()), GRADIENT_MODEL_URL));
    const outputs = io.outputs.map((o) => o.name);
    for (const p of PARAMS) {
      expect(io.inputs.map((i) => i.name)).toContain(p.name);
      expect(outputs).toContain(gradOf(p.name));
    }
  });

  test('built once and cached: the same ETag again, and 304 for a client that has it', async () => {
    const first = await get(GRADIENT_MODEL_URL);
    const etag = first.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await get(GRADIENT_MODEL_URL)).headers.get('etag')).toBe(etag);
    expect((await fetch(new URL(GRADIENT_MODEL_URL, server.url), { headers: { 'if-none-match': etag! } })).status).toBe(304);
  });

  test('no Adam model is served: the workers update their slices in JavaScript', async () => {
    expect((await get('/models/flat-adam/30853x2.onnx')).status).toBe(404);
  });

  test('every module the worker script imports is served, import by import', async () => {
    if (!existsSync('dist/web/src/train-worker.js')) throw new Error('dist/web/src/train-worker.js is missing: run `npm run build` first');
    const seen = new Set<string>();
    const queue = ['/dist/web/src/train-worker.js', '/dist/web/src/worker-runner.js'];
    while (queue.length > 0) {
      const url = queue.pop()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await get(url);
      expect(res.status, url).toBe(200);
      const source = await res.text();
      for (const match of source.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) queue.push(new URL(match[1], new URL(url, 'http://x')).pathname);
    }
    expect([...seen]).toContain('/dist/src/train/step/parallel/part.js');
    expect([...seen]).toContain('/dist/src/runtime/binding/web-ort.js');
  });
});
