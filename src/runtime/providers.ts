/**
 * Execution-provider selection, in one place: the session options each provider (execution-provider.ts
 * names them) gets, and `createSession`, which turns provider failures into one-line, actionable errors.
 *
 * GPU sessions are created with CPU fallback disabled (session config `session.disable_cpu_ep_fallback`,
 * passed through onnxruntime-node's `extra` option, which the 1.30 binding flattens into session config
 * entries): a node without a GPU kernel is an error at load time, not a silent slow run. Verified with
 * onnxruntime-node 1.30: with it, a float64 Add or a Sum on `webgpu` fails to load ("This session contains
 * graph nodes that are assigned to the default CPU EP, but fallback to CPU EP has been explicitly disabled
 * by the user"); without it, both load and run partly on the CPU.
 */
import type * as ort from 'onnxruntime-node';
import { InferenceSession, env } from './ort-node.js';
import { type ExecutionProvider, parseExecutionProvider } from './execution-provider.js';
import { ExecutionProviderError, explainSessionError } from './session-errors.js';
import { boundThreads } from './threads.js';

// ONNX Runtime logs a provider's load failure natively (at error level) before throwing the same error;
// the error is turned into one actionable line below, so the native copy is only noise. Must be set
// before the first session, when onnxruntime-node initialises its environment.
env.logLevel = 'fatal';

export { ExecutionProviderError };

export interface ProviderOptions {
  /** Threads for the CPU provider's intra-op pool (threads.ts; ONNX Runtime's default when omitted: one per core). */
  readonly threads?: number;
  /**
   * WebGPU only: keep these outputs (all with `true`) in GPU buffers, so that parameters and optimizer state
   * can be fed back as inputs without a round trip through host memory.
   */
  readonly outputsOnGpu?: boolean | readonly string[];
  /**
   * CPU only: whether idle intra-op threads spin (ONNX Runtime's `session.intra_op.allow_spinning`; its
   * default, when omitted, is to spin). On a 2-core machine shared with other work, spinning threads fight
   * for the busy cores: the trainer passes false (see docs/benchmarks.md).
   */
  readonly spinning?: boolean;
  /** ONNX Runtime's per-session log level (0 verbose … 4 fatal); default 3, errors only. */
  readonly logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** Session config entry that forbids assigning nodes to the CPU provider. */
export const DISABLE_CPU_FALLBACK = { session: { disable_cpu_ep_fallback: '1' } } as const;

/** The session options for `ep`. */
export function sessionOptionsFor(ep: ExecutionProvider, options: ProviderOptions = {}): ort.InferenceSession.SessionOptions {
  parseExecutionProvider(ep);
  // More intra-op threads than cores only take turns on them (runtime/threads.ts).
  const threads = options.threads === undefined ? undefined : boundThreads(options.threads).threads;
  const common: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    logSeverityLevel: options.logSeverityLevel ?? 3,
    ...(threads !== undefined ? { intraOpNumThreads: threads, interOpNumThreads: 1 } : {}),
  };
  if (options.outputsOnGpu !== undefined && options.outputsOnGpu !== false && ep !== 'webgpu') {
    throw new RangeError(`outputsOnGpu is supported with the 'webgpu' provider only, got '${ep}'`);
  }
  if (ep === 'cpu') {
    if (options.spinning === undefined) return { ...common, executionProviders: ['cpu'] };
    return { ...common, executionProviders: ['cpu'], extra: { session: { intra_op: { allow_spinning: options.spinning ? '1' : '0' } } } };
  }
  const gpu: ort.InferenceSession.SessionOptions = { ...common, executionProviders: [ep], extra: DISABLE_CPU_FALLBACK };
  const keep = options.outputsOnGpu;
  if (keep === true) gpu.preferredOutputLocation = 'gpu-buffer';
  else if (Array.isArray(keep)) gpu.preferredOutputLocation = Object.fromEntries(keep.map((name: string) => [name, 'gpu-buffer' as const]));
  return gpu;
}

/**
 * Creates an inference session on `ep`. Failures that concern the provider (library not installed, no
 * driver, no GPU adapter, a node without a kernel) become an `ExecutionProviderError` with one line that
 * says what to do; the original ONNX Runtime error is its `cause`.
 */
export async function createSession(
  model: string | Uint8Array,
  ep: ExecutionProvider,
  options: ProviderOptions = {},
): Promise<ort.InferenceSession> {
  const sessionOptions = sessionOptionsFor(ep, options);
  try {
    return typeof model === 'string'
      ? await InferenceSession.create(model, sessionOptions)
      : await InferenceSession.create(model, sessionOptions);
  } catch (error) {
    if (ep === 'cpu') throw error;
    throw explainSessionError(ep, error);
  }
}
