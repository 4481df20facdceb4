/**
 * Where onnxruntime-node keeps its native libraries, which of the CUDA provider's files are there, and which
 * shared libraries they cannot find (via `ldd`, Linux only).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/** Root of the installed onnxruntime-node package. */
export function ortPackageDir(): string {
  return dirname(require.resolve('onnxruntime-node/package.json'));
}

/** The folder holding `libonnxruntime.so.1`, the binding and (once installed) the CUDA provider. */
export function ortBinDir(): string {
  return join(ortPackageDir(), 'bin', 'napi-v6', process.platform, process.arch);
}

/** Files onnxruntime-node's installer (`--onnxruntime-node-install=cuda12`) adds; the first two are what `cuda` needs. */
export const CUDA_PROVIDER_FILES = [
  'libonnxruntime_providers_shared.so',
  'libonnxruntime_providers_cuda.so',
  'libonnxruntime_providers_tensorrt.so',
] as const;

/** The CUDA provider files that `--ep cuda` needs and that are absent from `binDir`. */
export function missingCudaProviderFiles(binDir: string = ortBinDir()): string[] {
  return CUDA_PROVIDER_FILES.slice(0, 2).filter((f) => !existsSync(join(binDir, f)));
}

/**
 * Shared libraries that `file` links against and the dynamic loader cannot find (`ldd` lines
 * "libcudnn.so.9 => not found"). Empty when all resolve, or when ldd is unavailable.
 */
export function unresolvedLibraries(file: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
  } catch {
    return [];
  }
  return out
    .split('\n')
    .map((line) => /^\s*(\S+)\s*=>\s*not found/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined);
}

/** A CUDA runtime library found on this machine: its major version and where. */
export interface CudaRuntime {
  readonly major: number;
  readonly file: string;
}

/** Folders where CUDA toolkits and distribution packages put libcudart, besides LD_LIBRARY_PATH. */
export function cudaLibraryDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = (env.LD_LIBRARY_PATH ?? '').split(':').filter((d) => d !== '');
  for (const base of ['/usr/local', '/opt']) {
    let names: string[] = [];
    try {
      names = readdirSync(base).filter((n) => /^cuda(-\d+(\.\d+)?)?$/.test(n));
    } catch {
      // no such folder
    }
    for (const n of names) dirs.push(join(base, n, 'lib64'), join(base, n, 'targets', 'x86_64-linux', 'lib'));
  }
  dirs.push('/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib/wsl/lib');
  return [...new Set(dirs)];
}

/** The CUDA runtimes (`libcudart.so.<major>`) in `dirs`, one entry per major version, lowest first. */
export function findCudaRuntimes(dirs: readonly string[] = cudaLibraryDirs()): CudaRuntime[] {
  const found = new Map<number, string>();
  for (const dir of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const major = /^libcudart\.so\.(\d+)/.exec(name)?.[1];
      if (major !== undefined && !found.has(Number(major))) found.set(Number(major), join(dir, name));
    }
  }
  return [...found].sort((a, b) => a[0] - b[0]).map(([major, file]) => ({ major, file }));
}

/** What the CUDA checks look at; tests pass fakes (there is no GPU on the project's machines). */
export interface CudaProbe {
  missingProviderFiles(binDir: string): string[];
  unresolved(file: string): string[];
  runtimes(): CudaRuntime[];
}

export const SYSTEM_CUDA_PROBE: CudaProbe = {
  missingProviderFiles: missingCudaProviderFiles,
  unresolved: unresolvedLibraries,
  runtimes: () => findCudaRuntimes(),
};
