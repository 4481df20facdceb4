/** The HTTP server behind `onnx-lenet serve`: page, models, onnxruntime-web and the bundled digits. */
export { startServer, type RunningServer, type ServeOptions } from './server.js';
export { encodeSample, type SampleSplit, type SampleSplits } from './sample-data.js';
