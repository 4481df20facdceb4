/** Inputs and outputs of an ONNX Runtime session as ValueSpecs, from its own metadata (either binding). */
import type { ValueSpec } from './types.js';

/** The metadata both bindings' sessions carry (onnxruntime-common's InferenceSession.ValueMetadata). */
interface SessionMetadata {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  readonly inputMetadata: readonly ({ readonly name: string; readonly isTensor: false } | {
    readonly name: string; readonly isTensor: true; readonly type: string; readonly shape: readonly (number | string)[];
  })[];
}

export function inputSpecs(session: SessionMetadata): ValueSpec[] {
  return session.inputMetadata.map((m) => {
    if (!m.isTensor) throw new TypeError(`model input '${m.name}' is not a tensor; a train step takes tensors only`);
    return { name: m.name, type: m.type, shape: [...m.shape] };
  });
}
