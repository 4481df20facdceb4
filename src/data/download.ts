/**
 * HTTP(S) download into a folder, never half-written: the body streams into a temporary file next to
 * the destination while its MD5 is computed; only a complete body with the expected MD5 is renamed into
 * place. Redirects are followed; a stall longer than `timeoutMs` without a byte aborts the request; a
 * body longer than `maxBytes` is cut off (an endless body once filled 2.5 GB in 12 s). Temporary files
 * of earlier runs that were killed (their process is gone) are removed before a new download starts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { readdir, rename, rm } from 'node:fs/promises';
import { makeDirs } from '../util/fs.js';
import http from 'node:http';
import https from 'node:https';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Why one download failed. */
export type DownloadFailure = 'http' | 'redirect' | 'md5' | 'truncated' | 'too-large' | 'connection' | 'timeout' | 'aborted';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly url: string,
    readonly kind: DownloadFailure,
    readonly detail: string,
  ) {
    super(`${url}: ${detail}`);
  }
}

export interface DownloadOptions {
  /** Expected lowercase hex MD5 of the body; a mismatch is an error and nothing is kept (see `acceptMismatch`). */
  md5?: string;
  /**
   * Called with the complete temporary file when its MD5 differs from `md5`; resolving true keeps it
   * anyway (e.g. a re-compressed copy whose decompressed bytes have the published checksum).
   */
  acceptMismatch?: (tmpPath: string) => Promise<boolean>;
  /** Abort when no byte arrives for this long (connecting, waiting for headers or mid-body). Default 30 s. */
  timeoutMs?: number;
  /** At most this many redirects (default 5). */
  maxRedirects?: number;
  /** The most bytes the body may have; a longer Content-Length or body is an error and nothing is kept. */
  maxBytes?: number;
  signal?: AbortSignal;
  /** Called as bytes arrive; `total` is the Content-Length when the server sends one. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface DownloadResult {
  readonly url: string;
  readonly bytes: number;
  readonly md5: string;
}

export const DEFAULT_TIMEOUT_MS = 30_000;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** A per-request stall timer: `touch()` re-arms it; on expiry it calls `onStall`. */
function stallTimer(ms: number, onStall: () => void): { touch(): void; clear(): void } {
  let timer: NodeJS.Timeout | undefined;
  const clear = (): void => clearTimeout(timer);
  const touch = (): void => {
    clear();
    timer = setTimeout(onStall, ms);
  };
  touch();
  return { touch, clear };
}

function errorCode(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  return e?.code ?? (e instanceof Error ? e.message : String(error));
}

/** Issues one GET and resolves with the response headers (following no redirects). */
function get(url: URL, options: DownloadOptions, timeoutMs: number): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const client = url.protocol === 'https:' ? https : http;
    const req = client.get(url, { agent: false, headers: { 'user-agent': 'onnx-lenet' }, signal: options.signal });
    const timer = stallTimer(timeoutMs, () => req.destroy(new DownloadError(url.href, 'timeout', `no response within ${timeoutMs} ms (server stalled); try again or use another mirror`)));
    req.once('response', (res) => {
      timer.clear();
      resolve(res);
    });
    req.once('error', (error) => {
      timer.clear();
      reject(classify(error, url.href, 'connection failed before a response'));
    });
  });
}

function classify(error: unknown, url: string, context: string): DownloadError {
  if (error instanceof DownloadError) return error;
  if ((error as Error)?.name === 'AbortError') return new DownloadError(url, 'aborted', 'download aborted');
  return new DownloadError(url, 'connection', `${context} (${errorCode(error)}); check the network or try another mirror`);
}

/** Follows redirects until a 200 response; other statuses are errors. */
async function getFollowing(url: string, options: DownloadOptions, timeoutMs: number): Promise<{ res: http.IncomingMessage; url: string }> {
  let current = new URL(url);
  const maxRedirects = options.maxRedirects ?? 5;
  for (let hop = 0; ; hop++) {
    const res = await get(current, options, timeoutMs);
    const status = res.statusCode ?? 0;
    if (status === 200) return { res, url: current.href };
    res.resume();
    const location = res.headers.location;
    if (!REDIRECTS.has(status)) {
      throw new DownloadError(current.href, 'http', `expected HTTP 200, got ${status} ${res.statusMessage ?? ''}`.trimEnd());
    }
    if (location === undefined) throw new DownloadError(current.href, 'redirect', `HTTP ${status} redirect without a Location header`);
    if (hop >= maxRedirects) throw new DownloadError(url, 'redirect', `more than ${maxRedirects} redirects (last to ${location})`);
    current = new URL(location, current);
  }
}

