/** Public API of the graph builder and the LeNet-5 models. */
export * from './contract.js';
export * from './params.js';
export { buildEvalModel, buildFlatAdamModel, buildGradientModel, buildInferenceModel, buildTrainStepModel, type ModelOptions, type TrainStepOptions } from './models.js';
export { GRAPH_TARGETS, type GraphTarget, graphTargetFor, webgpuConvHazard } from './webgpu-conv.js';
export { checkPortable, PORTABLE_OPS } from './allowlist.js';
export { Tape, OPSET, IR_VERSION, type TapeOptions, type Value } from './tape.js';
export { GraphShapeError } from './shape.js';
export { encodeModel, decodeModel, onnx, type ModelProto, type IModelProto } from './proto.js';
export { DATA_TYPE_CODES, dataTypeCode, dtypeOfCode, type DType } from './dtype.js';
export type { Dim, Shape } from './shape.js';
export {
  MODEL_FILES, buildGraphs, type BuildGraphsOptions, type BuildGraphsResult, type ModelKind, type ModelSummary, type TensorSignature,
} from './export.js';
