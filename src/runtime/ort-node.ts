/**
 * onnxruntime-node's values, loaded with require() rather than import: Node's ESM loader first scans a
 * CommonJS package's sources (and onnxruntime-common's, which it re-exports) for its exports, in every
 * thread that imports it — the CPU trainer's worker threads too, whose start-up every `train` waits for
 * (see graph/proto.ts). Types come from `import type * as ort from 'onnxruntime-node'`.
 */
import { createRequire } from 'node:module';
import type * as Ort from 'onnxruntime-node';

const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof Ort;

export const { InferenceSession, Tensor, env } = ort;
