/**
 * Issue 14, row 19: `npm ci` of this project prints no warning on npm ≥ 11.16 and keeps working on npm 12:
 * package.json's `allowScripts` allows protobufjs's postinstall (a version check) and denies
 * onnxruntime-node's, which would only download the CUDA provider from NuGet (`onnx-lenet setup-cuda`
 * does that on purpose). No `.npmrc` key that npm 11 calls an "Unknown project config".
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { ROOT } from '../helpers/cli.js';

const version = spawnSync('npm', ['--version'], { encoding: 'utf8' }).stdout?.trim() ?? '';
const [major = 0, minor = 0] = version.split('.').map(Number);
const knowsAllowScripts = major > 11 || (major === 11 && minor >= 16);
if (!knowsAllowScripts) console.log(`skipping the npm ci test: npm ${version || 'is missing'}, allowScripts needs npm ≥ 11.16`);

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-ci-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('install scripts', () => {
  test('package.json allows protobufjs and denies onnxruntime-node; no .npmrc key', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { allowScripts: Record<string, boolean> };
    expect(pkg.allowScripts).toEqual({ 'onnxruntime-node': false, protobufjs: true });
    const npmrc = path.join(ROOT, '.npmrc');
    if (existsSync(npmrc)) expect(readFileSync(npmrc, 'utf8')).not.toMatch(/onnxruntime-node-install/);
  });

  test.skipIf(!knowsAllowScripts)('npm ci from package.json + package-lock.json prints no warning and fetches no CUDA provider', () => {
    for (const f of ['package.json', 'package-lock.json']) copyFileSync(path.join(ROOT, f), path.join(work, f));
    const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund', '--prefer-offline'], {
      cwd: work, encoding: 'utf8', timeout: 280_000, env: { ...process.env, npm_config_update_notifier: 'false', ONNXRUNTIME_NODE_INSTALL: '' },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/npm warn/i);
    expect(existsSync(path.join(work, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime_providers_cuda.so'))).toBe(false);
  }, 300_000);
});
