import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { encodeSample } from '../../src/serve/sample-data.js';
import { decodeSample } from '../../web/src/dataset.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

/** A GET/HEAD with the path sent exactly as written (fetch would normalise `..` away). */
function rawRequest(url: string, path: string, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const tinySample = {
  train: { images: new Uint8Array(2 * 784).fill(7), labels: Uint8Array.of(3, 4), count: 2 },
  test: { images: new Uint8Array(784).fill(9), labels: Uint8Array.of(5), count: 1 },
};

let models: ModelFiles;
let server: RunningServer;

beforeAll(async () => {
  models = await buildFixtureModels();
  server = await startServer({ model: models.inference, port: 0, host: '127.0.0.1', loadSample: async () => tinySample });
});

afterAll(async () => {
  await server?.close();
  if (models) await rm(models.dir, { recursive: true, force: true });
});

describe('serve: content and headers', () => {
  test.each([
    ['/', 'text/html; charset=utf-8'],
    ['/style.css', 'text/css; charset=utf-8'],
    ['/ort/ort.min.mjs', 'text/javascript; charset=utf-8'],
    ['/ort/ort-wasm-simd-threaded.jsep.mjs', 'text/javascript; charset=utf-8'],
    ['/ort/ort-wasm-simd-threaded.jsep.wasm', 'application/wasm'],
    ['/models/lenet.onnx', 'application/octet-stream'],
    ['/models/lenet.train.onnx', 'application/octet-stream'],
  ])('%s is %s, cross-origin isolated', async (path, type) => {
    const res = await rawRequest(server.url, path, 'HEAD');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(type);
    expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(res.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
    expect(Number(res.headers['content-length'])).toBeGreaterThan(0);
  });

  test('serves the model byte for byte', async () => {
    const res = await fetch(new URL('/models/lenet.onnx', server.url));
    expect(Buffer.from(await res.arrayBuffer()).equals(await readFile(models.inference))).toBe(true);
  });

  test('serves the compiled shared preprocessing to the page', async () => {
    if (!existsSync('dist/src/image/preprocess.js')) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    const res = await fetch(new URL('/dist/src/image/preprocess.js', server.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await res.text()).toContain('export function preprocess');
  });

  test('serves the digits in the compact binary form, which the page decodes', async () => {
    const res = await fetch(new URL('/data/mnist-sample.bin', server.url));
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const data = decodeSample(new Uint8Array(await res.arrayBuffer()));
    expect(data.train.count).toBe(2);
    expect([...data.train.labels]).toEqual([3, 4]);
    expect(data.test.images).toEqual(tinySample.test.images);
  });

  test('encodeSample rejects mismatched splits', () => {
    expect(() => encodeSample({ ...tinySample, test: { ...tinySample.test, count: 2 } })).toThrow(/test split: 784 image bytes and 1 labels do not match count 2/);
  });

  test.each([['POST'], ['PUT'], ['DELETE']])('%s is refused with 405', async (method) => {
    const res = await rawRequest(server.url, '/', method);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('serve: refuses to leave its roots', () => {
  test.each([
    ['/../package.json', 403],
    ['/ort/../../package.json', 403],
    ['/ort/..%2f..%2f..%2fpackage.json', 403],
    ['/%2e%2e/%2e%2e/etc/passwd', 403],
    ['/dist/web/..%5c..%5cpackage.json', 403],
    ['/ort/%2e%2e%2f%2e%2e%2fpackage.json', 403],
    ['/ort/%00', 400],
    ['/ort/%E0%A4%A', 400],
    ['/package.json', 404],
    ['/src/main.ts', 404],
    ['/dist/src/data/dataset.js', 404],
    ['/ort/', 404],
    ['/nope.html', 404],
  ])('%s → %i', async (path, status) => {
    const res = await rawRequest(server.url, path);
    expect(res.status).toBe(status);
    expect(res.body.toString()).not.toContain('"name"');
  });
});

describe('serve: start-up errors', () => {
  test('a taken port gives one line naming the port and --port', async () => {
    const error = await startServer({ model: models.inference, port: server.port, host: '127.0.0.1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`port ${server.port} on 127.0.0.1 is already in use; choose another with --port`);
  });

  test('a missing model is named, with how to build it', async () => {
    await expect(startServer({ model: 'nowhere/lenet.onnx', port: 0, host: '127.0.0.1' })).rejects.toThrow(
      'model not found: nowhere/lenet.onnx (train one with: onnx-lenet train, or write an untrained one with: onnx-lenet build-graph --out models)',
    );
  });

  test('a missing train-step model is a warning, not an error', async () => {
    const other = await startServer({ model: models.inference, trainModel: 'nowhere.onnx', port: 0, host: '127.0.0.1' });
    try {
      expect(other.warnings[0]).toMatch(/no train-step model at .*nowhere\.onnx: the page's training panel is disabled/);
      expect((await rawRequest(other.url, '/models/lenet.train.onnx')).status).toBe(404);
    } finally {
      await other.close();
    }
  });
});
