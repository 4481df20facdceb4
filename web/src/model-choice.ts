/**
 * Which model the drawing pad runs: the one the server serves, or the one trained here (the last one the
 * user chose with "Use this model on the pad"). Two radio buttons, so switching back and forth is one
 * click or one arrow key; "trained here" is disabled until there is a trained model.
 */
import type { TrainedModel } from './training-panel.js';
import { byId } from './view.js';

export type ModelSource = 'served' | 'trained';

export class ModelChoice {
  private trainedModel: TrainedModel | null = null;
  private readonly served = byId('model-served', HTMLInputElement);
  private readonly trained = byId('model-trained', HTMLInputElement);

  /** `onChoose` puts the chosen model on the pad; when it fails, the choice goes back. */
  constructor(private readonly onChoose: (source: ModelSource, trained: TrainedModel | null) => Promise<void>) {
    this.trained.disabled = true;
    for (const radio of [this.served, this.trained]) radio.addEventListener('change', () => void this.choose(this.source));
  }

  get source(): ModelSource {
    return this.trained.checked ? 'trained' : 'served';
  }

  /** A newly trained model becomes the "trained here" choice, and the pad's model. */
  useTrained(model: TrainedModel): void {
    this.trainedModel = model;
    this.trained.disabled = false;
    byId('model-trained-label', HTMLElement).title = model.summary;
    this.trained.checked = true;
    void this.choose('trained');
  }

  private async choose(source: ModelSource): Promise<void> {
    const previous = source === 'trained' ? this.served : this.trained;
    try {
      await this.onChoose(source, source === 'trained' ? this.trainedModel : null);
    } catch {
      previous.checked = true;
    }
  }
}
