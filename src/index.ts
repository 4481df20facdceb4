/**
 * onnx-lenet as a library: everything the CLI commands call, usable without the CLI. Options and results
 * are plain typed objects; errors are thrown with a one-line message (the CLI prints it and exits 1).
 *
 *   buildGraphs  → the three LeNet models (inference, train step, eval) in a folder
 *   train        → trains with any execution provider; writes the trained lenet.onnx, a checkpoint, metrics
 *   evaluate     → test accuracy, per class, and the confusion matrix of an inference model
 *   predict      → the digit in PNG/JPEG files
 */

// The graph builder, the LeNet models and their contracts (input/output names, adamScalars).
export * from './graph/index.js';
export * from './autodiff/index.js';

// Training.
export { CHECKPOINT_FILE, METRICS_FILE, train, trainOutputFiles } from './train/trainer.js';
export { type TrainableModel, type TrainableModelFiles, loadTrainableModel, trainableModelFiles, trainedModelBytes } from './train/model-files.js';
export { type Recovery, recoverOutputSet } from './train/output-set.js';
export type {
  EpochMetrics, ResumableOptions, StepInfo, TrainFiles, TrainOptions, TrainReporter, TrainResult, TrainStartInfo,
} from './train/types.js';
export { LR_SCHEDULES, type LrSchedule } from './train/schedule.js';
export { DEFAULTS as TRAIN_DEFAULTS } from './train/options.js';

// Inference with a finished model.
export { type ClassAccuracy, type EvaluateOptions, type EvaluateResult, evaluate } from './infer/evaluate.js';
export { type PredictOptions, type Prediction, predict, predictWithInfo } from './infer/predict.js';

// Data sets.
export { DATASET_NAMES, type Dataset, type DatasetName, type LoadDatasetOptions, type Split, loadDataset } from './data/dataset.js';
export { type DatasetStatus, type InspectOptions, fetchDataset, inspectDatasets } from './data/inspect.js';
export { defaultCacheDir } from './data/remote.js';

// Execution providers.
export { EXECUTION_PROVIDERS, type ExecutionProvider, isExecutionProvider, parseExecutionProvider } from './runtime/execution-provider.js';
export { ExecutionProviderError, type ProviderFailure } from './runtime/session-errors.js';
export { type DoctorReport, type ProviderReport, formatDoctorReport, runDoctor } from './runtime/doctor.js';
export { CUDA_REQUIREMENTS, type SetupCudaOptions, type SetupCudaResult, setupCuda } from './runtime/setup-cuda.js';

// The web page's server.
export { type RunningServer, type ServeOptions, startServer } from './serve/index.js';
