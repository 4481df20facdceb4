/**
 * The downloadable data sets: their four IDX files, checksums and mirrors.
 *
 * `gzMd5` is the MD5 of the canonical `.gz` file as the mirrors serve it (torchvision's list); `rawMd5`
 * is the MD5 of the decompressed IDX bytes. Both are kept because repackagers re-compress: Debian's
 * `dataset-fashion-mnist` ships the same IDX bytes (rawMd5 matches) in re-gzipped files (gzMd5 does not).
 */

/** The data sets that can be downloaded (`mnist-sample` is bundled; see mnist-sample.ts). */
export type RemoteDatasetName = 'mnist' | 'fashion-mnist';

/** Which of the four files: the split and whether it holds images or labels. */
export type IdxRole = 'train-images' | 'train-labels' | 'test-images' | 'test-labels';

export interface IdxFileSpec {
  readonly role: IdxRole;
  /** File name on the mirrors and in the cache, e.g. `train-images-idx3-ubyte.gz`. */
  readonly file: string;
  readonly gzMd5: string;
  readonly rawMd5: string;
  /** Images or labels in the file. */
  readonly count: number;
}

export interface RemoteDatasetSpec {
  readonly name: RemoteDatasetName;
  readonly title: string;
  readonly mirrors: readonly string[];
  readonly files: readonly IdxFileSpec[];
}

/** Bytes of the decompressed IDX file: a 16-byte header and 28×28 bytes per image, or 8 bytes and one per label. */
export function rawBytes(file: IdxFileSpec): number {
  return file.role.endsWith('images') ? 16 + file.count * 784 : 8 + file.count;
}

/**
 * The most bytes a mirror's copy of `file` may have: the decompressed size plus gzip's worst case (stored
 * blocks: 5 bytes per 16 KB, a header and a trailer), as a re-compressed copy (Debian's) may differ from
 * the canonical .gz. An endless or wrong body is cut off there instead of filling the disk.
 */
export function maxDownloadBytes(file: IdxFileSpec): number {
  const raw = rawBytes(file);
  return raw + 5 * Math.ceil(raw / 16_384) + 1024;
}

/** Environment variable: a comma-separated list of mirror base URLs that replaces the built-in list. */
export const MIRRORS_ENV = 'ONNX_LENET_MIRRORS';

function files(md5: readonly (readonly [string, string])[]): IdxFileSpec[] {
  const roles: IdxRole[] = ['train-images', 'train-labels', 'test-images', 'test-labels'];
  const names = ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'];
  return roles.map((role, i) => ({
    role,
    file: names[i],
    gzMd5: md5[i][0],
    rawMd5: md5[i][1],
    count: role.startsWith('train') ? 60_000 : 10_000,
  }));
}

export const DATASETS: Readonly<Record<RemoteDatasetName, RemoteDatasetSpec>> = {
  mnist: {
    name: 'mnist',
    title: 'MNIST',
    mirrors: ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'],
    files: files([
      ['f68b3c2dcbeaaa9fbdd348bbdeb94873', '6bbc9ace898e44ae57da46a324031adb'],
      ['d53e105ee54ea40749a09fcbcd1e9432', 'a25bea736e30d166cdddb491f175f624'],
      ['9fb629c4189551a2d022fa330f9573f3', '2646ac647ad5339dbf082846283269ea'],
      ['ec29112dd5afa0611ce80d1b7f02629c', '27ae3e4e09519cfbb04c329615203637'],
    ]),
  },
  'fashion-mnist': {
    name: 'fashion-mnist',
    title: 'Fashion-MNIST',
    mirrors: ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'],
    files: files([
      ['8d4fb7e6c68d591d4c3dfef9ec88bf0d', 'f4a8712d7a061bf5bd6d2ca38dc4d50a'],
      ['25c81989df183df01b3e8a0aad5dffbe', '9018921c3c673c538a1fc5bad174d6f9'],
      ['bef4ecab320f06d8554ea6380940ec79', '8181f5470baa50b63fa0f6fddb340f0a'],
      ['bb300cfdad3c16e7a12a480ee83cd310', '15d484375f8d13e6eb1aabb0c3f46965'],
    ]),
  },
};

/**
 * The mirror list to use: explicit option first, then `ONNX_LENET_MIRRORS`, then the built-in list.
 * Each base URL gets a trailing slash so that `new URL(file, base)` appends the file name.
 */
export function resolveMirrors(spec: RemoteDatasetSpec, override?: readonly string[], env: NodeJS.ProcessEnv = process.env): string[] {
  const fromEnv = env[MIRRORS_ENV]?.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const list = override ?? (fromEnv && fromEnv.length > 0 ? fromEnv : spec.mirrors);
  return list.map((base) => {
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new TypeError(`mirror ${JSON.stringify(base)} is not an absolute URL; give base URLs such as https://host/path/`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new TypeError(`mirror ${JSON.stringify(base)} must be http or https, got ${url.protocol}`);
    }
    return url.href.endsWith('/') ? url.href : `${url.href}/`;
  });
}
