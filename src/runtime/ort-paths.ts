/**
 * Where onnxruntime-node keeps its native libraries, which of the CUDA provider's files are there, and which
 * shared libraries they cannot find (via `ldd`, Linux only).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
