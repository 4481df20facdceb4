/**
 * Issue 15, item 11: the server's responses can be cached and revalidated (ETag, Last-Modified → 304)
 * and are compressed as the request allows (brotli, gzip), each encoded body made once.
 */
import { readFile, rm, stat, utimes } from 'node:fs/promises';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EncodedBodies, negotiateEncoding, notModified } from '../../src/serve/caching.js';
import { startServer, type RunningServer } from '../../src/serve/index.js';
import { ortWebDir } from '../../src/serve/routes.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

type Reply = { status: number; headers: http.IncomingHttpHeaders; body: Buffer };

function request(url: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Reply> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const WASM = '/ort/ort-wasm-simd-threaded.jsep.wasm';
const sample = {
  train: { images: new Uint8Array(20 * 784).map((_, i) => (i % 97 === 0 ? 255 : 0)), labels: new Uint8Array(20), count: 20 },
  test: { images: new Uint8Array(5 * 784), labels: new Uint8Array(5), count: 5 },
};

let models: ModelFiles;
let server: RunningServer;
let wasm: Buffer;

beforeAll(async () => {
  models = await buildFixtureModels();
  server = await startServer({ model: models.inference, port: 0, host: '127.0.0.1', loadSample: async () => sample });
  wasm = await readFile(`${ortWebDir()}/ort-wasm-simd-threaded.jsep.wasm`);
});

afterAll(async () => {
  await server?.close();
  if (models) await rm(models.dir, { recursive: true, force: true });
});

/** Asks until the encoded body is made (a large one is sent plain meanwhile). */
async function encoded(path: string, accept: string, encoding: string): Promise<Reply> {
  for (const start = Date.now(); Date.now() - start < 150_000;) {
    const reply = await request(server.url, path, { 'Accept-Encoding': accept });
    if (reply.headers['content-encoding'] === encoding) return reply;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${path} never came ${encoding}-encoded`);
}

describe('serve: caching and compression (HTTP)', () => {
  test('the first request for the 28 MB .wasm is not held up by compressing it: it goes plain, under the plain tag', async () => {
    const first = await request(server.url, WASM, { 'Accept-Encoding': 'br' });
    expect(first.headers['content-encoding']).toBeUndefined();
    expect(first.body.equals(wasm)).toBe(true);
    expect(first.headers.vary).toBe('Accept-Encoding');
    expect(first.headers.etag).toBe((await request(server.url, WASM, {}, 'HEAD')).headers.etag);
  });

  test('the 28 MB .wasm goes brotli- or gzip-encoded as asked, the same bytes once decoded, with validators', async () => {
    const br = await encoded(WASM, 'gzip, deflate, br, zstd', 'br');
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.headers['cache-control']).toBe('no-cache');
    expect(br.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(Number(br.headers['content-length'])).toBe(br.body.length);
    expect(br.body.length).toBeLessThan(wasm.length / 4);
    expect(brotliDecompressSync(br.body).equals(wasm)).toBe(true);

    const gz = await encoded(WASM, 'gzip', 'gzip');
    expect(gunzipSync(gz.body).equals(wasm)).toBe(true);

    const plain = await request(server.url, WASM);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(wasm)).toBe(true);

    // Each encoding is its own representation with its own tag; all carry the file's time.
    const tags = [br, gz, plain].map((r) => r.headers.etag);
    expect(new Set(tags).size).toBe(3);
    const mtime = (await stat(`${ortWebDir()}/ort-wasm-simd-threaded.jsep.wasm`)).mtime;
    for (const r of [br, gz, plain]) expect(r.headers['last-modified']).toBe(mtime.toUTCString());

    const head = await request(server.url, WASM, { 'Accept-Encoding': 'br' }, 'HEAD');
    expect(head.headers['content-length']).toBe(br.headers['content-length']);
    expect(head.headers.etag).toBe(br.headers.etag);
  }, 320_000);

  test('a matching If-None-Match or an unchanged If-Modified-Since is answered 304 with no body', async () => {
    const first = await encoded(WASM, 'br', 'br');
    const etag = first.headers.etag!;
    const again = await request(server.url, WASM, { 'Accept-Encoding': 'br', 'If-None-Match': etag });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect(again.headers.etag).toBe(etag);
    expect(again.headers['cross-origin-opener-policy']).toBe('same-origin');
    // The brotli tag does not validate the gzip body.
    expect((await request(server.url, WASM, { 'Accept-Encoding': 'gzip', 'If-None-Match': etag })).status).toBe(200);
    expect((await request(server.url, WASM, { 'Accept-Encoding': 'br', 'If-None-Match': `"other", W/${etag}` })).status).toBe(304);
    // The plain copy got while brotli was being made is still good too.
    const plainTag = (await request(server.url, WASM, {}, 'HEAD')).headers.etag!;
    const plainHeld = await request(server.url, WASM, { 'Accept-Encoding': 'br', 'If-None-Match': plainTag });
    expect([plainHeld.status, plainHeld.headers.etag]).toEqual([304, plainTag]);

    // A restarted server revalidates the brotli copy at once, before making any brotli body.
    const restarted = await startServer({ model: models.inference, port: 0, host: '127.0.0.1' });
    try {
      const held = await request(restarted.url, WASM, { 'Accept-Encoding': 'br', 'If-None-Match': etag });
      expect([held.status, held.headers.etag]).toEqual([304, etag]);
    } finally {
      await restarted.close();
    }

    const since = first.headers['last-modified']!;
    const css = (await request(server.url, '/style.css', {}, 'HEAD')).headers['last-modified']!;
    expect((await request(server.url, '/style.css', { 'If-Modified-Since': css })).status).toBe(304);
    expect((await request(server.url, WASM, { 'If-Modified-Since': since })).status).toBe(304);
    const before = new Date(Date.parse(since) - 1000).toUTCString();
    expect((await request(server.url, WASM, { 'If-Modified-Since': before }, 'HEAD')).status).toBe(200);
  }, 200_000);

  test('a file that changes gets a new tag: the old one no longer matches', async () => {
    const first = await request(server.url, '/models/lenet.onnx');
    expect(first.headers['content-encoding']).toBeUndefined(); // float32 weights: not worth compressing
    const later = new Date(Date.now() + 5_000);
    await utimes(models.inference, later, later);
    const second = await request(server.url, '/models/lenet.onnx', { 'If-None-Match': first.headers.etag! });
    expect(second.status).toBe(200);
    expect(second.headers.etag).not.toBe(first.headers.etag);
    expect(second.headers['last-modified']).toBe(new Date(Math.floor(later.getTime() / 1000) * 1000).toUTCString());
  });

  test('the digits made in memory are compressed and revalidated by a hash of their bytes', async () => {
    const gz = await request(server.url, '/data/mnist-sample.bin', { 'Accept-Encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gz.headers['last-modified']).toBeUndefined();
    const plain = await request(server.url, '/data/mnist-sample.bin');
    expect(gunzipSync(gz.body).equals(plain.body)).toBe(true);
    expect(gz.body.length).toBeLessThan(plain.body.length / 5);
    expect((await request(server.url, '/data/mnist-sample.bin', { 'Accept-Encoding': 'gzip', 'If-None-Match': gz.headers.etag! })).status).toBe(304);
  });
});

describe('caching.ts', () => {
  test.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip', 'gzip'],
    ['br;q=0, gzip;q=0.5', 'gzip'],
    ['gzip;q=0, br;q=0', 'identity'],
    ['identity', 'identity'],
    ['*', 'br'],
    ['br;q=0, *;q=0.1', 'gzip'],
    ['GZIP ; q=1', 'gzip'],
  ])('Accept-Encoding %j → %s', (accept, encoding) => {
    expect(negotiateEncoding(accept)).toBe(encoding);
  });

  test('If-None-Match wins over If-Modified-Since; * matches anything; weak tags compare equal; the held tag is answered', () => {
    const req = (headers: Record<string, string>): http.IncomingMessage => ({ headers } as unknown as http.IncomingMessage);
    const time = new Date('2026-11-30T12:00:00.400Z');
    const tags = ['"a-br"', '"a"'];
    expect(notModified(req({ 'if-none-match': '"a-br"' }), tags, time)).toBe('"a-br"');
    expect(notModified(req({ 'if-none-match': '"x", W/"a"' }), tags, time)).toBe('"a"');
    expect(notModified(req({ 'if-none-match': '*' }), tags, time)).toBe('"a-br"');
    expect(notModified(req({ 'if-none-match': '"b"', 'if-modified-since': time.toUTCString() }), tags, time)).toBeUndefined();
    expect(notModified(req({ 'if-modified-since': 'Mon, 30 Nov 2026 12:00:00 GMT' }), tags, time)).toBe('"a-br"');
    expect(notModified(req({ 'if-modified-since': 'Mon, 30 Nov 2026 11:59:59 GMT' }), tags, time)).toBeUndefined();
    expect(notModified(req({ 'if-modified-since': 'yesterday' }), tags, time)).toBeUndefined();
    expect(notModified(req({ 'if-modified-since': time.toUTCString() }), tags, undefined)).toBeUndefined();
    expect(notModified(req({}), tags, time)).toBeUndefined();
  });

  test('an encoded body is made once per version, again when the version changes', async () => {
    const bodies = new EncodedBodies();
    let reads = 0;
    const read = async (): Promise<Uint8Array> => (reads++, new TextEncoder().encode('x'.repeat(5000)));
    const a = await bodies.get('k', 'v1', 'gzip', read);
    const b = await bodies.get('k', 'v1', 'gzip', read);
    expect(b).toBe(a);
    expect([bodies.compressions, reads]).toEqual([1, 1]);
    await bodies.get('k', 'v1', 'br', read);
    await bodies.get('k', 'v2', 'gzip', read);
    expect([bodies.compressions, reads]).toEqual([3, 3]);
    expect(gunzipSync(await bodies.get('k', 'v2', 'gzip', read)).toString()).toBe('x'.repeat(5000));
    expect(bodies.compressions).toBe(3);
  });
});
