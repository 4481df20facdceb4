import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // onnxruntime-node's session.run is synchronous and CPU-heavy: keep files from fighting over 2 cores.
    fileParallelism: false,
  },
});
