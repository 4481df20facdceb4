#!/usr/bin/env node
// Thin launcher for the CLI compiled from src/cli into dist/ (`npm run build`; `npm pack` runs it as `prepack`).
// In a fresh checkout, where nothing has been built yet, it builds once with the project's TypeScript.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/src/cli/index.js', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write(`onnx-lenet: ${fileURLToPath(cli)} is missing and TypeScript is not installed; run 'npm install && npm run build' in ${root}\n`);
    process.exit(1);
  }
  process.stderr.write('onnx-lenet: first run in this checkout, compiling src/ into dist/ …\n');
  const built = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) {
    process.stderr.write(`onnx-lenet: the build failed (exit ${built.status}); run 'npm run build' in ${root} to see why\n`);
    process.exit(1);
  }
}
await import(cli.href);
