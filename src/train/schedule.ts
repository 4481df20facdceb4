/** Learning-rate schedules (opt-in; the seed uses a constant rate). */
export const LR_SCHEDULES = ['constant', 'cosine', 'step'] as const;
export type LrSchedule = (typeof LR_SCHEDULES)[number];

/**
 * The learning rate for 1-based `step` of `totalSteps`, indexed as PyTorch's schedulers are when
 * `scheduler.step()` follows every optimizer step: step s uses the scheduler's epoch t = s − 1, with
 * T = totalSteps.
 * - constant: `lr` throughout (the seed's recipe);
 * - cosine: `CosineAnnealingLR(T_max=T, eta_min=0)`, lr·(1 + cos(π·t/T))/2: `lr` at the first step,
 *   lr·(1 + cos(π·(T−1)/T))/2 > 0 at the last; 0 would come only after the last step, so every step's
 *   rate is positive;
 * - step: `MultiStepLR(milestones=[T/2, 3T/4], gamma=0.1)`: `lr` while t < T/2, ×0.1 while t < 3T/4,
 *   then ×0.01.
 *
 * With `warmupSteps` W > 0 (`--warmup-epochs`), steps 1…W ramp linearly, lr·s/W, and step W + s then
 * takes the schedule's step s of T − W: the warm-up is added in front, the schedule keeps its shape.
 */
export function learningRate(schedule: LrSchedule, lr: number, step: number, totalSteps: number, warmupSteps = 0): number {
  if (warmupSteps > 0) {
    // Linear warm-up (PyTorch: LambdaLR with (t + 1)/W), then the schedule over the steps that are left.
    if (step <= warmupSteps) return (lr * step) / warmupSteps;
    return learningRate(schedule, lr, step - warmupSteps, totalSteps - warmupSteps);
  }
  const progress = (step - 1) / totalSteps; // t / T, in [0, 1) for 1 ≤ step ≤ totalSteps
  switch (schedule) {
    case 'constant':
      return lr;
    case 'cosine':
      return lr * 0.5 * (1 + Math.cos(Math.PI * progress));
    case 'step':
      return progress < 0.5 ? lr : progress < 0.75 ? lr * 0.1 : lr * 0.01;
  }
}
