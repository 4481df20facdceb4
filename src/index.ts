/**
 * onnx-lenet as a library: everything the CLI commands call, usable without the CLI. Options and results
 * are plain typed objects; errors are thrown with a one-line message (the CLI prints it and exits 1).
 *
 *   buildGraphs  → the three LeNet models (inference, train step, eval) in a folder
 *   train        → trains with any execution provider; writes the trained lenet.onnx, a checkpoint, metrics
 *   sweep        → many train runs over a grid or random draws, chosen on a validation split; sweep.json/.html
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

// Sweeps: many training runs compared on a validation split, with a report.
export { DEFAULT_VALIDATION, SWEEP_HTML, SWEEP_JSON, sweep, sweepFolder, sweepSpec } from './sweep/sweep.js';
export {
  DEFAULT_SPACE, type NumberSpec, type PlannedTrial, type SweepSpace, type TrialConfig,
  parseAugment, parseLrSchedules, parseNumberSpec, parseRecipes, parseSeeds, planTrials,
} from './sweep/space.js';
export { RECIPES, RECIPE_NAMES, type RecipeName, type RecipeOptions } from './train/recipes.js';
export type { ConfigSummary, SweepOptions, SweepOutcome, SweepRecord, SweepReporter, SweepResult, SweepSpec, TrialRecord, TrialStatus } from './sweep/types.js';
export { markdownTable, outcomeLines, trialLine } from './sweep/table.js';
export { sweepHtml } from './sweep/html.js';

// Inference with a finished model.
export { type ClassAccuracy, type EvaluateOptions, type EvaluateResult, evaluate } from './infer/evaluate.js';
export { type PredictOptions, type Prediction, predict, predictWithInfo } from './infer/predict.js';

// Data sets.
export { DATASET_NAMES, type Dataset, type DatasetName, type LoadDatasetOptions, type Split, loadDataset } from './data/dataset.js';
export { type CarvedSplits, type ValidationSplitOptions, carveValidation, validationIndices } from './data/split.js';
export { type DatasetStatus, type InspectOptions, fetchDataset, inspectDatasets } from './data/inspect.js';
export { defaultCacheDir } from './data/remote.js';

// Execution providers.
export { EXECUTION_PROVIDERS, type ExecutionProvider, isExecutionProvider, parseExecutionProvider } from './runtime/execution-provider.js';
export { ExecutionProviderError, type ProviderFailure } from './runtime/session-errors.js';
export { type DoctorReport, type ProviderReport, formatDoctorReport, runDoctor } from './runtime/doctor.js';
export { CUDA_REQUIREMENTS, type SetupCudaOptions, type SetupCudaResult, setupCuda } from './runtime/setup-cuda.js';

// The web page's server.
export { type RunningServer, type ServeOptions, startServer } from './serve/index.js';
