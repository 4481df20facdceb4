/**
 * A folder of the four IDX files (gzipped or raw, MNIST's names): find them, load them, and identify
 * which known data set they are by the MD5 of their decompressed bytes.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DATASETS, type IdxRole, type RemoteDatasetName } from './catalog.js';
import { readDecodedIdx } from './decoded-cache.js';
import { fingerprintFromCache } from './fingerprint.js';
import { IMAGE_PIXELS, parseIdxImages, parseIdxLabels } from './idx.js';
import type { Split } from './types.js';
import { trace } from '../util/trace.js';

export const IDX_ROLES: readonly IdxRole[] = ['train-images', 'train-labels', 'test-images', 'test-labels'];

/** Base names per role; `.gz` and the dotted variant (`train-images.idx3-ubyte`) are accepted too. */
const BASE_NAMES: Readonly<Record<IdxRole, string>> = {
  'train-images': 'train-images-idx3-ubyte',
  'train-labels': 'train-labels-idx1-ubyte',
  'test-images': 't10k-images-idx3-ubyte',
  'test-labels': 't10k-labels-idx1-ubyte',
};

export type IdxPaths = Readonly<Record<IdxRole, string>>;

/** The file names tried for one role, in order. */
export function candidateNames(role: IdxRole): string[] {
  const base = BASE_NAMES[role];
  const dotted = base.replace(/-idx/, '.idx');
  return [`${base}.gz`, base, `${dotted}.gz`, dotted];
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The path found for each role (undefined where none of the candidate names exists). */
export async function findIdxFiles(dir: string): Promise<Record<IdxRole, string | undefined>> {
  const found: Partial<Record<IdxRole, string>> = {};
  for (const role of IDX_ROLES) {
    for (const name of candidateNames(role)) {
      if (await isFile(join(dir, name))) {
        found[role] = join(dir, name);
        break;
      }
    }
  }
  return { 'train-images': found['train-images'], 'train-labels': found['train-labels'], 'test-images': found['test-images'], 'test-labels': found['test-labels'] };
}

/** All four paths, or undefined when any is missing. */
export async function findCompleteIdxFiles(dir: string): Promise<IdxPaths | undefined> {
  const found = await findIdxFiles(dir);
  return IDX_ROLES.every((role) => found[role] !== undefined) ? (found as IdxPaths) : undefined;
}

export interface LoadedIdx {
  readonly train: Split;
  readonly test: Split;
  /** MD5 of each file's decompressed bytes. */
  readonly rawMd5: Readonly<Record<IdxRole, string>>;
}

function pair(images: ReturnType<typeof parseIdxImages>, labels: ReturnType<typeof parseIdxLabels>, imagesPath: string, labelsPath: string): Split {
  if (images.count !== labels.count) {
    throw new Error(`${imagesPath} holds ${images.count} images but ${labelsPath} holds ${labels.count} labels; expected equal counts: the files come from different data sets or one is damaged`);
  }
  if (images.data.length !== images.count * IMAGE_PIXELS) throw new Error(`${imagesPath}: internal error, image bytes do not match the count`);
  return { images: images.data, labels: labels.data, count: images.count };
}

/**
 * Loads and validates the four files; the MD5 of each file's decompressed bytes comes with them. With
 * `decodedCacheDir`, gzipped files are decoded once and then read from that cache (decoded-cache.ts), and
 * the training split's fingerprint is kept there too (fingerprint.ts).
 */
export async function loadIdxFiles(paths: IdxPaths, decodedCacheDir?: string): Promise<LoadedIdx> {
  const md5 = {} as Record<IdxRole, string>;
  const load = async (role: IdxRole): Promise<Uint8Array> => {
    const decoded = await readDecodedIdx(paths[role], decodedCacheDir);
    md5[role] = decoded.md5;
    trace(`data: ${role} ${decoded.from}`);
    return decoded.bytes;
  };
  trace('data: reading the IDX files');
  const [trI, trL, teI, teL] = await Promise.all(IDX_ROLES.map(load));
  const train = pair(parseIdxImages(trI, paths['train-images']), parseIdxLabels(trL, paths['train-labels']), paths['train-images'], paths['train-labels']);
  const test = pair(parseIdxImages(teI, paths['test-images']), parseIdxLabels(teL, paths['test-labels']), paths['test-images'], paths['test-labels']);
  trace('data: IDX files parsed');
  if (decodedCacheDir !== undefined) await fingerprintFromCache(train, md5['train-labels'], md5['train-images'], decodedCacheDir);
  return { train, test, rawMd5: md5 };
}

/** The known data set whose four decompressed files have exactly these MD5s, if any. */
export function identify(rawMd5: Readonly<Record<IdxRole, string>>): RemoteDatasetName | undefined {
  for (const spec of Object.values(DATASETS)) {
    if (spec.files.every((f) => rawMd5[f.role] === f.rawMd5)) return spec.name;
  }
  return undefined;
}
