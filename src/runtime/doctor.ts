/**
 * `onnx-lenet doctor`: which execution providers this installation can use, and why not. Each provider is
 * checked by creating a real session for a one-node model (a float32 Relu) with the same options training
 * uses (CPU fallback disabled on GPU providers), after cheaper checks that name the cause more precisely.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CUDA_PROVIDER_FILES, type CudaProbe, ortBinDir, ortPackageDir, SYSTEM_CUDA_PROBE } from './ort-paths.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from './execution-provider.js';
import { createSession } from './providers.js';
import { CUDA12_INSTALL_HINT, cudaVersionMismatch, ExecutionProviderError, LAVAPIPE_HINT, type ProviderFailure } from './session-errors.js';
import { reluModelBytes } from './tiny-model.js';

export interface ProviderReport {
  readonly ep: ExecutionProvider;
  readonly usable: boolean;
  /** Why it is not usable (absent when usable). */
  readonly failure?: ProviderFailure;
  /** One line: what was found. */
  readonly detail: string;
  /** One line: what to do about it (absent when usable). */
  readonly fix?: string;
  /** Time to create the probe session, ms. */
  readonly ms: number;
}

export interface DoctorReport {
  readonly onnxruntimeNode: string;
  readonly binDir: string;
  readonly providers: readonly ProviderReport[];
}

const FIXES: Readonly<Record<ProviderFailure, string>> = {
  'provider-library-missing': 'run `onnx-lenet setup-cuda` (downloads onnxruntime-node\'s CUDA 12 provider from NuGet; needs network)',
  'provider-dependency-missing': 'install the CUDA 12 runtime libraries (cudart, cuBLAS, cuFFT, cuRAND) and cuDNN 9, or add their folders to LD_LIBRARY_PATH',
  'cuda-version-mismatch': CUDA12_INSTALL_HINT,
  'no-driver': 'install the NVIDIA driver (one that supports CUDA 12), or use --ep cpu',
  'no-device': 'run on a machine with an NVIDIA GPU, or use --ep cpu',
  'no-adapter': `needs a GPU with a Vulkan driver and the Vulkan loader (libvulkan1); ${LAVAPIPE_HINT}`,
  'cpu-fallback': 'the probe model needs a kernel the provider lacks; report this as a bug',
  other: 'see the message; `onnx-lenet doctor --json` gives the details',
};

function ortVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(ortPackageDir(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** Static CUDA checks that explain a failure better than the session error can; undefined if none apply. */
function cudaPrecheck(binDir: string, probe: CudaProbe): Omit<ProviderReport, 'ms'> | undefined {
  const missing = probe.missingProviderFiles(binDir);
  if (missing.length > 0) {
    return { ep: 'cuda', usable: false, failure: 'provider-library-missing', detail: `${missing.join(', ')} not in ${binDir}`, fix: FIXES['provider-library-missing'] };
  }
  const unresolved = probe.unresolved(join(binDir, CUDA_PROVIDER_FILES[1]));
  const mismatch = cudaVersionMismatch(unresolved, probe.runtimes());
  if (mismatch !== undefined) {
    return { ep: 'cuda', usable: false, failure: 'cuda-version-mismatch', detail: mismatch, fix: FIXES['cuda-version-mismatch'] };
  }
  if (unresolved.some((lib) => lib.startsWith('libcuda.so'))) {
    return { ep: 'cuda', usable: false, failure: 'no-driver', detail: 'libcuda.so.1 (the NVIDIA driver library) not found', fix: FIXES['no-driver'] };
  }
  if (unresolved.length > 0) {
    return { ep: 'cuda', usable: false, failure: 'provider-dependency-missing', detail: `the CUDA provider cannot load: ${unresolved.join(', ')} not found`, fix: FIXES['provider-dependency-missing'] };
  }
  return undefined; // the rest (driver, device) only a session can tell
}

/** On a machine with no NVIDIA device node but Mesa's lavapipe installed, WebGPU most likely runs on the CPU. */
function softwareHint(ep: ExecutionProvider): string {
  const lavapipe = existsSync('/usr/share/vulkan/icd.d/lvp_icd.json') || existsSync('/usr/share/vulkan/icd.d/lvp_icd.x86_64.json');
  return ep === 'webgpu' && lavapipe && !existsSync('/dev/nvidiactl') ? ' (probably Mesa lavapipe: a software adapter, for correctness only)' : '';
}

/** Checks one provider by creating a real session on it. */
export async function checkProvider(ep: ExecutionProvider, binDir: string = ortBinDir(), probe: CudaProbe = SYSTEM_CUDA_PROBE): Promise<ProviderReport> {
  const t0 = performance.now();
  const ms = (): number => Math.round(performance.now() - t0);
  if (ep === 'cuda') {
    const pre = cudaPrecheck(binDir, probe);
    if (pre) return { ...pre, ms: ms() };
  }
  try {
    const session = await createSession(reluModelBytes(), ep, { logSeverityLevel: 4 });
    await session.release();
    return { ep, usable: true, detail: `a probe session was created and assigned fully to this provider${softwareHint(ep)}`, ms: ms() };
  } catch (error) {
    const failure: ProviderFailure = error instanceof ExecutionProviderError ? error.failure : 'other';
    const message = error instanceof Error ? error.message : String(error);
    const detail = message.replace(/^--ep \w+: /, '').split('; ')[0] ?? message;
    return { ep, usable: false, failure, detail, fix: FIXES[failure], ms: ms() };
  }
}

/** Checks every provider, in the order cpu, cuda, webgpu. */
export async function runDoctor(binDir: string = ortBinDir()): Promise<DoctorReport> {
  const providers: ProviderReport[] = [];
  for (const ep of EXECUTION_PROVIDERS) providers.push(await checkProvider(ep, binDir));
  return { onnxruntimeNode: ortVersion(), binDir, providers };
}

/** Human-readable report, one block per provider. */
export function formatDoctorReport(report: DoctorReport): string {
  const lines = [`onnxruntime-node ${report.onnxruntimeNode} (${report.binDir})`];
  for (const p of report.providers) {
    lines.push(`${p.usable ? 'ok ' : 'no '} ${p.ep.padEnd(7)} ${p.detail} (${p.ms} ms)`);
    if (p.fix) lines.push(`             fix: ${p.fix}`);
  }
  return `${lines.join('\n')}\n`;
}
