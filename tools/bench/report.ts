/**
 * Aggregates the per-round worker reports (medians over rounds) and renders the generated part of
 * docs/benchmarks.md: header, training and inference tables with ratios to PyTorch, FLOPs and fraction of
 * peak, train RSS and the targets.
 */
import type { BenchConfig } from './configs.js';
import { inferenceFlops, trainStepFlops } from './flops.js';
import { type ColdStartResult, medianSeconds, renderColdStart } from './cold-start.js';
import { type MachineInfo, machineTag } from './machine.js';
import type { PeakResult } from './peak.js';
import { median } from './stats.js';
import type { TrainRss } from './train-rss.js';
import type { EpochResult, Latency, Part, WorkerReport } from './worker.js';

export interface Row {
  readonly config: BenchConfig;
  readonly lat: Partial<Record<Part, Latency>>;
  readonly epoch?: EpochResult;
  readonly maxRssMb?: number;
  readonly rounds: number;
  /** The fastest round's images/s per metric (PyTorch's is the reference the ratios use). */
  readonly best: Partial<Record<Metric, number>>;
  readonly error?: string;
}

const isLatency = (r: unknown): r is Latency => typeof r === 'object' && r !== null && 'p10' in r;

export function aggregate(config: BenchConfig, reports: readonly WorkerReport[], error?: string): Row {
  const lat: Partial<Record<Part, Latency>> = {};
  for (const part of config.parts) {
    const xs = reports.map((r) => r.results[part]).filter(isLatency);
    if (xs.length === 0) continue;
    const m = median(xs.map((x) => x.median));
    lat[part] = { batch: xs[0].batch, median: m, p10: median(xs.map((x) => x.p10)), p90: median(xs.map((x) => x.p90)), n: xs.reduce((n, x) => n + x.n, 0), imagesPerSecond: (xs[0].batch / m) * 1000 };
  }
  const epochs = reports.map((r) => r.results.epoch).filter((e): e is EpochResult => e !== undefined && 'seconds' in e);
  const epoch = epochs.length ? { images: epochs[0].images, seconds: median(epochs.map((e) => e.seconds)), imagesPerSecond: median(epochs.map((e) => e.imagesPerSecond)) } : undefined;
  // The page's row has no peak RSS of its own (its processes are Chromium's): 0 there.
  const rss = reports.map((r) => r.maxRssKb).filter((kb) => kb > 0);
  const maxRssMb = rss.length ? Math.max(...rss) / 1024 : undefined;
  const best: Partial<Record<Metric, number>> = {};
  for (const m of METRICS) {
    const xs = reports.map((r) => r.results[m]).map((x) => (x && 'imagesPerSecond' in x ? x.imagesPerSecond : undefined)).filter((x): x is number => x !== undefined);
    if (xs.length) best[m] = Math.max(...xs);
  }
  return { config, lat, epoch, maxRssMb, rounds: reports.length, best, error };
}

const METRICS = ['train64', 'train256', 'epoch', 'infer1', 'infer1000'] as const;
type Metric = (typeof METRICS)[number];
export const ips = (row: Row, m: Metric): number | undefined => (m === 'epoch' ? row.epoch?.imagesPerSecond : row.lat[m]?.imagesPerSecond);

/**
 * The reference for "× PyTorch": PyTorch's fastest round for a metric, over its thread counts and
 * settings. Conservative on purpose: PyTorch's step time on these machines swings between processes
 * (11 ms and 37 ms medians for the same 1-thread batch-64 step, minutes apart), and the fastest is its
 * real capability.
 */
export function torchBest(rows: readonly Row[], m: Metric): number | undefined {
  const xs = rows.filter((r) => r.config.family === 'pytorch').map((r) => r.best[m]).filter((x): x is number => x !== undefined);
  return xs.length ? Math.max(...xs) : undefined;
}

const f0 = (x: number | undefined): string => (x === undefined ? '–' : x.toFixed(0));
const f2 = (x: number | undefined): string => (x === undefined ? '–' : x < 0.1 ? x.toFixed(3) : x.toFixed(2));
const ratio = (x: number | undefined, ref: number | undefined): string => (x === undefined || !ref ? '–' : `${(x / ref).toFixed(2)}×`);
const lat = (l: Latency | undefined): string => (l ? `${f2(l.median)} (${f2(l.p10)}–${f2(l.p90)})` : '–');
const name = (r: Row): string => `${r.config.label}${r.error ? ` (failed: ${r.error.slice(0, 120).replace(/\|/g, '/')})` : ''}`;

