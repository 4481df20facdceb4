import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BUILT = existsSync(join(ROOT, 'dist', 'src', 'cli', 'index.js'));

describe('tools/gpu-check.sh --dry-run', () => {
  // It drives the compiled CLI: `npm test` builds first; without dist/ it fails (it is never skipped).
  it('runs up to the GPU steps without a GPU and says what it would run', () => {
    if (!BUILT) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    const out = mkdtempSync(join(tmpdir(), 'gpu-check-'));
    const r = spawnSync('bash', [join(ROOT, 'tools', 'gpu-check.sh'), '--dry-run'], {
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, OUT: out, PATH: `${join(process.execPath, '..')}:${process.env.PATH ?? ''}` },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('== 3. onnx-lenet doctor');
    expect(r.stdout).toMatch(/^ok {2}cpu/m);
    expect(r.stdout).toContain('dry run: stopping before the GPU steps');
    expect(existsSync(join(out, 'doctor.json'))).toBe(true);
  });

  it('rejects unknown flags', () => {
    const r = spawnSync('bash', [join(ROOT, 'tools', 'gpu-check.sh'), '--bogus'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('usage: tools/gpu-check.sh');
  });
});
