/** Public API of reverse mode over imported models: make any supported forward-only ONNX model trainable. */
export { DIFFERENTIABLE_OPS } from './rules/index.js';
export { LOSSES, OPTIMIZERS, type LossName, type MakeTrainableOptions, type OptimizerName, type OptimizerSettings, type Parameter, type TrainableModels, makeTrainable, optimizerInputs } from './trainable.js';
export { type MakeTrainableFilesOptions, type MakeTrainableFilesResult, makeTrainableFiles } from './write.js';
