import { describe, expect, it } from 'vitest';
import { parseExecutionProvider } from '../../src/runtime/execution-provider.js';
import { sessionOptionsFor } from '../../src/runtime/providers.js';
import { explainSessionError } from '../../src/runtime/session-errors.js';
import { runSnippet } from './child.js';

const NO_VULKAN = { VK_DRIVER_FILES: '/nonexistent.json', VK_ICD_FILENAMES: '/nonexistent.json' };

interface Outcome { ok: boolean; name?: string; failure?: string; message?: string; ms: number }

/** createSession(relu, ep) in a child process with `env`; what happened, and how long it took. */
function trySession(ep: string, env: Record<string, string> = {}): Outcome {
  const r = runSnippet(`
    import { createSession } from './src/runtime/providers.js';
    import { reluModelBytes } from './src/runtime/tiny-model.js';
    const t0 = Date.now();
    try { const s = await createSession(reluModelBytes(), ${JSON.stringify(ep)}); await s.release(); console.log(JSON.stringify({ ok: true, ms: Date.now() - t0 })); }
    catch (e) { console.log(JSON.stringify({ ok: false, name: e.name, failure: e.failure, message: e.message, ms: Date.now() - t0 })); }
  `, env);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) throw new Error(`child failed (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return JSON.parse(line) as Outcome;
}

describe('parseExecutionProvider', () => {
  it.each(['cpu', 'cuda', 'webgpu'])('accepts %s', (ep) => expect(parseExecutionProvider(ep)).toBe(ep));
  it('rejects an unknown provider with a RangeError that lists the valid ones', () => {
    expect(() => parseExecutionProvider('tpu')).toThrow(RangeError);
    expect(() => parseExecutionProvider('tpu')).toThrow("execution provider must be one of 'cpu', 'cuda', 'webgpu'; got 'tpu'");
  });
});

describe('sessionOptionsFor', () => {
  it('cpu: threads, no fallback switch', () => {
    const o = sessionOptionsFor('cpu', { threads: 2 });
    expect(o).toMatchObject({ executionProviders: ['cpu'], intraOpNumThreads: 2, interOpNumThreads: 1 });
    expect(o.extra).toBeUndefined();
  });
  it.each(['cuda', 'webgpu'] as const)('%s: CPU fallback disabled', (ep) => {
    expect(sessionOptionsFor(ep)).toMatchObject({ executionProviders: [ep], extra: { session: { disable_cpu_ep_fallback: '1' } } });
  });
  it('webgpu: outputs kept in GPU buffers on request', () => {
    expect(sessionOptionsFor('webgpu', { outputsOnGpu: true }).preferredOutputLocation).toBe('gpu-buffer');
    expect(sessionOptionsFor('webgpu', { outputsOnGpu: ['a'] }).preferredOutputLocation).toEqual({ a: 'gpu-buffer' });
    expect(() => sessionOptionsFor('cpu', { outputsOnGpu: true })).toThrow(RangeError);
  });
  it('rejects bad threads and unknown providers', () => {
    expect(() => sessionOptionsFor('cpu', { threads: 0 })).toThrow('threads must be an integer ≥ 1, got 0');
    expect(() => sessionOptionsFor('opencl' as 'cpu')).toThrow(RangeError);
  });
});

describe('createSession on a machine without a GPU', () => {
  it('cpu works', () => {
    expect(trySession('cpu')).toMatchObject({ ok: true });
  });

  it('webgpu without any adapter fails fast, says so and mentions lavapipe', () => {
    const r = trySession('webgpu', NO_VULKAN);
    expect(r).toMatchObject({ ok: false, name: 'ExecutionProviderError', failure: 'no-adapter' });
    expect(r.message).toMatch(/^--ep webgpu: no GPU adapter found/);
    expect(r.message).toContain('lavapipe');
    expect(r.message).not.toContain('\n');
    // fails fast: the failure named above (not a timeout); a hang would hit runSnippet's 60 s limit
  });

  it('cuda without the provider library fails fast and names setup-cuda', () => {
    const r = trySession('cuda');
    if (r.ok) return; // a machine with the CUDA provider installed and a GPU: nothing to check here
    expect(r).toMatchObject({ name: 'ExecutionProviderError' });
    if (r.failure === 'provider-library-missing') {
      expect(r.message).toMatch(/^--ep cuda: onnxruntime-node's CUDA provider is not installed \(.*libonnxruntime_providers_cuda\.so.* missing from .*\); run `onnx-lenet setup-cuda`/);
    } else {
      expect(['provider-dependency-missing', 'no-driver', 'no-device']).toContain(r.failure);
    }
    expect(r.message).not.toContain('\n');
    // fails fast: the failure named above (not a timeout); a hang would hit runSnippet's 60 s limit
  });

  it('an unknown provider is a RangeError', () => {
    const r = trySession('tpu');
    expect(r).toMatchObject({ ok: false, name: 'RangeError' });
    expect(r.message).toContain("'cpu', 'cuda', 'webgpu'");
  });
});

describe('explainSessionError (ORT texts as observed, CUDA driver texts as CUDA prints them)', () => {
  const noLibDir = '/nonexistent-ort-bin';
  it.each([
    ['cuda', 'OrtSessionOptionsAppendExecutionProvider_Cuda: Failed to load shared library', 'provider-library-missing', /setup-cuda/],
    ['cuda', 'CUDA failure 100: no CUDA-capable device is detected ; GPU=0', 'no-device', /no CUDA GPU/],
    ['cuda', 'CUDA failure 35: CUDA driver version is insufficient for CUDA runtime version', 'no-driver', /NVIDIA driver/],
    ['webgpu', '/onnxruntime_src/x/webgpu_context.cc:136 f() adapter_result.status == wgpu::RequestAdapterStatus::Success was false. Failed to get a WebGPU adapter: No supported adapters\n', 'no-adapter', /no GPU adapter/],
    ['webgpu', 'This session contains graph nodes that are assigned to the default CPU EP, but fallback to CPU EP has been explicitly disabled by the user.', 'cpu-fallback', /without a webgpu kernel/],
  ] as const)('%s: %s → %s', (ep, text, failure, pattern) => {
    const e = explainSessionError(ep, new Error(text), noLibDir);
    expect(e.failure).toBe(failure);
    expect(e.message).toMatch(pattern);
    expect(e.message.startsWith(`--ep ${ep}: `)).toBe(true);
  });
});
