/**
 * Turns ONNX Runtime's session-creation errors for an execution provider into one actionable line.
 * The texts matched here were observed with onnxruntime-node 1.30 on Linux x64 (see docs/environment.md and the
 * tests); CUDA's driver/device texts are CUDA runtime error strings (cudaErrorInsufficientDriver = 35,
 * cudaErrorNoDevice = 100) that ONNX Runtime's CUDA provider quotes.
 */
import { diagnoseCudaInstall } from './cuda-install.js';
import { type CudaProbe, ortBinDir, SYSTEM_CUDA_PROBE } from './ort-paths.js';
import type { ExecutionProvider } from './execution-provider.js';

export type ProviderFailure =
  | 'provider-library-missing' // libonnxruntime_providers_cuda.so not installed
  | 'provider-dependency-missing' // installed, but CUDA/cuDNN libraries it links against are not found
  | 'cuda-version-mismatch' // installed, links CUDA 12, and the machine has only another CUDA major (13)
  | 'no-driver' // no (or too old an) NVIDIA driver
  | 'no-device' // driver present, no CUDA device
  | 'no-adapter' // WebGPU: Dawn found no adapter
  | 'cpu-fallback' // some node has no kernel on the provider and CPU fallback is disabled
  | 'other';

/** A session could not be created on `ep`; `failure` says why, the message says what to do. */
export class ExecutionProviderError extends Error {
  constructor(
    readonly ep: ExecutionProvider,
    readonly failure: ProviderFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'ExecutionProviderError';
  }
}

export const LAVAPIPE_HINT =
  "for testing without a GPU, Mesa's lavapipe gives a software adapter " +
  '(apt-get install -t bookworm-backports mesa-vulkan-drivers)';

/** ANSI colour codes (ORT's logger colours its lines). */
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/** The first line of ORT's message, without colours and its source-file prefix, shortened. */
export function shortOrtMessage(message: string): string {
  const plain = message.replace(ANSI, '');
  const line = plain.split('\n').find((l) => l.trim() !== '') ?? plain;
  const stripped = line.replace(/^\/\S+:\d+\s+/, '').replace(/^.*?(\bwas false\.|\] :\s*\d+\s*:\s*\w+\s*:)\s*/, '');
  return stripped.length > 240 ? `${stripped.slice(0, 237)}...` : stripped;
}

/** Libraries named in the loader's "cannot open shared object file" errors within ORT's message. */
function unopenedLibraries(text: string): string[] {
  return [...text.matchAll(/(lib[\w.+-]+\.so(?:\.\d+)*): cannot open shared object file/g)].map((m) => m[1]!);
}

/** Classifies a CUDA failure; `binDir` is where onnxruntime-node keeps its libraries (tests pass a fake, and a fake probe). */
function explainCuda(text: string, binDir: string, probe: CudaProbe): [ProviderFailure, string] {
  if (/no CUDA-capable device|cudaErrorNoDevice|CUDA failure 100\b/i.test(text)) {
    return ['no-device', 'no CUDA GPU was found (the NVIDIA driver reports no device); use --ep cpu'];
  }
  if (/driver version is insufficient|cudaErrorInsufficientDriver|CUDA failure 35\b|libcuda\.so/i.test(text)) {
    return ['no-driver', 'no usable NVIDIA driver (libcuda.so.1 missing or older than CUDA 12 needs); install the NVIDIA driver or use --ep cpu'];
  }
  if (/Failed to load (shared )?library/i.test(text)) {
    const found = diagnoseCudaInstall(binDir, probe, unopenedLibraries(text));
    if (found) return [found.failure, `${found.detail}; ${found.fix}`];
  }
  return ['other', `the CUDA provider failed: ${shortOrtMessage(text)}`];
}

/** Wraps whatever `InferenceSession.create` threw for `ep` into an ExecutionProviderError. */
export function explainSessionError(ep: ExecutionProvider, error: unknown, binDir: string = ortBinDir(), probe: CudaProbe = SYSTEM_CUDA_PROBE): ExecutionProviderError {
  const text = error instanceof Error ? error.message : String(error);
  let failure: ProviderFailure = 'other';
  let what = `session creation failed: ${shortOrtMessage(text)}`;
  if (/fallback to CPU EP has been explicitly disabled/i.test(text)) {
    failure = 'cpu-fallback';
    what = `the model has nodes without a ${ep} kernel and CPU fallback is disabled; use '--ep cpu' for this model`;
  } else if (ep === 'webgpu' && /No supported adapters|Failed to get a WebGPU adapter/i.test(text)) {
    failure = 'no-adapter';
    what = `no GPU adapter found (Dawn found no Vulkan/WebGPU device); use --ep cpu, or ${LAVAPIPE_HINT}`;
  } else if (ep === 'cuda') {
    [failure, what] = explainCuda(text, binDir, probe);
  }
  return new ExecutionProviderError(ep, failure, `--ep ${ep}: ${what}`, { cause: error });
}

/**
 * One line for a model that loaded but failed while running (a graph that is wrong at run time): which
 * node type failed and ORT's reason, without its colours, C++ file paths and function signatures.
 */
export function explainRunError(file: string, error: unknown): Error {
  const text = error instanceof Error ? error.message : String(error);
  const node = /while running (\w+) node/.exec(text)?.[1];
  return new Error(`ONNX Runtime failed running '${file}'${node ? ` (${node} node)` : ''}: ${shortOrtMessage(text)}`, { cause: error });
}
