/**
 * The per-user cache of downloaded data sets and the mirror loop that fills it.
 *
 * Layout: `<cacheRoot>/<dataset>/<file>.gz`, the files exactly as the mirrors serve them, verified
 * before they are renamed into place: by the MD5 of the canonical .gz file or, for a mirror that
 * re-compressed them (like Debian), by the MD5 of the decompressed IDX bytes. The cache root is `$XDG_CACHE_HOME/onnx-lenet`, else
 * `~/.cache/onnx-lenet`, unless `--data-dir` names another.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { MIRRORS_ENV, maxDownloadBytes, resolveMirrors, type IdxFileSpec, type RemoteDatasetSpec } from './catalog.js';
import { DownloadError, downloadFile } from './download.js';
import type { IdxPaths } from './folder.js';
import { readIdxBytes } from './idx.js';

/** `$XDG_CACHE_HOME/onnx-lenet`, else `~/.cache/onnx-lenet`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  return xdg !== undefined && xdg !== '' ? join(xdg, 'onnx-lenet') : join(homedir(), '.cache', 'onnx-lenet');
}

/** Every mirror failed for one file; `failures` holds one error per mirror, in order. */
export class MirrorsFailedError extends Error {
  override readonly name = 'MirrorsFailedError';
  constructor(
    readonly file: string,
    readonly dest: string,
    readonly failures: readonly DownloadError[],
  ) {
    const tried = failures.map((f) => f.message).join('; ');
    super(`could not download ${file} from any mirror (${tried}); copy the file to ${dest} yourself or set ${MIRRORS_ENV} to working mirrors`);
  }
}

/** The data set is not in the cache and downloading was turned off. */
export class NotCachedError extends Error {
  override readonly name = 'NotCachedError';
  constructor(
    readonly dir: string,
    readonly missing: readonly string[],
  ) {
    super(`${dir} lacks ${missing.join(', ')} and downloading is off; run \`onnx-lenet data --download\` or put the files there`);
  }
}

export interface FetchOptions {
  /** Mirror base URLs in order (default: the built-in list, or `ONNX_LENET_MIRRORS`). */
  mirrors?: readonly string[];
  /** Per-request stall timeout in ms. */
  timeoutMs?: number;
  signal?: AbortSignal;
  onProgress?: (event: { file: string; received: number; total: number | undefined }) => void;
}

/** Downloads one file into `dir`, trying each mirror in turn. */
export async function downloadFromMirrors(file: IdxFileSpec, mirrors: readonly string[], dir: string, options: FetchOptions = {}): Promise<string> {
  const dest = join(dir, file.file);
  const failures: DownloadError[] = [];
  for (const base of mirrors) {
    const url = new URL(file.file, base).href;
    try {
      await downloadFile(url, dest, {
        md5: file.gzMd5,
        acceptMismatch: (tmp) => hasRawMd5(tmp, file.rawMd5),
        timeoutMs: options.timeoutMs,
        maxBytes: maxDownloadBytes(file),
        signal: options.signal,
        onProgress: (received, total) => options.onProgress?.({ file: file.file, received, total }),
      });
      return dest;
    } catch (error) {
      if (!(error instanceof DownloadError) || error.kind === 'aborted') throw error;
      failures.push(error);
    }
  }
  throw new MirrorsFailedError(file.file, dest, failures);
}

/** True when the file, decompressed if gzipped, has the given MD5 (a re-compressed copy of the same data). */
async function hasRawMd5(path: string, rawMd5: string): Promise<boolean> {
  try {
    return createHash('md5').update(await readIdxBytes(path)).digest('hex') === rawMd5;
  } catch {
    return false;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The cached files that are missing. */
export async function missingFiles(spec: RemoteDatasetSpec, dir: string): Promise<IdxFileSpec[]> {
  const missing: IdxFileSpec[] = [];
  for (const file of spec.files) if (!(await exists(join(dir, file.file)))) missing.push(file);
  return missing;
}

/**
 * Makes sure the four files of `spec` are in `dir`, downloading the missing ones (one at a time, each
 * from the first mirror that serves it intact) unless `download` is false.
 */
export async function ensureCached(spec: RemoteDatasetSpec, dir: string, options: FetchOptions & { download?: boolean } = {}): Promise<IdxPaths> {
  const missing = await missingFiles(spec, dir);
  if (missing.length > 0) {
    if (options.download === false) throw new NotCachedError(dir, missing.map((f) => f.file));
    const mirrors = resolveMirrors(spec, options.mirrors);
    for (const file of missing) await downloadFromMirrors(file, mirrors, dir, options);
  }
  const path = (role: IdxFileSpec['role']): string => join(dir, spec.files.find((f) => f.role === role)!.file);
  return { 'train-images': path('train-images'), 'train-labels': path('train-labels'), 'test-images': path('test-images'), 'test-labels': path('test-labels') };
}