export interface ReportInput {
  readonly machine: MachineInfo;
  readonly torch: string | undefined;
  readonly loadBefore: string;
  readonly loadAfter: string;
  readonly command: string;
  readonly rounds: number;
  readonly seconds: number;
  readonly date: string;
  readonly rows: readonly Row[];
  readonly peaks: Readonly<Record<1 | 2, PeakResult | undefined>>;
  readonly trainRss: TrainRss;
  readonly epochImages: number;
  /** The whole-process comparison (cold-start.ts), unless --no-cold-start. */
  readonly coldStart?: ColdStartResult;
  /** `--quick`: one round of few steps after a short warm-up; the figures are indicative only. */
  readonly quick?: boolean;
}

function tables(i: ReportInput): string[] {
  const ref = (m: Metric): number | undefined => torchBest(i.rows, m);
  const tag = machineTag(i.machine);
  const out = [
    `### Training (state fed back every step; ${tag})`, '',
    '| configuration | threads | batch 64: ms/step median (p10–p90) | images/s | × PyTorch | batch 256: ms/step | images/s | × PyTorch | epoch images/s | × PyTorch | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of i.rows) {
    out.push(`| ${name(r)} | ${r.config.threads} | ${lat(r.lat.train64)} | ${f0(ips(r, 'train64'))} | ${ratio(ips(r, 'train64'), ref('train64'))} | ${lat(r.lat.train256)} | ${f0(ips(r, 'train256'))} | ${ratio(ips(r, 'train256'), ref('train256'))} | ${f0(ips(r, 'epoch'))} | ${ratio(ips(r, 'epoch'), ref('epoch'))} | ${f0(r.maxRssMb)} |`);
  }
  out.push('', `### Inference (\`lenet.onnx\`; PyTorch in eval mode under no_grad, each inference part in a process of its own; ${tag})`, '',
    '| configuration | threads | batch 1: ms median (p10–p90) | images/s | × PyTorch | batch 1000: ms median (p10–p90) | images/s | × PyTorch | peak RSS MB |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const r of i.rows.filter((row) => row.config.parts.some((p) => p.startsWith('infer')))) {
    out.push(`| ${name(r)} | ${r.config.threads} | ${lat(r.lat.infer1)} | ${f0(ips(r, 'infer1'))} | ${ratio(ips(r, 'infer1'), ref('infer1'))} | ${lat(r.lat.infer1000)} | ${f0(ips(r, 'infer1000'))} | ${ratio(ips(r, 'infer1000'), ref('infer1000'))} | ${f0(r.maxRssMb)} |`);
  }
  return out;
}

function flopsSection(i: ReportInput): string[] {
  const f = trainStepFlops(64);
  const mf = (x: number): string => (x / 1e6).toFixed(1);
  const out = [
    `### Work per step and fraction of peak (${machineTag(i.machine)})`, '',
    `One training step at batch 64 (counted from the layer shapes, tools/bench/flops.ts): forward ${mf(f.forward)} MFLOP, backward ${mf(f.backward)} MFLOP, Adam ${mf(f.adam)} MFLOP, element-wise (ReLU, pooling, loss) ~${mf(f.elementwise)} MFLOP: **${mf(f.total)} MFLOP**. Inference: ${(inferenceFlops(1) / 1e6).toFixed(2)} MFLOP per image.`, '',
    'Under load the median mixes work with waiting for a core; the p10 step (the least disturbed tenth) is the closer measure of what the kernels reach, and the peak is the best MatMul run.', '',
    '| threads | MatMul peak (1024³, best run) GFLOP/s | train step b64 GFLOP/s: median step / p10 step | fraction of peak (median / p10) | inference b1000 GFLOP/s (median / p10) | fraction of peak (median / p10) |',
    '|---:|---:|---:|---:|---:|---:|',
  ];
  for (const t of [1, 2] as const) {
    const row = i.rows.find((r) => r.config.id === `node-${t}`);
    const peak = i.peaks[t]?.gflops;
    const rate = (flops: number, l: Latency | undefined): [number, number] | undefined => (l ? [flops / (l.median * 1e6), flops / (l.p10 * 1e6)] : undefined);
    const pair = (x: [number, number] | undefined): string => (x ? `${f2(x[0])} / ${f2(x[1])}` : '–');
    const frac = (x: [number, number] | undefined): string => (x === undefined || !peak ? '–' : `${((100 * x[0]) / peak).toFixed(0)} % / ${((100 * x[1]) / peak).toFixed(0)} %`);
    const train = rate(f.total, row?.lat.train64);
    const inf = rate(inferenceFlops(1000), row?.lat.infer1000);
    out.push(`| ${t} | ${f2(peak)} | ${pair(train)} | ${frac(train)} | ${pair(inf)} | ${frac(inf)} |`);
  }
  return out;
}