/** Streams the response body to `tmp`, hashing as it goes; checks length, then MD5. */
async function saveBody(res: http.IncomingMessage, url: string, tmp: string, options: DownloadOptions, timeoutMs: number): Promise<DownloadResult> {
  const header = res.headers['content-length'];
  const total = header !== undefined && /^\d+$/.test(header) ? Number(header) : undefined;
  const max = options.maxBytes ?? Number.POSITIVE_INFINITY;
  const tooLarge = (bytes: number, what: string): DownloadError =>
    new DownloadError(url, 'too-large', `${what} ${bytes} bytes, more than the ${max} this file can have; the mirror serves something else`);
  if (total !== undefined && total > max) {
    res.destroy();
    throw tooLarge(total, 'Content-Length says');
  }
  const hash = createHash('md5');
  let received = 0;
  const timer = stallTimer(timeoutMs, () => res.destroy(new DownloadError(url, 'timeout', `no data for ${timeoutMs} ms after ${received} bytes (server stalled); try again or use another mirror`)));
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      timer.touch();
      received += chunk.length;
      if (received > max) {
        callback(tooLarge(received, 'body has at least'));
        return;
      }
      hash.update(chunk);
      options.onProgress?.(received, total);
      callback(null, chunk);
    },
  });
  try {
    await pipeline(res, meter, createWriteStream(tmp, { flags: 'wx' }));
  } catch (error) {
    if (error instanceof DownloadError || (error as Error)?.name === 'AbortError') throw classify(error, url, '');
    const syscall = (error as NodeJS.ErrnoException).syscall;
    if (syscall === 'open' || syscall === 'write') {
      throw new Error(`${tmp}: cannot write the download (${errorCode(error)}); check the folder's permissions and free space`);
    }
    if (total !== undefined && received < total) {
      throw new DownloadError(url, 'truncated', `body truncated: received ${received} of ${total} bytes; try again or use another mirror`);
    }
    throw classify(error, url, `connection dropped after ${received} bytes`);
  } finally {
    timer.clear();
  }
  if (total !== undefined && received !== total) {
    throw new DownloadError(url, 'truncated', `body truncated: received ${received} of ${total} bytes; try again or use another mirror`);
  }
  const md5 = hash.digest('hex');
  if (options.md5 !== undefined && md5 !== options.md5.toLowerCase() && !(await options.acceptMismatch?.(tmp))) {
    throw new DownloadError(url, 'md5', `MD5 mismatch: expected ${options.md5}, found ${md5} (${received} bytes); the mirror serves a different or damaged file`);
  }
  return { url, bytes: received, md5 };
}

/**
 * Downloads `url` to `dest`. On any failure the temporary file is removed and `dest` is untouched.
 * Network and server failures are {@link DownloadError}s whose `kind` says why; a local file-system
 * failure (cannot create or write the folder) is a plain Error naming the path.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (options.signal?.aborted) throw new DownloadError(url, 'aborted', 'download aborted');
  await makeDirs(dirname(dest)).catch((error: unknown) => {
    throw new Error(`${dirname(dest)}: cannot create the download folder (${errorCode(error)}); choose another --data-dir`);
  });
  await removeStaleParts(dest);
  const tmp = `${dest}.${process.pid}-${randomBytes(4).toString('hex')}.part`;
  try {
    const { res, url: finalUrl } = await getFollowing(url, options, timeoutMs);
    const result = await saveBody(res, finalUrl, tmp, options, timeoutMs);
    await rename(tmp, dest);
    return { ...result, url };
  } catch (error) {
    await rm(tmp, { force: true });
    if (options.signal?.aborted) throw new DownloadError(url, 'aborted', 'download aborted');
    throw error; // a DownloadError, or a local file-system error (not a mirror's fault)
  }
}

/** True when a process with this id runs (EPERM: it runs as another user). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes `<dest>.<pid>-<hex>.part` files whose process is gone: a download killed before it could clean up
 * (SIGKILL, a crash, a power cut) would otherwise leave a multi-GB file in the cache for good.
 */
export async function removeStaleParts(dest: string): Promise<string[]> {
  const prefix = `${basename(dest)}.`;
  const names = await readdir(dirname(dest)).catch(() => [] as string[]);
  const stale = names.filter((name) => {
    const m = name.startsWith(prefix) ? /^(\d+)-[0-9a-f]+\.part$/.exec(name.slice(prefix.length)) : null;
    return m !== null && Number(m[1]) !== process.pid && !isRunning(Number(m[1]));
  });
  await Promise.all(stale.map((name) => rm(join(dirname(dest), name), { force: true })));
  return stale;
}
