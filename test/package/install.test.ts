/**
 * Issue 14, row 18: the package is what a library user expects. `npm pack`, install the tarball into an
 * empty folder (its dependencies come from npm's cache or the registry), then import it (with types) and
 * run its CLI. Takes about a minute; skipped, saying why, only when `npm` itself is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const hasNpm = npm.status === 0;
if (!hasNpm) console.log(`skipping the package test: npm is not available (${npm.error?.message ?? npm.stderr})`);

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-pack-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function run(cmd: string, args: string[], cwd: string): { stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000, env: { ...process.env, npm_config_update_notifier: 'false' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}${r.error?.message ?? ''}`);
  return { stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!hasNpm)('npm pack, install offline, import and run', () => {
  test('the tarball installs into an empty folder; import with types and the CLI work', () => {
    // dist/ is built before the tests (npm test); `npm pack` alone would build it with the prepack script.
    const packed = JSON.parse(run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], ROOT).stdout) as [{ filename: string; files: { path: string }[] }];
    const files = packed[0].files.map((f) => f.path);
    expect(files).toEqual(expect.arrayContaining(['bin/onnx-lenet.js', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/src/cli/index.js', 'web/index.html', 'dist/web/src/main.js']));
    expect(files.filter((f) => /^(test|tools|dist\/tools|src|web\/src)\/|\.map$|\.ts$/.test(f) && !f.endsWith('.d.ts'))).toEqual([]);

    const app = path.join(work, 'app');
    execFileSync('mkdir', [app]);
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({
      name: 'app', version: '1.0.0', private: true, type: 'module',
      // onnxruntime-node's install script only downloads the CUDA provider (README: installing offline).
      allowScripts: { 'onnxruntime-node': false, protobufjs: true },
    }));
    const install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(work, packed[0].filename)], app);
    expect(install.stderr).not.toMatch(/npm warn/i);

    writeFileSync(path.join(app, 'use.ts'), [
      "import { buildGraphs, train, type TrainOptions } from 'onnx-lenet';",
      "const options: TrainOptions = { epochs: 1, dataset: 'mnist-sample' };",
      "const result = await buildGraphs({ outDir: 'models-lib' });",
      "console.log(typeof train, options.epochs, Object.keys(result).length > 0);",
    ].join('\n'));
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    run(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022', '--skipLibCheck',
      '--typeRoots', path.join(ROOT, 'node_modules/@types'), '--types', 'node', 'use.ts'], app);
    writeFileSync(path.join(app, 'use.mjs'), "import { train, buildGraphs } from 'onnx-lenet';\nawait buildGraphs({ outDir: 'models-lib' });\nconsole.log(typeof train, typeof buildGraphs);\n");
    expect(run(process.execPath, ['use.mjs'], app).stdout.trim()).toBe('function function');
    expect(readdirSync(path.join(app, 'models-lib')).sort()).toEqual(['lenet.eval.onnx', 'lenet.onnx', 'lenet.train.onnx']);

    expect(run('npx', ['--no-install', 'onnx-lenet', '--help'], app).stdout).toMatch(/Usage: onnx-lenet/);
    const built = run('npx', ['--no-install', 'onnx-lenet', 'build-graph', '--out', 'models'], app);
    expect(built.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(path.join(app, 'models'))).toContain('lenet.onnx');
  }, 300_000);
});
