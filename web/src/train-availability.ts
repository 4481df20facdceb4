/**
 * Whether the server has a train-step model for the page (`serve` builds LeNet-5's when the model's
 * folder has none, src/serve/train-model.ts; it has none when the served model is not LeNet-5 or a
 * `--train-model` file is unusable). Without one the training panel is disabled from the start, with
 * the reason, instead of failing at the first click (issue 15, item 7).
 */
export const TRAIN_MODEL_URL = '/models/lenet.train.onnx';

/** Asks the server (HEAD) for the train-step model: null when training can run, else why not (for the panel's status). */
export async function trainingUnavailable(): Promise<string | null> {
  const response = await fetch(TRAIN_MODEL_URL, { method: 'HEAD' }).catch(() => null);
  if (response?.ok) return null;
  return 'Training is off: this server has no train-step model for the served model (onnx-lenet serve printed why when it started).';
}
