/** Fixture builders for the data tests: small IDX files and a local HTTP server on 127.0.0.1. */
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

/** IDX images: magic 2051, count, rows, cols, then pixel(i, k) for each image i and pixel k. */
export function idxImages(count: number, pixel: (i: number, k: number) => number = (i, k) => (i * 7 + k) & 0xff, rows = 28, cols = 28): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32BE(2051, 0);
  header.writeUInt32BE(count, 4);
  header.writeUInt32BE(rows, 8);
  header.writeUInt32BE(cols, 12);
  const body = Buffer.alloc(count * rows * cols);
  for (let i = 0; i < count; i++) for (let k = 0; k < rows * cols; k++) body[i * rows * cols + k] = pixel(i, k);
  return Buffer.concat([header, body]);
}

export function idxLabels(labels: readonly number[]): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(2049, 0);
  header.writeUInt32BE(labels.length, 4);
  return Buffer.concat([header, Buffer.from(labels)]);
}

export const gz = (b: Uint8Array): Buffer => gzipSync(b);
export const md5 = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');

export async function tempDir(prefix = 'onnx-lenet-data-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Files in `dir` (empty when the folder does not exist). */
export async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

export interface TestServer {
  readonly base: string;
  /** Requests received, by path. */
  readonly requests: string[];
  route(path: string, handler: Handler): void;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 with a route table; unknown paths get 404. */
export async function startServer(): Promise<TestServer> {
  const routes = new Map<string, Handler>();
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    requests.push(path);
    const handler = routes.get(path);
    if (handler) handler(req, res);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    requests,
    route: (path, handler) => routes.set(path, handler),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A handler serving `body` with a Content-Length. */
export const serve = (body: Uint8Array): Handler => (_req, res) => {
  res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/octet-stream' }).end(body);
};
