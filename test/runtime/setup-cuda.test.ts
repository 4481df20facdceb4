import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ortPackageDir } from '../../src/runtime/ort-paths.js';
import { installStagedFiles, setupCuda } from '../../src/runtime/setup-cuda.js';
import { refusingUrl } from '../helpers/net.js';

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

/** A copy of onnxruntime-node's package.json and installer next to a fake bin folder. */
function fakePackage(): { pkg: string; bin: string } {
  const pkg = mkdtempSync(join(tmpdir(), 'fake-ort-'));
  cpSync(join(ortPackageDir(), 'script'), join(pkg, 'script'), { recursive: true });
  cpSync(join(ortPackageDir(), 'package.json'), join(pkg, 'package.json'));
  const bin = join(pkg, 'bin', 'napi-v6', 'linux', 'x64');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'libonnxruntime.so.1'), 'the runtime');
  return { pkg, bin };
}

describe('setupCuda without network (a proxy that refuses connections, so internet access does not matter)', () => {
  it('fails with what it needs and leaves the bin folder as it was', async () => {
    const { pkg, bin } = fakePackage();
    const before = snapshot(bin);
    const lines: string[] = [];
    // Even with npm's config saying "skip" (this project's .npmrc), the installer must run and fail loudly.
    process.env.npm_config_onnxruntime_node_install = 'skip';
    // onnxruntime-node's installer routes its downloads through global-agent, which takes these.
    const proxy = await refusingUrl();
    Object.assign(process.env, { GLOBAL_AGENT_HTTP_PROXY: proxy, GLOBAL_AGENT_HTTPS_PROXY: proxy });
    try {
      const error = await setupCuda({ packageDir: pkg, log: (l) => lines.push(l), timeoutMs: 90_000 }).then(() => null, (e: Error) => e);
      expect(error?.message).toMatch(
        /^setup-cuda: onnxruntime-node's installer could not fetch the CUDA provider \(.+\)\. It downloads Microsoft\.ML\.OnnxRuntime\.Gpu\.Linux 1\.\d+\.\d+ from api\.nuget\.org, so it needs network access .* CUDA 12\.x .* cuDNN 9\. Nothing in .* was changed\.$/,
      );
      // the failure is the refusing proxy's, not whatever this machine's network happens to do
      expect(error?.message).toContain(`ECONNREFUSED ${new URL(proxy).host}`);
    } finally {
      delete process.env.npm_config_onnxruntime_node_install;
      delete process.env.GLOBAL_AGENT_HTTP_PROXY;
      delete process.env.GLOBAL_AGENT_HTTPS_PROXY;
    }
    expect(snapshot(bin)).toEqual(before);
  });
});

describe('installStagedFiles', () => {
  const files = ['a.so', 'b.so'];
  function dirs(): { stage: string; bin: string } {
    const root = mkdtempSync(join(tmpdir(), 'stage-'));
    const stage = join(root, 'stage');
    const bin = join(root, 'bin');
    mkdirSync(stage);
    mkdirSync(bin);
    return { stage, bin };
  }

  it('moves every file in, replacing older copies', () => {
    const { stage, bin } = dirs();
    for (const f of files) writeFileSync(join(stage, f), `new ${f}`);
    writeFileSync(join(bin, 'a.so'), 'old a.so');
    installStagedFiles(stage, bin, files);
    expect(snapshot(bin)).toEqual({ 'a.so': 'new a.so', 'b.so': 'new b.so' });
  });

  it('installs nothing when a file is missing', () => {
    const { stage, bin } = dirs();
    writeFileSync(join(stage, 'a.so'), 'new a.so');
    writeFileSync(join(bin, 'a.so'), 'old a.so');
    expect(() => installStagedFiles(stage, bin, files)).toThrow('the installer did not produce b.so');
    expect(snapshot(bin)).toEqual({ 'a.so': 'old a.so' });
  });
});
