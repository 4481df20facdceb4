/**
 * Whether the server has a train-step model for the page (`serve` builds LeNet-5's when the model's
 * folder has none, src/serve/train-model.ts; it has none when the served model is not LeNet-5 or a
 * `--train-model` file is unusable). Without one the training panel is disabled from the start, with
 * the reason, instead of failing at the first click (issue 15, item 7).
 */
import { byId } from './view.js';

export const TRAIN_MODEL_URL = '/models/lenet.train.onnx';

/** Asks the server (HEAD) and disables the panel's button when there is no train-step model; true when training can run. */
export async function checkTrainingAvailable(): Promise<boolean> {
  const response = await fetch(TRAIN_MODEL_URL, { method: 'HEAD' }).catch(() => null);
  if (response?.ok) return true;
  byId('train', HTMLButtonElement).disabled = true;
  const status = byId('train-status', HTMLElement);
  status.dataset.state = 'unavailable';
  status.textContent = 'Training is off: this server has no train-step model for the served model (onnx-lenet serve printed why when it started).';
  return false;
}
