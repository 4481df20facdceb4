import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { IdxFileSpec, RemoteDatasetSpec } from '../../src/data/catalog.js';
import { DownloadError, downloadFile } from '../../src/data/download.js';
import { downloadFromMirrors, ensureCached, MirrorsFailedError, NotCachedError } from '../../src/data/remote.js';
import { gz, idxImages, idxLabels, listFiles, md5, serve, startServer, tempDir, type TestServer } from './helpers.js';

/** Noisy pixels, so the gzipped body is large (~16 kB) and can be cut at 1000 bytes. */
const noisy = idxImages(20, (i, k) => Math.imul(i * 784 + k, 2654435761) >>> 24);
const body = gz(noisy);
const spec: IdxFileSpec = { role: 'train-images', file: 'train-images-idx3-ubyte.gz', gzMd5: md5(body), rawMd5: md5(noisy), count: 20 };

let server: TestServer;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  server = await startServer();
  server.route('/good/train-images-idx3-ubyte.gz', serve(body));
});
afterAll(() => server.close());
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  server.requests.length = 0;
  return cleanup;
});

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const outcome = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(outcome).toBeInstanceOf(Error);
  return outcome as Error;
}

/** Runs a one-mirror download that must fail; returns the DownloadError. */
async function failing(path: string, options: { timeoutMs?: number } = {}): Promise<DownloadError> {
  const error = await downloadFromMirrors(spec, [`${server.base}${path}`], dir, options).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MirrorsFailedError);
  const failures = (error as MirrorsFailedError).failures;
  expect(failures).toHaveLength(1);
  expect((error as Error).message).not.toContain('\n');
  expect(await listFiles(dir)).toEqual([]); // no partial file, no temp file
  return failures[0];
}

describe('download from mirrors (local HTTP server)', () => {
  it('a good download is verified and cached', async () => {
    const path = await downloadFromMirrors(spec, [`${server.base}/good/`], dir);
    expect(path).toBe(join(dir, spec.file));
    expect(md5(await readFile(path))).toBe(spec.gzMd5);
    expect(await listFiles(dir)).toEqual([spec.file]);
  });

  it('a 404 on the first mirror falls through to the second', async () => {
    server.route('/second/train-images-idx3-ubyte.gz', serve(body));
    await downloadFromMirrors(spec, [`${server.base}/missing/`, `${server.base}/second/`], dir);
    expect(server.requests).toEqual(['/missing/train-images-idx3-ubyte.gz', '/second/train-images-idx3-ubyte.gz']);
    expect(await listFiles(dir)).toEqual([spec.file]);
  });

  it('redirects are followed', async () => {
    server.route('/moved/train-images-idx3-ubyte.gz', (_req, res) => res.writeHead(302, { location: '/good/train-images-idx3-ubyte.gz' }).end());
    await downloadFromMirrors(spec, [`${server.base}/moved/`], dir);
    expect(server.requests).toEqual(['/moved/train-images-idx3-ubyte.gz', '/good/train-images-idx3-ubyte.gz']);
  });

  it('HTTP 404 everywhere: one error naming every mirror', async () => {
    const error = await rejection(downloadFromMirrors(spec, [`${server.base}/a/`, `${server.base}/b/`], dir));
    expect(error.message).toMatch(/could not download train-images-idx3-ubyte\.gz from any mirror \(http:\/\/127.*\/a\/train-images-idx3-ubyte\.gz: expected HTTP 200, got 404 Not Found; http:.*\/b\/.*404.*\); copy the file to .* or set ONNX_LENET_MIRRORS/);
    expect(await listFiles(dir)).toEqual([]);
  });

  it('an MD5 mismatch is an error and leaves nothing', async () => {
    const other = gz(idxImages(20, () => 1));
    server.route('/bad/train-images-idx3-ubyte.gz', serve(other));
    const failure = await failing('/bad/');
    expect(failure.kind).toBe('md5');
    expect(failure.message).toContain(`MD5 mismatch: expected ${spec.gzMd5}, found ${md5(other)} (${other.length} bytes)`);
  });

  it('a truncated body is an error and leaves nothing', async () => {
    server.route('/short/train-images-idx3-ubyte.gz', (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000), () => res.socket?.end());
    });
    const failure = await failing('/short/');
    expect(failure.kind).toBe('truncated');
    expect(failure.message).toContain(`body truncated: received 1000 of ${body.length} bytes`);
  });

  it('a connection dropped before the response is an error and leaves nothing', async () => {
    server.route('/drop/train-images-idx3-ubyte.gz', (req) => req.socket.destroy());
    const failure = await failing('/drop/');
    expect(failure.kind).toBe('connection');
    expect(failure.message).toMatch(/connection failed before a response \(ECONNRESET\)/);
  });

  it('a connection dropped mid-body (no Content-Length) is an error and leaves nothing', async () => {
    server.route('/dropmid/train-images-idx3-ubyte.gz', (_req, res) => {
      res.writeHead(200); // chunked
      res.write(body.subarray(0, 500), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const failure = await failing('/dropmid/');
    expect(failure.kind).toBe('connection');
    expect(failure.message).toMatch(/connection dropped after 500 bytes/);
  });

  it('a server that stalls mid-body times out within the bound and leaves nothing', async () => {
    server.route('/stall/train-images-idx3-ubyte.gz', (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100)); // then nothing, forever
    });
    const failure = await failing('/stall/', { timeoutMs: 200 });
    expect(failure.kind).toBe('timeout');
    expect(failure.message).toMatch(/no data for 200 ms after 100 bytes \(server stalled\)/);
  });

  it('a server that never answers times out within the bound', async () => {
    server.route('/silent/train-images-idx3-ubyte.gz', () => {});
    const failure = await failing('/silent/', { timeoutMs: 200 });
    expect(failure.kind).toBe('timeout');
    expect(failure.message).toMatch(/no response within 200 ms/);
  });

  it('an abort signal stops the download and leaves nothing', async () => {
    server.route('/slow/train-images-idx3-ubyte.gz', (_req, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 100));
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const error = await downloadFile(`${server.base}/slow/train-images-idx3-ubyte.gz`, join(dir, 'x.gz'), { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).kind).toBe('aborted');
    expect(await listFiles(dir)).toEqual([]);
  });

  it('reports progress with the total from Content-Length', async () => {
    const seen: [number, number | undefined][] = [];
    await downloadFile(`${server.base}/good/train-images-idx3-ubyte.gz`, join(dir, 'f.gz'), { onProgress: (r, t) => seen.push([r, t]) });
    expect(seen.at(-1)).toEqual([body.length, body.length]);
  });
});

