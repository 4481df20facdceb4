/**
 * `onnx-lenet doctor`: which execution providers this installation can use, and why not. Each provider is
 * checked by creating a real session for a one-node model (a float32 Relu) with the same options training
 * uses (CPU fallback disabled on GPU providers), after cheaper checks that name the cause more precisely.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CUDA_INSTALL_FIXES, diagnoseCudaInstall } from './cuda-install.js';
import { type CudaProbe, ortBinDir, ortPackageDir, SYSTEM_CUDA_PROBE } from './ort-paths.js';
import { EXECUTION_PROVIDERS, type ExecutionProvider } from './execution-provider.js';
import { createSession } from './providers.js';
import { ExecutionProviderError, LAVAPIPE_HINT, type ProviderFailure } from './session-errors.js';
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
  ...CUDA_INSTALL_FIXES,
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
    // The installation's files and libraries name the cause better than the session error can.
    const found = diagnoseCudaInstall(binDir, probe);
    if (found) return { ep, usable: false, ...found, ms: ms() };
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
