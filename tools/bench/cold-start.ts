/**
 * Whole-process cold start: `onnx-lenet train --epochs 1` as a user runs it, against PyTorch's whole
 * process for the same epoch (tools/bench/torch_cold_start.py: import torch, gunzip the same IDX files,
 * the seed's epoch, test accuracy, save), back to back, with each process's own timeline
 * (`ONNX_LENET_TRACE=1`; the Python script writes the same `trace <ms> <what>` lines).
 *
 *   node dist/tools/bench/cold-start.js [--rounds 3] [--threads 2] [--data-dir /usr/share/datasets/fashion-mnist] [--no-torch]
 *
 * Our runs use a fresh cache folder (XDG_CACHE_HOME in a temporary folder): the first run of a round
 * decodes the IDX files and fills the cache ("first run"), the second finds them there ("cached", what
 * every later run of a user sees). PyTorch runs with OMP_WAIT_POLICY=PASSIVE (with spinning OpenMP threads
 * its 2-thread epoch took 6.6 minutes on a loaded 2-core machine) and the bench's allocator setting
 * (configs.ts TORCH_MALLOC_ENV).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PYTHON, TORCH_MALLOC_ENV } from './configs.js';
import { quantile } from './stats.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, HERE.includes(`${path.sep}dist${path.sep}`) ? '../../..' : '../..');
const TORCH_SCRIPT = path.join(ROOT, 'tools/bench/torch_cold_start.py');

export interface Mark {
  readonly ms: number;
  readonly what: string;
}

export interface ProcessRun {
  /** Seconds from spawn to exit, measured by the parent. */
  readonly seconds: number;
  readonly marks: readonly Mark[];
  /** Seconds spent in the epoch's training steps (from the first to the last step mark). */
  readonly trainSeconds?: number;
  readonly error?: string;
}

export interface ColdStartResult {
  readonly command: string;
  readonly torchCommand: string;
  readonly threads: number;
  readonly first: ProcessRun[];
  readonly cached: ProcessRun[];
  readonly torch: ProcessRun[];
}

function parseMarks(stderr: string): Mark[] {
  return stderr.split('\n').flatMap((line) => {
    const m = /^trace (\d+(?:\.\d+)?) (.+)$/.exec(line);
    return m ? [{ ms: Number(m[1]), what: m[2] }] : [];
  });
}

const at = (marks: readonly Mark[], what: string): number | undefined => marks.find((m) => m.what === what)?.ms;

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, trainFrom: string, trainTo: string): ProcessRun {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: 'utf8', maxBuffer: 64 << 20 });
  const seconds = (performance.now() - t0) / 1000;
  const marks = parseMarks(r.stderr ?? '');
  if (r.status !== 0) return { seconds, marks, error: `exit ${r.status}: ${(r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')}` };
  const from = at(marks, trainFrom);
  const to = at(marks, trainTo);
  return { seconds, marks, ...(from !== undefined && to !== undefined ? { trainSeconds: (to - from) / 1000 } : {}) };
}

export interface ColdStartSettings {
  readonly dataDir: string;
  readonly threads: number;
  readonly rounds: number;
  readonly torch: boolean;
  readonly log?: (line: string) => void;
}

