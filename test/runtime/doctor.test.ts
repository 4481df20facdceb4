import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DoctorReport } from '../../src/runtime/doctor.js';
import { formatDoctorReport } from '../../src/runtime/doctor.js';
import { ortBinDir } from '../../src/runtime/ort-paths.js';
import { runSnippet } from './child.js';

const NO_VULKAN = { VK_DRIVER_FILES: '/nonexistent.json', VK_ICD_FILENAMES: '/nonexistent.json' };
const CUDA_INSTALLED = existsSync(join(ortBinDir(), 'libonnxruntime_providers_cuda.so'));

function doctorInChild(env: Record<string, string> = {}): DoctorReport {
  const r = runSnippet(`
    import { runDoctor } from './src/runtime/doctor.js';
    console.log(JSON.stringify(await runDoctor()));
  `, env);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) throw new Error(`doctor failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as DoctorReport;
}

describe('doctor', () => {
  it('reports every provider; cpu usable; webgpu without an adapter names the fix', () => {
    const report = doctorInChild(NO_VULKAN);
    expect(report.onnxruntimeNode).toMatch(/^1\.\d+\.\d+/);
    expect(report.providers.map((p) => p.ep)).toEqual(['cpu', 'cuda', 'webgpu']);
    const [cpu, cuda, webgpu] = report.providers;
    expect(cpu).toMatchObject({ usable: true });
    expect(webgpu).toMatchObject({ usable: false, failure: 'no-adapter' });
    expect(webgpu?.fix).toContain('lavapipe');
    if (!CUDA_INSTALLED) {
      expect(cuda).toMatchObject({ usable: false, failure: 'provider-library-missing' });
      expect(cuda?.detail).toContain('libonnxruntime_providers_cuda.so');
      expect(cuda?.fix).toContain('onnx-lenet setup-cuda');
    }
    const text = formatDoctorReport(report);
    expect(text).toMatch(/^ok {2}cpu/m);
    expect(text).toMatch(/^no {2}webgpu/m);
  });

  it('with the machine\'s own Vulkan drivers, webgpu is either usable (lavapipe or a GPU) or says why not', () => {
    const webgpu = doctorInChild().providers[2];
    if (webgpu?.usable) expect(webgpu.detail).toMatch(/assigned fully/);
    else expect(webgpu?.failure).toBe('no-adapter');
  });
});
