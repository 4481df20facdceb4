/**
 * Runs a snippet against src/runtime in a separate Node process with its own environment (to hide the
 * Vulkan driver from Dawn, for instance). src/runtime is transpiled into a temporary folder with
 * TypeScript's transpileModule, so this works before `npm run build`.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');
let built: string | undefined;

function transpileTree(srcDir: string, outRoot: string, recurse = true): void {
  for (const entry of readdirSync(srcDir, { withFileTypes: true })) {
    const path = join(srcDir, entry.name);
    if (entry.isDirectory()) {
      if (recurse) transpileTree(path, outRoot);
    } else if (entry.name.endsWith('.ts')) {
      const out = join(outRoot, relative(ROOT, path)).replace(/\.ts$/, '.js');
      mkdirSync(dirname(out), { recursive: true });
      const { outputText } = ts.transpileModule(readFileSync(path, 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
      });
      writeFileSync(out, outputText);
    }
  }
}

/** A temporary copy of src/runtime as JavaScript, with node_modules linked; built once per test file. */
export function runtimeJs(): string {
  if (built) return built;
  const dir = mkdtempSync(join(tmpdir(), 'onnx-lenet-runtime-'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  for (const folder of ['runtime', 'graph', 'util']) transpileTree(join(ROOT, 'src', folder), dir); // runtime imports graph/proto
  transpileTree(join(ROOT, 'src'), dir, false); // src/version.ts (graph/tape imports it), src/index.ts
  built = dir;
  return dir;
}

export interface ChildResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs an ES-module snippet in `runtimeJs()` (imports like `./src/runtime/providers.js`) with extra env. */
export function runSnippet(code: string, env: Record<string, string> = {}, timeoutMs = 60_000): ChildResult {
  const dir = runtimeJs();
  const file = join(dir, `snippet-${process.pid}-${Date.now()}.mjs`);
  writeFileSync(file, code);
  const r = spawnSync(process.execPath, [file], {
    cwd: dir,
    encoding: 'utf8',
    timeout: timeoutMs,
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? tmpdir(), ...env },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
