/** Public API of the graph builder and the LeNet-5 models. */
export * from './contract.js';
export * from './params.js';
export { buildEvalModel, buildFlatAdamModel, buildGradientModel, buildInferenceModel, buildTrainStepModel, type ModelOptions, type TrainStepOptions } from './models.js';
export {
  DEFAULT_EXPORT_TARGET, GRAPH_TARGETS, GRAPH_TARGET_ALIASES, type GraphTarget, type GraphTargetName, type WebgpuConvPassResult, forTarget, graphTargetFor,
  resolveGraphTarget, webgpuConvHazard, webgpuSafeConvPass,
} from './webgpu-conv.js';
export { IO_CONTRACT_VERSION, METADATA_KEYS, type ModelInfo, formatModelInfo, modelInfo, withMetadata } from './metadata.js';
export { checkPortable, PORTABLE_OPS } from './allowlist.js';
export { Tape, OPSET, IR_VERSION, type TapeOptions, type Value } from './tape.js';
export { GraphShapeError } from './shape.js';
export { encodeModel, decodeModel, onnx, type ModelProto, type IModelProto } from './proto.js';
export { DATA_TYPE_CODES, dataTypeCode, dtypeOfCode, type DType } from './dtype.js';
export type { Dim, Shape } from './shape.js';
export {
  MODEL_FILES, buildGraphs, type BuildGraphsOptions, type BuildGraphsResult, type ModelKind, type ModelSummary, type TensorSignature,
} from './export.js';