function targets(i: ReportInput): string[] {
  const get = (id: string): Row | undefined => i.rows.find((r) => r.config.id === id);
  const check = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? '**met**' : '**not met**');
  const ipsOf = (id: string, m: Metric): number | undefined => { const row = get(id); return row ? ips(row, m) : undefined; };
  const best = (...xs: (number | undefined)[]): number | undefined => xs.reduce<number | undefined>((a, x) => (x !== undefined && (a === undefined || x > a) ? x : a), undefined);
  const t64 = ipsOf('node-2', 'train64');
  const t64Fastest = get('node-2')?.best.train64;
  const webFastest = best(get('web-1')?.best.train64, get('web-2')?.best.train64);
  const best1000 = best(ipsOf('node-1', 'infer1000'), ipsOf('node-2', 'infer1000'));
  const b1 = Math.min(get('node-1')?.lat.infer1?.median ?? Infinity, get('node-2')?.lat.infer1?.median ?? Infinity);
  const web = best(ipsOf('web-1', 'train64'), ipsOf('web-2', 'train64'));
  const webEpoch = best(ipsOf('web-1', 'epoch'), ipsOf('web-2', 'epoch'));
  const r = (x: number | undefined, m: Metric): number | undefined => (x && torchBest(i.rows, m) ? x / (torchBest(i.rows, m) as number) : undefined);
  const rss = i.trainRss.maxRssMb;
  const page = ipsOf('chromium', 'train64');
  const pageFastest = get('chromium')?.best.train64;
  const torch2 = best(...i.rows.filter((row) => row.config.family === 'pytorch' && row.config.threads === 2).map((row) => row.best.train64));
  const r2 = (x: number | undefined): number | undefined => (x && torch2 ? x / torch2 : undefined);
  const web2 = ipsOf('web-2', 'train64');
  const ours = i.coldStart ? medianSeconds(i.coldStart.cached) : undefined;
  const theirs = i.coldStart ? medianSeconds(i.coldStart.torch) : undefined;
  const whole = ours && theirs ? theirs / ours : undefined;
  return [
    `### Targets (${machineTag(i.machine)}; ratios against PyTorch's fastest round of this run; status from our median round)${i.quick ? ' — quick run: indicative only, WebAssembly barely warmed up; judge the targets on a full run' : ''}`, '',
    '| target | measured | status |', '|---|---|---|',
    `| training, batch 64, 2 threads ≥ 3× PyTorch images/s | median round ${f0(t64)} images/s = ${f2(r(t64, 'train64'))}× (fastest round ${f0(t64Fastest)} = ${f2(r(t64Fastest, 'train64'))}×) | ${check(r(t64, 'train64') === undefined ? undefined : (r(t64, 'train64') as number) >= 3)} |`,
    `| inference batch 1000 ≥ 2× PyTorch | ${f0(best1000)} images/s = ${f2(r(best1000, 'infer1000'))}× | ${check(r(best1000, 'infer1000') === undefined ? undefined : (r(best1000, 'infer1000') as number) >= 2)} |`,
    `| inference batch 1 ≤ 0.1 ms per image (onnxruntime-node) | ${f2(Number.isFinite(b1) ? b1 : undefined)} ms | ${check(Number.isFinite(b1) ? b1 <= 0.1 : undefined)} |`,
    `| onnxruntime-web WASM training ≥ PyTorch CPU images/s | batch 64 steady state, median round ${f0(web)} images/s = ${f2(r(web, 'train64'))}× (fastest round ${f0(webFastest)} = ${f2(r(webFastest, 'train64'))}×); epoch (with warm-up) ${f0(webEpoch)} images/s = ${f2(r(webEpoch, 'epoch'))}× | ${check(r(web, 'train64') === undefined ? undefined : (r(web, 'train64') as number) >= 1)} |`,
    `| the page's training in Chromium (Web Workers, WASM), batch 64 steady state ≥ 1.5× PyTorch 2-thread images/s | median round ${f0(page)} images/s = ${f2(r2(page))}× PyTorch's fastest 2-thread round (${f0(torch2)}) (fastest round ${f0(pageFastest)} = ${f2(r2(pageFastest))}×)${web2 !== undefined && page !== undefined ? `; onnxruntime-web WASM in Node, 2 threads: ${f0(web2)} images/s, the page at ${f2(page / web2)}× of it` : ''} | ${check(r2(page) === undefined ? undefined : (r2(page) as number) >= 1.5)} |`,
    `| whole process, \`onnx-lenet train --epochs 1\` (cached data) ≥ 3× PyTorch's one-epoch process | ${ours === undefined ? '–' : `${f2(ours)} s`} vs ${theirs === undefined ? '–' : `${f2(theirs)} s`} = ${f2(whole)}× | ${check(whole === undefined ? undefined : whole >= 3)} |`,
    `| peak RSS of \`${i.trainRss.command}\` < 400 MB | ${rss === undefined ? i.trainRss.note ?? '–' : `${rss.toFixed(0)} MB (${i.trainRss.seconds?.toFixed(1)} s)`} | ${check(rss === undefined ? undefined : rss < 400)} |`,
  ];
}

