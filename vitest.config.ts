import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // onnxruntime-node's session.run is synchronous and CPU-heavy: keep files from fighting over 2 cores.
    fileParallelism: false,
    env: {
      // Vitest runs the sources as TypeScript, which a worker thread cannot load: the CPU trainer's
      // threads run the compiled worker (`npm test` builds first).
      ONNX_LENET_CPU_WORKER: fileURLToPath(new URL('./dist/src/train/step/parallel/worker.js', import.meta.url)),
      // Downloads, decoded data and mnist-sample's cache go to a cache of the tests' own, never the user's.
      XDG_CACHE_HOME: join(tmpdir(), 'onnx-lenet-test-cache'),
    },
  },
});
