/**
 * Issue 14, row 16: on a machine whose only CUDA is 13.x, onnxruntime-node 1.30's CUDA provider (built
 * for CUDA 12: it links libcudart.so.12) cannot load; doctor and --ep cuda say exactly that and what to
 * install. No GPU here: the provider files, ldd's answer and the CUDA installation are fakes.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProvider } from '../../src/runtime/doctor.js';
import { type CudaProbe, findCudaRuntimes } from '../../src/runtime/ort-paths.js';
import { explainSessionError } from '../../src/runtime/session-errors.js';

const work = mkdtempSync(join(tmpdir(), 'onnx-lenet-cuda13-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const cuda13 = join(work, 'usr/local/cuda-13.0/lib64');
mkdirSync(cuda13, { recursive: true });
for (const f of ['libcudart.so.13', 'libcudart.so.13.0.96', 'libcublas.so.13']) writeFileSync(join(cuda13, f), '');

/** The provider installed (by setup-cuda), its CUDA 12 libraries unresolved, CUDA 13 on disk. */
const onlyCuda13: CudaProbe = {
  missingProviderFiles: () => [],
  unresolved: () => ['libcudart.so.12', 'libcublas.so.12', 'libcublasLt.so.12', 'libcufft.so.11', 'libcurand.so.10', 'libcudnn.so.9'],
  runtimes: () => findCudaRuntimes([cuda13, join(work, 'nowhere')]),
};

describe('CUDA 13 only', () => {
  it('finds libcudart by major version in the given folders', () => {
    expect(findCudaRuntimes([cuda13])).toEqual([{ major: 13, file: join(cuda13, 'libcudart.so.13') }]);
  });

  it('doctor names CUDA 12 vs 13 and what to install', async () => {
    const report = await checkProvider('cuda', join(work, 'bin'), onlyCuda13);
    expect(report).toMatchObject({ ep: 'cuda', usable: false, failure: 'cuda-version-mismatch' });
    expect(report.detail).toBe(`onnxruntime-node's CUDA provider is built for CUDA 12 (it links libcudart.so.12) but this machine has only CUDA 13 (${join(cuda13, 'libcudart.so.13')}); there is no CUDA 13 build of it yet`);
    expect(report.fix).toMatch(/install the CUDA 12 runtime and cuDNN 9 next to it .*cuda-cudart-12-9 .*nvidia-cuda-runtime-cu12 .*LD_LIBRARY_PATH/);
  });

  it('--ep cuda: the session error says the same in one line, also from the loader text alone', () => {
    const ortText = 'Failed to load library libonnxruntime_providers_cuda.so with error: libcudart.so.12: cannot open shared object file: No such file or directory';
    const probe: CudaProbe = { ...onlyCuda13, unresolved: () => [] }; // no ldd: the loader's message names the library
    const e = explainSessionError('cuda', new Error(ortText), join(work, 'bin'), probe);
    expect(e.failure).toBe('cuda-version-mismatch');
    expect(e.message).toMatch(/^--ep cuda: onnxruntime-node's CUDA provider is built for CUDA 12 \(it links libcudart\.so\.12\) but this machine has only CUDA 13 .*; install the CUDA 12 runtime/);
    expect(e.message).not.toContain('\n');
  });

  it('with CUDA 12 present as well, it is not called a version mismatch', async () => {
    const cuda12 = join(work, 'cuda-12/lib64');
    mkdirSync(cuda12, { recursive: true });
    writeFileSync(join(cuda12, 'libcudart.so.12'), '');
    const both: CudaProbe = { ...onlyCuda13, runtimes: () => findCudaRuntimes([cuda12, cuda13]), unresolved: () => ['libcudnn.so.9'] };
    const report = await checkProvider('cuda', join(work, 'bin'), both);
    expect(report.failure).toBe('provider-dependency-missing');
  });
});
