/**
 * What the page's training workers load from the server: the generated gradient and flat Adam models
 * (src/serve/step-models.ts, at the URLs of model-urls.ts), bounded so a request cannot make the server
 * build big models; and every module the worker script imports, followed import by import through the
 * compiled files (PAGE_FILES / PAGE_FOLDERS in routes.ts). Needs `npm run build` for the last part.
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { gradOf } from '../../src/graph/contract.js';
import { modelValueSpecs } from '../../src/graph/export.js';
import { PARAMS, PARAM_COUNT } from '../../src/graph/params.js';
import { decodeModel } from '../../src/graph/proto.js';
import { GRADIENT_MODEL_URL, flatAdamUrl, parseFlatAdamUrl } from '../../src/serve/model-urls.js';
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

  test('a flat Adam model of the asked length and parts', async () => {
    const res = await get(flatAdamUrl(30853, 2));
    expect(res.status).toBe(200);
    const io = modelValueSpecs(decodeModel(new Uint8Array(await res.arrayBuffer()), 'flat Adam'));
    expect(io.inputs.find((i) => i.name === gradOf(1))?.shape).toEqual([30853]);
    expect(io.inputs.some((i) => i.name === gradOf(2))).toBe(false);
  });

  test.each([
    [`/models/flat-adam/${PARAM_COUNT + 1}x2.onnx`, 'longer than LeNet\'s parameters'],
    ['/models/flat-adam/100x65.onnx', 'more than 64 parts'],
    ['/models/flat-adam/0x2.onnx', 'length 0'],
    ['/models/flat-adam/100x2.onnx.bak', 'another name'],
    ['/models/flat-adam/-1x2.onnx', 'a negative length'],
  ])('%s (%s) is not found', async (pathname) => {
    expect((await get(pathname)).status).toBe(404);
  });

  test('the URLs round-trip and nothing else parses', () => {
    expect(parseFlatAdamUrl(flatAdamUrl(123, 4))).toEqual({ length: 123, parts: 4 });
    expect(parseFlatAdamUrl('/models/flat-adam/12x04.onnx')).toBeUndefined();
    expect(parseFlatAdamUrl('/models/lenet.onnx')).toBeUndefined();
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