export function renderReport(i: ReportInput): string {
  const m = i.machine;
  return [
    `Generated by \`${i.command}\` on ${i.date} in ${(i.seconds / 60).toFixed(1)} min; every figure is the median over ${i.rounds} round(s), each configuration in its own process, the configurations interleaved round by round so that load from other processes hits all of them alike.`, '',
    `- **Machine**: ${m.cpu}; ${m.cores} cores; ${m.memoryGiB} GiB RAM; ${m.os}`,
    `- **Load average** (1/5/15 min): ${i.loadBefore} at the start, ${i.loadAfter} at the end (other processes were running: compare within this run only)`,
    `- **Versions**: Node ${m.node}, onnxruntime-node ${m.ortNode}, onnxruntime-web ${m.ortWeb}, PyTorch ${i.torch ?? 'not available (rows skipped)'}`,
    '- **Threads**: training rows of onnxruntime run the trainer\'s data-parallel runner (src/train/step/parallel) unless marked "one train-step session": each batch split into one share per thread, each share in its own single-threaded session (onnxruntime-node, or onnxruntime-web with 1 WASM thread), Adam split by parameter slice; "one train-step session" rows and all inference rows use one session with that many intra-op threads (inter-op 1, sequential execution, graph optimisation `all`, no spinning) or `env.wasm.numThreads`; PyTorch `torch.set_num_threads` (interop 1)',
    `- **Data**: latency rows use a fixed MNIST-like batch; epoch rows one shuffled pass over ${i.epochImages.toLocaleString('en-US')} Fashion-MNIST training images (Debian's \`dataset-fashion-mnist\`) at batch 64, including batch assembly; PyTorch with the data preloaded as a float tensor`,
    '- **The page**: the "page in Chromium" row runs the page\'s own trainer (web/src/trainer.ts) in Debian\'s headless Chromium, served by `onnx-lenet serve`\'s server, on the page\'s bundled digits: each batch split across that many Web Workers with one WASM thread each (tools/bench/page.ts); step times include batch assembly, after a warm-up of the same length as the WASM rows\'',
    '- p10–p90: spread of step times within a round (median over rounds)',
    '- **× PyTorch**: against PyTorch\'s fastest round for that metric over all its rows (thread counts, wait policy), not its median: PyTorch\'s step time here swings between processes (11 and 37 ms medians for the same 1-thread step, minutes apart), so the ratios are conservative', '',
    ...tables(i), '', ...flopsSection(i), '', ...(i.coldStart ? [...renderColdStart(i.coldStart, machineTag(i.machine)), ''] : []), ...targets(i),
  ].join('\n');
}
