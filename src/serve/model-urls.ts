/**
 * Where the page finds the model its Web Workers train with (the data-parallel step, src/train/step/parallel):
 * LeNet's gradient model, which the server builds on first request (server.ts) and the page's workers
 * load (web/src/worker-runner.ts); they update their slices of the parameters in JavaScript
 * (flat-adam.ts), so no Adam model travels. Pure code: the page loads this file too.
 */

export const GRADIENT_MODEL_URL = '/models/lenet.grad.onnx';
