/**
 * Profile of the train-step model on onnxruntime-node's CPU provider: runs `--steps` steps with
 * `enableProfiling`, then sums the trace's kernel times per op type and lists the slowest nodes.
 * `--gradient` profiles the gradient model instead, which the CPU trainer runs on each thread's share of
 * a batch (e.g. `--gradient --batch 32 --threads 1` for one of two threads at batch 64).
 *
 *   npm run build && node dist/tools/bench/profile.js [--batch 64] [--threads 2] [--steps 200] [--top 15] [--model f.onnx] [--gradient]
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { BATCH_COUNT, IMAGE, LABEL } from '../../src/graph/contract.js';
import { buildGradientModel, buildTrainStepModel } from '../../src/graph/models.js';
import { PARAMS } from '../../src/graph/params.js';
import { encodeModel } from '../../src/graph/proto.js';
import { sessionOptionsFor } from '../../src/runtime/providers.js';
import { median } from './stats.js';
import { trainFeeds } from './train-feeds.js';

interface TraceEvent {
  readonly cat?: string;
  readonly name?: string;
  readonly dur?: number;
  readonly args?: { readonly op_name?: string };
}

export interface OpTime {
  readonly key: string;
  readonly us: number;
  readonly count: number;
}

/** Kernel time per op type and per node (µs per step), from an onnxruntime profile trace. */
export function summariseTrace(events: readonly TraceEvent[], steps: number): { byOp: OpTime[]; byNode: OpTime[]; totalUs: number } {
  const byOp = new Map<string, { us: number; count: number }>();
  const byNode = new Map<string, { us: number; count: number }>();
  let total = 0;
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || e.dur === undefined) continue;
    const op = e.args?.op_name ?? '?';
    const node = `${e.name.slice(0, -'_kernel_time'.length)} (${op})`;
    for (const [map, key] of [[byOp, op], [byNode, node]] as const) {
      const entry = map.get(key) ?? { us: 0, count: 0 };
      entry.us += e.dur;
      entry.count += 1;
      map.set(key, entry);
    }
    total += e.dur;
  }
  const list = (m: Map<string, { us: number; count: number }>): OpTime[] =>
    [...m].map(([key, v]) => ({ key, us: v.us / steps, count: v.count / steps })).sort((a, b) => b.us - a.us);
  return { byOp: list(byOp), byNode: list(byNode), totalUs: total / steps };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      batch: { type: 'string', default: '64' }, threads: { type: 'string', default: '2' },
      steps: { type: 'string', default: '200' }, top: { type: 'string', default: '15' }, model: { type: 'string' },
      gradient: { type: 'boolean', default: false },
    },
  });
  const batch = Number(values.batch);
  const steps = Number(values.steps);
  const prefix = path.join(tmpdir(), `onnx-lenet-profile-${process.pid}`);
  const options = { ...sessionOptionsFor('cpu', { threads: Number(values.threads) }), enableProfiling: true, profileFilePrefix: prefix };
  const model = values.model ?? encodeModel(values.gradient ? buildGradientModel() : buildTrainStepModel());
  const session = typeof model === 'string' ? await ort.InferenceSession.create(model, options) : await ort.InferenceSession.create(model, options);
  const all = trainFeeds(batch);
  const feeds = values.gradient
    ? {
      ...Object.fromEntries(PARAMS.map((p) => [p.name, all[p.name]])), [IMAGE]: all[IMAGE], [LABEL]: all[LABEL],
      [BATCH_COUNT]: new ort.Tensor('float32', Float32Array.of(2 * batch), []),
    }
    : all;
  const wall: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await session.run(feeds);
    wall.push(performance.now() - t0);
  }
  session.endProfiling();
  await session.release();
  const file = (await import('node:fs')).readdirSync(tmpdir()).find((f) => f.startsWith(path.basename(prefix)));
  if (!file) throw new Error(`no profile written with prefix ${prefix}`);
  const trace = JSON.parse(await readFile(path.join(tmpdir(), file), 'utf8')) as TraceEvent[];
  await rm(path.join(tmpdir(), file));
  const s = summariseTrace(trace, steps);
  const out: string[] = [`batch ${batch}, ${values.threads} thread(s), ${steps} steps: wall median ${median(wall).toFixed(3)} ms/step (profiling on), kernels ${(s.totalUs / 1000).toFixed(3)} ms/step`];
  out.push('', '| op type | µs/step | nodes | share |', '|---|---:|---:|---:|');
  for (const o of s.byOp) out.push(`| ${o.key} | ${o.us.toFixed(0)} | ${o.count.toFixed(0)} | ${((100 * o.us) / s.totalUs).toFixed(1)}% |`);
  out.push('', `slowest ${values.top} nodes:`);
  for (const o of s.byNode.slice(0, Number(values.top))) out.push(`  ${o.us.toFixed(0).padStart(6)} µs  ${o.key}`);
  process.stdout.write(`${out.join('\n')}\n`);
}

if (process.argv[1]?.endsWith(path.join('bench', 'profile.js'))) {
  main().catch((error: unknown) => {
    process.stderr.write(`profile: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
