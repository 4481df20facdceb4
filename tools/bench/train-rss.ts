/**
 * Peak RSS of the real CLI, `onnx-lenet train`, on Fashion-MNIST (MNIST-sized: 60,000 + 10,000 images),
 * measured by GNU time (`/usr/bin/time -v`: "Maximum resident set size").
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const GNU_TIME = '/usr/bin/time';

export interface TrainRss {
  readonly command: string;
  readonly maxRssMb?: number;
  readonly seconds?: number;
  readonly note?: string;
}

export function measureTrainRss(dataDir: string, maxSteps: number | undefined): TrainRss {
  const out = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-bench-train-'));
  const args = ['bin/onnx-lenet.js', 'train', '--dataset', 'fashion-mnist', '--data-dir', dataDir, '--epochs', '1', '--out', out,
    ...(maxSteps ? ['--max-steps', String(maxSteps)] : [])];
  const command = `onnx-lenet ${args.slice(1).join(' ').replace(out, '<tmp>')}`;
  try {
    if (!existsSync(GNU_TIME)) return { command, note: `${GNU_TIME} not found (Debian package 'time')` };
    const t0 = performance.now();
    const r = spawnSync(GNU_TIME, ['-v', process.execPath, ...args], { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
    const seconds = (performance.now() - t0) / 1000;
    const kb = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
    if (r.status !== 0 || !kb) return { command, note: `train failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-2).join(' | ')}` };
    return { command, maxRssMb: Number(kb) / 1024, seconds };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
