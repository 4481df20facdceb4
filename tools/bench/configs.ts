/**
 * The configurations `npm run bench` compares, each run in its own child process (its own peak RSS):
 * onnxruntime-node CPU, onnxruntime-web WASM (in Node), the page's training in Chromium (page.ts) and
 * PyTorch (tools/bench/torch_bench.py).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Part, WorkerReport } from './worker.js';

export const PYTHON = '/usr/bin/python3';
const HERE = path.dirname(fileURLToPath(import.meta.url));
/** tools/bench/torch_bench.py, found from dist/tools/bench/ or from tools/bench/ */
const TORCH_SCRIPT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../../../tools/bench' : '.', 'torch_bench.py');

export type Family = 'ort-node' | 'ort-web' | 'chromium' | 'pytorch';

export interface BenchConfig {
  readonly id: string;
  readonly family: Family;
  readonly label: string;
  readonly threads: number;
  readonly parts: readonly Part[];
  /**
   * How training runs (onnxruntime only): 'parallel', the trainer's data-parallel runner (the batch split
   * across `threads` threads, one single-threaded session each; default), or 'session', one session of
   * the train-step model with `threads` intra-op (WASM) threads, as before that runner existed; or
   * 'generic', one session of LeNet's train step made by make-trainable from lenet.onnx (src/autodiff).
   */
  readonly runner?: 'parallel' | 'session' | 'generic';
  /** extra environment, e.g. OMP_WAIT_POLICY for PyTorch */
  readonly env?: Readonly<Record<string, string>>;
}

const ALL: readonly Part[] = ['train64', 'train256', 'epoch', 'infer1', 'infer1000'];

export const CONFIGS: readonly BenchConfig[] = [
  { id: 'node-1', family: 'ort-node', label: 'onnxruntime-node CPU', threads: 1, parts: ALL },
  { id: 'node-2', family: 'ort-node', label: 'onnxruntime-node CPU', threads: 2, parts: ALL },
  { id: 'node-2-session', family: 'ort-node', label: 'onnxruntime-node CPU, one train-step session (intra-op threads)', threads: 2, parts: ['train64'], runner: 'session' },
  { id: 'node-2-generic', family: 'ort-node', label: 'onnxruntime-node CPU, one session of the generic LeNet step (lenet.onnx → make-trainable)', threads: 2, parts: ['train64'], runner: 'generic' },
  { id: 'web-1', family: 'ort-web', label: 'onnxruntime-web WASM (in Node)', threads: 1, parts: ALL },
  { id: 'web-2', family: 'ort-web', label: 'onnxruntime-web WASM (in Node)', threads: 2, parts: ALL },
  { id: 'web-2-session', family: 'ort-web', label: 'onnxruntime-web WASM (in Node), one train-step session (WASM threads)', threads: 2, parts: ['train64'], runner: 'session' },
  // The page's own trainer in headless Chromium: each batch split across `threads` Web Workers, one WASM thread each.
  { id: 'chromium', family: 'chromium', label: 'the page in Chromium (Web Workers, WASM)', threads: 2, parts: ['train64'] },
  { id: 'torch-1', family: 'pytorch', label: 'PyTorch (seed recipe)', threads: 1, parts: ALL },
  // PyTorch's OpenMP threads spin by default; on a loaded machine that made its 2-thread epoch take minutes,
  // so the full epoch is timed with passive waiting (usually PyTorch's better 2-thread figure there).
  { id: 'torch-2', family: 'pytorch', label: 'PyTorch (seed recipe)', threads: 2, parts: ['train64', 'train256', 'infer1', 'infer1000'] },
  { id: 'torch-2-passive', family: 'pytorch', label: 'PyTorch, OMP_WAIT_POLICY=PASSIVE', threads: 2, parts: ALL, env: { OMP_WAIT_POLICY: 'PASSIVE' } },
];

export interface RunSettings {
  readonly steps: number;
  readonly epochImages: number;
  readonly dataDir: string;
  readonly webWarmupMs: number;
}

export type RunOutcome = { readonly ok: true; readonly report: WorkerReport } | { readonly ok: false; readonly reason: string };

function lastJsonLine(stdout: string): WorkerReport | undefined {
  const line = stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop();
  return line ? (JSON.parse(line) as WorkerReport) : undefined;
}

/**
 * PyTorch's allocator setting for every PyTorch process of the bench: glibc keeps freed memory instead of
 * returning each large block to the kernel. Without it a batch-1000 forward faulted in ~85 MB of fresh
 * pages (~21,800 minor faults) every run, and page faults are slow in these VMs: 324–352 ms per forward in
 * six processes out of six; with it 62–66 ms in two of six and 213–228 ms in four (docs/benchmarks.md,
 * "PyTorch's batch-1000 inference"). onnxruntime reuses its own arena.
 */
export const TORCH_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_MMAP_THRESHOLD_: '33554432', MALLOC_TRIM_THRESHOLD_: '2000000000' };

/** Runs one configuration once, in a child process; PyTorch exits 3 when it cannot be imported. */
export function runConfig(config: BenchConfig, settings: RunSettings, parts: readonly Part[] = config.parts): RunOutcome {
  // PyTorch: every part in a process of its own, so no part's figure depends on the heap another part left
  // behind (its batch-1000 forward is bimodal from one process to the next; the ratios use the fastest round).
  if (config.family === 'pytorch' && parts.length > 1) {
    const outcomes = parts.map((part) => runConfig(config, settings, [part]));
    const failed = outcomes.find((o): o is Extract<RunOutcome, { ok: false }> => !o.ok);
    if (failed) return failed;
    const reports = outcomes.map((o) => (o as Extract<RunOutcome, { ok: true }>).report);
    return { ok: true, report: { threads: reports[0].threads, results: Object.assign({}, ...reports.map((r) => r.results)), maxRssKb: Math.max(...reports.map((r) => r.maxRssKb)) } };
  }
  const common = ['--threads', String(config.threads), '--parts', parts.join(','), '--steps', String(settings.steps),
    '--epoch-images', String(settings.epochImages), '--data-dir', settings.dataDir];
  const [cmd, args] = config.family === 'pytorch'
    ? [PYTHON, [TORCH_SCRIPT, ...common]]
    : config.family === 'chromium'
    ? [process.execPath, [path.join(HERE, 'page.js'), ...common, '--warmup-ms', String(settings.webWarmupMs)]]
    : [process.execPath, [path.join(HERE, 'worker.js'), '--backend', config.family === 'ort-web' ? 'web' : 'node', ...common,
      ...(config.family === 'ort-web' ? ['--warmup-ms', String(settings.webWarmupMs)] : []), '--runner', config.runner ?? 'parallel']];
  const env = { ...process.env, ...(config.family === 'pytorch' ? TORCH_MALLOC_ENV : {}), ...config.env };
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, maxBuffer: 16 << 20 });
  if (r.error) return { ok: false, reason: `${cmd}: ${r.error.message}` };
  if (config.family === 'pytorch' && r.status === 3) return { ok: false, reason: 'PyTorch not importable with /usr/bin/python3 (install python3-torch)' };
  const report = r.status === 0 ? lastJsonLine(r.stdout) : undefined;
  if (!report) return { ok: false, reason: `exit ${r.status}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}` };
  return { ok: true, report };
}

/** PyTorch's version, or undefined when it cannot be imported. */
export function torchVersion(): string | undefined {
  const r = spawnSync(PYTHON, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}
