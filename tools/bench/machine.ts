/** What the benchmark ran on: CPU, cores, memory, load, and the versions of everything measured. */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

export interface MachineInfo {
  /** CPU model, family and SIMD level, e.g. 'AMD EPYC (family 26), AVX-512'. */
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  readonly ortNode: string;
  readonly ortWeb: string;
}

/** The version in node_modules/<name>/package.json, found from the package's entry point upwards. */
function packageVersion(name: string): string {
  try {
    let dir = path.dirname(createRequire(import.meta.url).resolve(name));
    while (dir !== path.dirname(dir)) {
      const file = path.join(dir, 'package.json');
      if (existsSync(file)) {
        const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
        if (pkg.name === name && pkg.version) return pkg.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

function cpuModel(): string {
  try {
    const lscpu = execFileSync('lscpu', { encoding: 'utf8' });
    const model = /^Model name:\s*(.+)$/m.exec(lscpu)?.[1];
    const family = /^CPU family:\s*(.+)$/m.exec(lscpu)?.[1];
    const flags = /^Flags:\s*(.+)$/m.exec(lscpu)?.[1] ?? '';
    const simd = flags.includes('avx512f') ? 'AVX-512' : flags.includes('avx2') ? 'AVX2' : 'SSE';
    if (model) return `${model.trim()}${family ? ` (family ${family.trim()})` : ''}, ${simd}`;
  } catch {
    // lscpu missing: fall back to Node's view
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

export function machineInfo(): MachineInfo {
  return {
    cpu: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    ortNode: packageVersion('onnxruntime-node'),
    ortWeb: packageVersion('onnxruntime-web'),
  };
}

/** What every figure of the report was taken on, short: CPU model and ISA, cores. */
export const machineTag = (m: MachineInfo): string => `${m.cpu}, ${m.cores} cores`;

/** 1-, 5- and 15-minute load averages, formatted. */
export const loadAverage = (): string => os.loadavg().map((l) => l.toFixed(2)).join(' / ');
