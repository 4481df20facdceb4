/**
 * What is wrong with the CUDA provider's installation, read from its files and the dynamic loader: the one
 * diagnosis `doctor` runs before a probe session and `--ep cuda` runs after a session failed to load.
 * Each problem comes as what was found (`detail`) and what to do (`fix`).
 */
import { join } from 'node:path';
import { CUDA_PROVIDER_FILES, type CudaProbe, type CudaRuntime } from './ort-paths.js';

/** The CUDA major the NuGet CUDA provider of onnxruntime-node 1.30 is built for (it links libcudart.so.12). */
export const PROVIDER_CUDA_MAJOR = 12;

/** How to get CUDA 12's libraries onto a machine that has another CUDA (the driver runs older CUDA runtimes). */
export const CUDA12_INSTALL_HINT =
  'install the CUDA 12 runtime and cuDNN 9 next to it — from NVIDIA\'s apt repository: ' +
  '`apt-get install cuda-cudart-12-9 libcublas-12-9 libcufft-12-9 libcurand-12-9 libcudnn9-cuda-12`, or with pip: ' +
  '`pip install nvidia-cuda-runtime-cu12 nvidia-cublas-cu12 nvidia-cufft-cu12 nvidia-curand-cu12 nvidia-cudnn-cu12` — ' +
  'and add their lib folders to LD_LIBRARY_PATH (a CUDA 13 driver runs CUDA 12 libraries)';

/**
 * When the CUDA provider cannot find CUDA 12's runtime and the machine has only another major version,
 * says exactly that (e.g. "only CUDA 13 (libcudart.so.13 in /usr/local/cuda-13.0/lib64)"); else undefined.
 */
export function cudaVersionMismatch(unresolved: readonly string[], runtimes: readonly CudaRuntime[]): string | undefined {
  const wanted = `libcudart.so.${PROVIDER_CUDA_MAJOR}`;
  if (!unresolved.includes(wanted) || runtimes.some((r) => r.major === PROVIDER_CUDA_MAJOR) || runtimes.length === 0) return undefined;
  const found = runtimes.map((r) => `CUDA ${r.major} (${r.file})`).join(', ');
  return `onnxruntime-node's CUDA provider is built for CUDA ${PROVIDER_CUDA_MAJOR} (it links ${wanted}) but this machine has only ${found}; there is no CUDA 13 build of it yet`;
}

export type CudaInstallFailure = 'provider-library-missing' | 'cuda-version-mismatch' | 'no-driver' | 'provider-dependency-missing';

export const CUDA_INSTALL_FIXES: Readonly<Record<CudaInstallFailure, string>> = {
  'provider-library-missing': 'run `onnx-lenet setup-cuda` (downloads onnxruntime-node\'s CUDA 12 provider from NuGet; needs network)',
  'cuda-version-mismatch': CUDA12_INSTALL_HINT,
  'no-driver': 'install the NVIDIA driver (one that supports CUDA 12), or use --ep cpu',
  'provider-dependency-missing': 'install the CUDA 12 runtime libraries (cudart, cuBLAS, cuFFT, cuRAND) and cuDNN 9, or add their folders to LD_LIBRARY_PATH',
};

export interface CudaInstallProblem {
  readonly failure: CudaInstallFailure;
  /** One line: what was found. */
  readonly detail: string;
  /** One line: what to do about it. */
  readonly fix: string;
}

const problem = (failure: CudaInstallFailure, detail: string): CudaInstallProblem => ({ failure, detail, fix: CUDA_INSTALL_FIXES[failure] });

/**
 * The installation's first problem, or undefined when the files and their libraries are all there (then
 * only a session can tell about the driver and the device). `alsoUnresolved`: libraries the loader's own
 * error message named, added to what the probe (ldd) reports.
 */
export function diagnoseCudaInstall(binDir: string, probe: CudaProbe, alsoUnresolved: readonly string[] = []): CudaInstallProblem | undefined {
  const missing = probe.missingProviderFiles(binDir);
  if (missing.length > 0) {
    return problem('provider-library-missing', `onnxruntime-node's CUDA provider is not installed (${missing.join(', ')} missing from ${binDir})`);
  }
  const unresolved = [...new Set([...probe.unresolved(join(binDir, CUDA_PROVIDER_FILES[1])), ...alsoUnresolved])];
  const mismatch = cudaVersionMismatch(unresolved, probe.runtimes());
  if (mismatch !== undefined) return problem('cuda-version-mismatch', mismatch);
  if (unresolved.some((lib) => lib.startsWith('libcuda.so'))) {
    return problem('no-driver', 'no NVIDIA driver: libcuda.so.1 (the NVIDIA driver library) is not installed');
  }
  if (unresolved.length > 0) {
    return problem('provider-dependency-missing', `the CUDA provider is installed but cannot load: ${unresolved.join(', ')} not found`);
  }
  return undefined;
}