export function measureColdStart(s: ColdStartSettings): ColdStartResult {
  const args = ['bin/onnx-lenet.js', 'train', '--dataset', 'fashion-mnist', '--data-dir', s.dataDir, '--epochs', '1', '--threads', String(s.threads), '--out'];
  const torchArgs = [TORCH_SCRIPT, '--threads', String(s.threads), '--data-dir', s.dataDir, '--out'];
  const result: ColdStartResult = {
    command: `onnx-lenet ${args.slice(1).join(' ')} <tmp>`, torchCommand: `OMP_WAIT_POLICY=PASSIVE ${Object.entries(TORCH_MALLOC_ENV).map(([k, v]) => `${k}=${v}`).join(' ')} ${PYTHON} tools/bench/torch_cold_start.py ${torchArgs.slice(1).join(' ')} <tmp>`,
    threads: s.threads, first: [], cached: [], torch: [],
  };
  for (let round = 1; round <= s.rounds; round++) {
    const tmp = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-cold-start-'));
    try {
      const env = { ...process.env, ONNX_LENET_TRACE: '1', XDG_CACHE_HOME: path.join(tmp, 'cache') };
      for (const [what, list] of [['first run (empty cache)', result.first], ['cached', result.cached]] as const) {
        s.log?.(`cold start ${round}/${s.rounds}: onnx-lenet train, ${what}`);
        const out = mkdtempSync(path.join(tmp, 'out-'));
        list.push(run(process.execPath, [...args, out], env, 'train: data fingerprinted', 'train: epoch 1 steps done'));
      }
      if (s.torch) {
        s.log?.(`cold start ${round}/${s.rounds}: PyTorch`);
        const out = mkdtempSync(path.join(tmp, 'torch-'));
        result.torch.push(run(PYTHON, [...torchArgs, out], { ...process.env, ...TORCH_MALLOC_ENV, OMP_WAIT_POLICY: 'PASSIVE' }, 'python: data loaded', 'python: epoch steps done'));
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return result;
}

/** The median run by wall time (its own marks, not a mix of runs). */
export function medianRun(runs: readonly ProcessRun[]): ProcessRun | undefined {
  const ok = runs.filter((r) => r.error === undefined).sort((a, b) => a.seconds - b.seconds);
  return ok.length ? ok[Math.floor((ok.length - 1) / 2)] : undefined;
}

export const medianSeconds = (runs: readonly ProcessRun[]): number | undefined => {
  const ok = runs.filter((r) => r.error === undefined).map((r) => r.seconds);
  return ok.length ? quantile(ok, 0.5) : undefined;
};

/** The timeline of one run as `| phase | ms |` rows: each mark's distance from the previous one, then the exit. */
export function timelineRows(r: ProcessRun): string[] {
  let last = 0;
  const rows = r.marks.map((m) => {
    const row = `| ${m.what} | ${m.ms.toFixed(0)} | +${(m.ms - last).toFixed(0)} |`;
    last = m.ms;
    return row;
  });
  rows.push(`| process exit (seen by the parent, includes spawn) | ${(r.seconds * 1000).toFixed(0)} | +${(r.seconds * 1000 - last).toFixed(0)} |`);
  return rows;
}

/** Markdown for the report: the whole-process comparison and each side's timeline. */
export function renderColdStart(c: ColdStartResult, machineTag: string): string[] {
  const f = (x: number | undefined, d = 2): string => (x === undefined ? '–' : x.toFixed(d));
  const first = medianSeconds(c.first);
  const cached = medianSeconds(c.cached);
  const torch = medianSeconds(c.torch);
  const train = (runs: readonly ProcessRun[]): number | undefined => {
    const t = runs.flatMap((r) => (r.trainSeconds === undefined ? [] : [r.trainSeconds]));
    return t.length ? quantile(t, 0.5) : undefined;
  };
  const ratio = (a: number | undefined): string => (a && torch ? `${(torch / a).toFixed(2)}×` : '–');
  const errors = [...c.first, ...c.cached, ...c.torch].flatMap((r) => (r.error ? [r.error] : []));
  const out = [
    `### Whole process: one epoch from the command line (${machineTag}; median of ${c.cached.length} round(s), back to back)`, '',
    `Ours: \`${c.command}\`, with \`ONNX_LENET_TRACE=1\`; PyTorch: \`${c.torchCommand}\` (the seed's epoch, same IDX files). "× PyTorch" = PyTorch's process time / ours.`, '',
    '| process | wall s | of which training steps s | not training s | × PyTorch |', '|---|---:|---:|---:|---:|',
    `| onnx-lenet train, first run (decodes the IDX files into an empty cache) | ${f(first)} | ${f(train(c.first))} | ${f(first === undefined || train(c.first) === undefined ? undefined : first - (train(c.first) as number))} | ${ratio(first)} |`,
    `| onnx-lenet train, cached (every later run) | ${f(cached)} | ${f(train(c.cached))} | ${f(cached === undefined || train(c.cached) === undefined ? undefined : cached - (train(c.cached) as number))} | ${ratio(cached)} |`,
    `| PyTorch (seed recipe), ${c.threads} threads, passive OpenMP wait | ${f(torch)} | ${f(train(c.torch))} | ${f(torch === undefined || train(c.torch) === undefined ? undefined : torch - (train(c.torch) as number))} | 1.00× |`,
  ];
  if (errors.length) out.push('', `Failed runs: ${errors.map((e) => e.slice(0, 160).replace(/\|/g, '/')).join('; ')}`);
  for (const [label, runs] of [['onnx-lenet, cached', c.cached], ['PyTorch', c.torch]] as const) {
    const r = medianRun(runs);
    if (!r) continue;
    const overlap = runs === c.cached ? '; the data loads during the runner\'s start-up, so those marks interleave' : '';
    out.push('', `Timeline of the median ${label} run (ms since the process started${overlap}):`, '',
      '| mark | ms | since previous |', '|---|---:|---:|', ...timelineRows(r));
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: 'string', default: '1' }, threads: { type: 'string', default: '2' },
      'data-dir': { type: 'string', default: '/usr/share/datasets/fashion-mnist' }, 'no-torch': { type: 'boolean', default: false },
    },
  });
  const { machineInfo, machineTag } = await import('./machine.js');
  const result = measureColdStart({
    dataDir: values['data-dir'], threads: Number(values.threads), rounds: Number(values.rounds), torch: !values['no-torch'],
    log: (line) => process.stderr.write(`${line}\n`),
  });
  process.stdout.write(`${renderColdStart(result, machineTag(machineInfo())).join('\n')}\n`);
}

if (process.argv[1]?.endsWith(path.join('bench', 'cold-start.js'))) {
  main().catch((error: unknown) => {
    process.stderr.write(`cold-start: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
