/** Runs the built CLI (`bin/onnx-lenet.js`, compiled by `npm test`'s build step) in a child process. */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { expect } from 'vitest';

export const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/onnx-lenet.js');

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  if (!existsSync(path.join(ROOT, 'dist/src/cli/index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Lines that Dawn and the Vulkan loader write straight to file descriptor 2 from native code when there is
 * no Vulkan driver (`Warning: vkCreateInstance: Found no drivers!`, `    at CheckVkSuccessImpl (…)`, a
 * blank line). Node cannot intercept them; only `--ep webgpu` failures may pass this.
 */
export const NATIVE_VULKAN_NOISE = /^(Warning: (loader_get_json|vkCreateInstance)\b.*| {4}at CheckVkSuccessImpl \(.*\)|)$/;

/**
 * The CLI failed, and the whole of stderr is one line, `onnx-lenet: <message>`, matching `message`: no
 * stack trace, warning or log line before or after it. `nativeNoise`: lines written by native libraries
 * that may come before it (see NATIVE_VULKAN_NOISE); nothing else is tolerated.
 */
export function expectOneLineError(r: CliResult, message: RegExp, nativeNoise?: RegExp): void {
  expect(r.code, r.stderr).not.toBe(0);
  let stderr = r.stderr;
  if (nativeNoise) {
    const lines = stderr.split('\n');
    const first = lines.findIndex((l) => l.startsWith('onnx-lenet:'));
    if (first > 0 && lines.slice(0, first).every((l) => nativeNoise.test(l))) stderr = lines.slice(first).join('\n');
  }
  expect(stderr, 'stderr must be exactly one line starting with `onnx-lenet:`').toMatch(/^onnx-lenet: [^\n]+\n$/);
  expect(stderr).toMatch(message);
}
