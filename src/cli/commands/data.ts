/** `onnx-lenet data`: what data sets are available where, and `--download` to fetch one. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DATASET_NAMES, type DatasetName, type DatasetStatus, defaultCacheDir, fetchDataset, inspectDatasets } from '../../index.js';
import { createProgress, type Progress } from '../../util/progress.js';
import { listenForStop } from '../stop-signal.js';

export interface DataCommandOptions {
  readonly dataset?: DatasetName;
  readonly dataDir?: string;
  readonly download?: boolean;
  readonly mirror?: readonly string[];
  readonly timeout?: number;
}

function parseTimeout(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1) throw new InvalidArgumentError(`expected a timeout in ms (a positive integer), got '${value}'`);
  return n;
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').filter((s) => s !== '')];

/** One line per data set: name, availability, sizes, checksums, location. */
export function formatStatus(s: DatasetStatus): string {
  const name = s.name.padEnd(14);
  if (!s.available) return `${name} not available  ${s.location}: ${s.detail ?? ''}`;
  const sizes = `${s.train} train + ${s.test} test`;
  const sums = s.checksums === 'ok' ? 'checksums OK' : s.checksums === 'mismatch' ? 'CHECKSUMS DO NOT MATCH' : 'no published checksums';
  const extra = s.detail !== undefined ? ` (${s.detail})` : '';
  return `${name} ${sizes}, ${sums}  ${s.location}${extra}`;
}

/** Progress bars for downloads, one per file, on stderr. */
function downloadProgress(): (event: { file: string; received: number; total: number | undefined }) => void {
  let current: { file: string; last: number; bar: Progress } | undefined;
  return (event) => {
    // A new file, or the same file again from the next mirror: a new bar.
    if (current?.file !== event.file || event.received < current.last) {
      current?.bar.finish(current.file === event.file ? 'failed, trying the next mirror' : undefined);
      current = { file: event.file, last: 0, bar: createProgress({ total: event.total ?? 0, label: event.file, unit: 'B' }) };
    }
    current.last = event.received;
    current.bar.update(event.received);
    if (event.total !== undefined && event.received >= event.total) {
      current.bar.finish();
    }
  };
}

export async function runDataCommand(opts: DataCommandOptions, out: NodeJS.WritableStream = process.stdout): Promise<DatasetStatus[]> {
  const root = opts.dataDir ?? defaultCacheDir();
  if (opts.download === true) {
    const name = opts.dataset ?? 'mnist';
    // Ctrl-C aborts the download, which removes its temporary .part file, instead of killing the process
    // with the file still in the cache.
    const stop = listenForStop('stopping the download and removing its partial file…');
    try {
      const dir = await fetchDataset(name, { dataDir: root, mirrors: opts.mirror, timeoutMs: opts.timeout, onProgress: downloadProgress(), signal: stop.signal });
      out.write(`${name}: ready in ${dir}\n`);
    } catch (error) {
      if (!stop.signal.aborted) throw error;
      process.stderr.write(`\ndownload of ${name} interrupted; its partial file was removed\n`);
      process.exitCode = 130;
      return [];
    } finally {
      stop.dispose();
    }
  }
  out.write(`data dir: ${root}\n`);
  const statuses = await inspectDatasets({ dataDir: root, dataset: opts.dataset });
  for (const s of statuses) out.write(`  ${formatStatus(s)}\n`);
  return statuses;
}

export function dataCommand(): Command {
  return new Command('data')
    .description('show which data sets are available (where, sizes, checksums); --download fetches one')
    .addOption(new Option('--dataset <name>', 'only this data set (with --download: the one to fetch, default mnist)').choices(DATASET_NAMES))
    .option('--data-dir <dir>', 'a folder holding the four IDX files, or the cache root (default $XDG_CACHE_HOME/onnx-lenet or ~/.cache/onnx-lenet)')
    .option('--download', 'download the data set into the cache (MD5-checked, mirrors in order)')
    .option('--mirror <url>', 'mirror base URL, repeatable or comma separated (overrides ONNX_LENET_MIRRORS and the built-in list)', collect)
    .option('--timeout <ms>', 'abort a download when no byte arrives for this long', parseTimeout)
    .action(async (opts: DataCommandOptions) => {
      await runDataCommand(opts);
    });
}
