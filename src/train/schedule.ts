/** Learning-rate schedules (opt-in; the seed uses a constant rate). */
export const LR_SCHEDULES = ['constant', 'cosine', 'step'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/**
 * The learning rate for 1-based `step` of `totalSteps`.
 * - constant: `lr` throughout (the seed's recipe);
 * - cosine: from `lr` down to 0 along half a cosine;
 * - step: `lr`, then ×0.1 after half of the steps and ×0.01 after three quarters.
 */
export function learningRate(schedule: LrSchedule, lr: number, step: number, totalSteps: number): number {
  const progress = totalSteps > 1 ? Math.min(1, (step - 1) / (totalSteps - 1)) : 0;
  switch (schedule) {
    case 'constant':
      return lr;
    case 'cosine':
      return lr * 0.5 * (1 + Math.cos(Math.PI * progress));
    case 'step':
      return progress < 0.5 ? lr : progress < 0.75 ? lr * 0.1 : lr * 0.01;
  }
}
