/**
 * Issue 14, row 12: a mirror cannot fill the disk (the expected sizes are known) and an interrupted or
 * killed download leaves no `.part` file behind. Local HTTP server on 127.0.0.1 only.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type IdxFileSpec, maxDownloadBytes } from '../../src/data/catalog.js';
import { removeStaleParts } from '../../src/data/download.js';
import { downloadFromMirrors, MirrorsFailedError } from '../../src/data/remote.js';
import { ROOT } from '../helpers/cli.js';
import { gz, idxLabels, listFiles, md5, serve, startServer, tempDir, type TestServer } from './helpers.js';

const labels = idxLabels([3, 1, 4, 1, 5]);
const spec: IdxFileSpec = { role: 'train-labels', file: 'train-labels-idx1-ubyte.gz', gzMd5: md5(gz(labels)), rawMd5: md5(labels), count: 5 };

/** Sends 64 KB chunks without a Content-Length until the client goes away; counts what it wrote. */
function endless(sent: { bytes: number }, delayMs = 0) {
  return (_req: unknown, res: import('node:http').ServerResponse): void => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(65_536, 7);
    const write = (): void => {
      if (res.destroyed) return;
      sent.bytes += chunk.length;
      if (res.write(chunk)) setTimeout(write, delayMs);
      else res.once('drain', write);
    };
    res.on('close', () => undefined);
    write();
  };
}

let server: TestServer;
let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.close());
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir());
  return cleanup;
});

describe('download size limits', () => {
  it('the largest allowed body is the IDX size plus gzip overhead (MNIST train images: ~47 MB)', () => {
    expect(maxDownloadBytes(spec)).toBe(8 + 5 + 5 + 1024);
    const images: IdxFileSpec = { role: 'train-images', file: 'x', gzMd5: '', rawMd5: '', count: 60_000 };
    expect(maxDownloadBytes(images)).toBeGreaterThan(47_040_016);
    expect(maxDownloadBytes(images)).toBeLessThan(47_100_000);
  });

  it('an endless body is cut off at the limit and nothing is kept', async () => {
    const sent = { bytes: 0 };
    server.route('/endless/train-labels-idx1-ubyte.gz', endless(sent));
    const error = await downloadFromMirrors(spec, [`${server.base}/endless/`], dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MirrorsFailedError);
    const failure = (error as MirrorsFailedError).failures[0];
    expect(failure?.kind).toBe('too-large');
    expect(failure?.message).toMatch(/body has at least \d+ bytes, more than the 1042 this file can have/);
    expect(await listFiles(dir)).toEqual([]);
    expect(sent.bytes).toBeLessThan(4 * 1024 * 1024); // stopped after a few chunks (socket buffers), not gigabytes
  });

  it('a Content-Length over the limit is refused before the body', async () => {
    server.route('/big/train-labels-idx1-ubyte.gz', serve(Buffer.alloc(5000)));
    const error = (await downloadFromMirrors(spec, [`${server.base}/big/`], dir).catch((e: unknown) => e)) as MirrorsFailedError;
    expect(error.failures[0]?.message).toMatch(/Content-Length says 5000 bytes, more than the 1042/);
    expect(await listFiles(dir)).toEqual([]);
  });
});

describe('temporary files', () => {
  it('a .part of a process that is gone is removed; one of a running process is kept', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const dest = join(dir, spec.file);
    writeFileSync(`${dest}.${dead}-0a1b2c3d.part`, 'stale');
    writeFileSync(`${dest}.${process.ppid}-0a1b2c3d.part`, 'in progress elsewhere');
    expect(await removeStaleParts(dest)).toEqual([`${spec.file}.${dead}-0a1b2c3d.part`]);
    expect(await listFiles(dir)).toEqual([`${spec.file}.${process.ppid}-0a1b2c3d.part`]);
  });

  it('Ctrl-C during `data --download` removes the partial file and exits 130', async () => {
    const sent = { bytes: 0 };
    server.route('/slow/train-images-idx3-ubyte.gz', endless(sent, 20));
    const child = spawn(process.execPath, [join(ROOT, 'bin/onnx-lenet.js'), 'data', '--download', '--mirror', `${server.base}/slow/`, '--data-dir', dir], {
      cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const poll = setInterval(() => {
      if (sent.bytes > 512 * 1024 && !child.killed) child.kill('SIGINT');
    }, 20);
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    clearInterval(poll);
    expect(code, stderr).toBe(130);
    expect(stderr).toContain('download of mnist interrupted; its partial file was removed');
    expect(await listFiles(join(dir, 'mnist'))).toEqual([]);
  });
});
