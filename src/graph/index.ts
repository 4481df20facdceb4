/** Public API of the graph builder and the LeNet-5 models. */
export * from './contract.js';
export * from './params.js';
export { buildEvalModel, buildFlatAdamModel, buildGradientModel, buildInferenceModel, buildTrainStepModel, type ModelOptions, type TrainStepOptions } from './models.js';
export { GRAPH_TARGETS, type GraphTarget, graphTargetFor, webgpuConvHazard } from './webgpu-conv.js';
export { checkPortable, PORTABLE_OPS } from './allowlist.js';
export { Tape, OPSET, IR_VERSION, type Value } from './tape.js';
export { GraphShapeError } from './shape.js';
export { encodeModel, decodeModel, onnx, type ModelProto, type IModelProto } from './proto.js';