describe('the cache', () => {
  const labels = gz(idxLabels([1, 2, 3]));
  const file = (role: IdxFileSpec['role'], name: string, bytes: Buffer): IdxFileSpec => ({ role, file: name, gzMd5: md5(bytes), rawMd5: '', count: 3 });
  const fixture: RemoteDatasetSpec = {
    name: 'mnist',
    title: 'fixture',
    mirrors: [],
    files: [
      spec,
      file('train-labels', 'train-labels-idx1-ubyte.gz', labels),
      file('test-images', 't10k-images-idx3-ubyte.gz', body),
      file('test-labels', 't10k-labels-idx1-ubyte.gz', labels),
    ],
  };
  const names = fixture.files.map((f) => f.file).sort();
  beforeAll(() => {
    for (const f of fixture.files) server.route(`/ds/${f.file}`, serve(f.file.includes('images') ? body : labels));
  });

  it('downloads what is missing, then a second run uses the cache without any request', async () => {
    const mirrors = [`${server.base}/ds/`];
    await ensureCached(fixture, dir, { mirrors });
    expect(server.requests).toHaveLength(4);
    expect(await listFiles(dir)).toEqual(names);
    server.requests.length = 0;
    await ensureCached(fixture, dir, { mirrors });
    expect(server.requests).toEqual([]);
  });

  it('with download off, a missing file is a NotCachedError naming it', async () => {
    const error = await rejection(ensureCached(fixture, dir, { download: false }));
    expect(error).toBeInstanceOf(NotCachedError);
    expect(error.message).toMatch(/lacks train-images-idx3-ubyte\.gz, train-labels-idx1-ubyte\.gz, t10k-images-idx3-ubyte\.gz, t10k-labels-idx1-ubyte\.gz and downloading is off/);
    expect(server.requests).toEqual([]);
  });

  it('the mirror list comes from ONNX_LENET_MIRRORS when no option is given', async () => {
    process.env.ONNX_LENET_MIRRORS = ` ${server.base}/nothing , ${server.base}/ds `;
    try {
      await ensureCached(fixture, dir);
    } finally {
      delete process.env.ONNX_LENET_MIRRORS;
    }
    expect(server.requests.slice(0, 2)).toEqual(['/nothing/train-images-idx3-ubyte.gz', '/ds/train-images-idx3-ubyte.gz']);
  });
});

describe('local file-system failures', () => {
  it('an unwritable destination is a plain error naming the path, not blamed on the mirror', async () => {
    const { writeFile } = await import('node:fs/promises');
    const file = join(dir, 'a-file');
    await writeFile(file, 'x');
    const error = await rejection(downloadFromMirrors(spec, [`${server.base}/good/`, `${server.base}/second/`], file));
    expect(error).not.toBeInstanceOf(MirrorsFailedError);
    expect(error.message).toBe(`${file}: cannot create the download folder (EEXIST); choose another --data-dir`);
    expect(server.requests).toEqual([]); // failed before asking any mirror
  });
});
