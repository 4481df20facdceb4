/**
 * `sweep()` on a small slice of the bundled digits: a 2×2 grid with a diverging learning rate, the seed's
 * defaults trained beside it, files and choice checked; and a sweep stopped mid-trial (AbortSignal) then
 * run again, which must end with the same numbers as one never stopped (the CPU trainer is deterministic
 * for the same threads). Also `train({ validation })` itself.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sweep } from '../../src/sweep/sweep.js';
import type { SweepOptions, SweepRecord, TrialRecord } from '../../src/sweep/types.js';
import { train } from '../../src/train/trainer.js';
import type { EpochMetrics } from '../../src/train/types.js';
import { smallDataDir } from './fixture.js';

let dataDir: string;
const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-sweep-'));
  dirs.push(dir);
  return dir;
};
beforeAll(async () => {
  dataDir = await smallDataDir();
  dirs.push(dataDir);
});
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** lr 3e-3 and 1e8 (diverges at step 2; lr 50 stays finite here) × batch 32, 64; 2 epochs; not the defaults, so a baseline runs. */
const options = (outDir: string): SweepOptions => ({
  space: { lr: { values: [3e-3, 1e8] }, batchSize: { values: [32, 64] }, epochs: { values: [2] } },
  dataDir, threads: 2, outDir,
});

/** Everything but the wall-clock fields. */
const figures = (m: EpochMetrics): Omit<EpochMetrics, 'seconds' | 'imagesPerSecond'> => {
  const { seconds: _s, imagesPerSecond: _i, ...rest } = m;
  return rest;
};
const results = (r: SweepRecord): unknown => ({
  trials: r.trials.map((t: TrialRecord) => ({ id: t.id, status: t.status, error: t.error, epochs: t.epochs.map(figures) })),
  outcome: r.outcome,
});

describe('sweep', () => {
  let whole: SweepRecord;

  test('2×2 grid: a diverging trial is recorded as failed, the best on validation is chosen, the defaults are trained beside it', async () => {
    const outDir = tempDir();
    const started: string[] = [];
    const result = await sweep(options(outDir), { onTrialStart: (t) => started.push(t.id) });
    whole = result.record;
    expect(result.interrupted).toBe(false);
    expect(started).toEqual(['01', '02', '03', '04', 'baseline-s0']);
    const byId = Object.fromEntries(whole.trials.map((t) => [t.id, t]));
    expect(byId['02'].status).toBe('failed');
    expect(byId['02'].error).toMatch(/training diverged at step \d+/);
    expect(byId['04'].status).toBe('failed');
    for (const id of ['01', '03', 'baseline-s0']) {
      const t = byId[id];
      expect(t.status).toBe('done');
      expect(t.epochs).toHaveLength(2);
      expect(t.epochs[1].validationAccuracy).toBeGreaterThan(0.3);
      for (const f of ['lenet.onnx', 'lenet.ckpt', 'metrics.json']) expect(existsSync(path.join(outDir, t.dir, f)), `${t.dir}/${f}`).toBe(true);
    }
    expect(byId['baseline-s0'].config).toEqual({ lr: 1e-3, batchSize: 64, epochs: 2, recipe: 'seed' });
    // Chosen on validation accuracy among the search trials.
    const best = ['01', '03'].reduce((a, b) => (byId[b].epochs[1].validationAccuracy! > byId[a].epochs[1].validationAccuracy! ? b : a));
    expect(whole.outcome?.chosen.trialIds).toEqual([best]);
    expect(whole.outcome?.chosen.testAccuracy).toBe(byId[best].epochs[1].testAccuracy);
    expect(whole.outcome?.baseline.trialIds).toEqual(['baseline-s0']);
    expect(whole.dataset).toMatchObject({ train: 900, validation: 100 });
    // The files: sweep.json as returned, sweep.html self-contained.
    expect(JSON.parse(readFileSync(path.join(outDir, 'sweep.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(whole)));
    const html = readFileSync(path.join(outDir, 'sweep.html'), 'utf8');
    expect(html).not.toMatch(/\b(src|href)=/);
    expect(html).toMatch(new RegExp(`<tr class="chosen" data-trial="${best}">`));
    expect(html).toMatch(/<tr class="baseline" data-trial="baseline-s0">/);
    expect(html).toMatch(/failed: training diverged/);
    // Metrics of a trial say what it trained on.
    const metrics = JSON.parse(readFileSync(path.join(outDir, byId['01'].dir, 'metrics.json'), 'utf8')) as { dataset: { train: number; validation: number }; options: { validation: unknown } };
    expect(metrics.dataset).toMatchObject({ train: 900, validation: 100 });
    expect(metrics.options.validation).toEqual({ fraction: 0.1, seed: 0 });

    // Run again: everything is finished, nothing is trained.
    const again: string[] = [];
    const rerun = await sweep(options(outDir), { onTrialStart: (t) => again.push(t.id) });
    expect(again).toEqual([]);
    expect(results(rerun.record)).toEqual(results(whole));

    // Stopped after a trial's last write but before sweep.json said so: its metrics.json finishes it, untrained.
    const json = path.join(outDir, 'sweep.json');
    const saved = JSON.parse(readFileSync(json, 'utf8')) as SweepRecord;
    saved.trials[0].status = 'running';
    saved.trials[0].epochs = saved.trials[0].epochs.slice(0, 1);
    writeFileSync(json, JSON.stringify(saved));
    let steps = 0;
    const healed = await sweep(options(outDir), { onStep: () => steps++ });
    expect(steps).toBe(0);
    expect(results(healed.record)).toEqual(results(whole));
  });

  test('stopped in the middle of a trial, then run again: the same results as never stopped, bit for bit', async () => {
    const outDir = tempDir();
    const controller = new AbortController();
    const first = await sweep({ ...options(outDir), signal: controller.signal }, {
      onStep: (t, s) => {
        if (t.id === '03' && s.epoch === 1 && s.batch === 5) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    const saved = JSON.parse(readFileSync(path.join(outDir, 'sweep.json'), 'utf8')) as SweepRecord;
    expect(saved.status).toBe('interrupted');
    expect(saved.trials.map((t) => t.status)).toEqual(['done', 'failed', 'interrupted', 'pending']);
    expect(saved.outcome).toBeUndefined();
    expect(existsSync(path.join(outDir, saved.trials[2].dir, 'lenet.ckpt'))).toBe(true);

    const started: string[] = [];
    const second = await sweep(options(outDir), { onTrialStart: (t) => started.push(t.id) });
    expect(second.interrupted).toBe(false);
    expect(started).toEqual(['03', '04', 'baseline-s0']);
    expect(results(second.record)).toEqual(results(whole));
  });

  test('a folder holding another sweep is refused', async () => {
    const outDir = tempDir();
    await sweep({ ...options(outDir), space: { lr: { values: [1e8] }, batchSize: { values: [64] }, epochs: { values: [1] } } });
    await expect(sweep({ ...options(outDir), space: { lr: { values: [2e8] }, batchSize: { values: [64] }, epochs: { values: [1] } } }))
      .rejects.toThrow(/belongs to a different sweep/);
  });
});

describe('train({ validation })', () => {
  test('trains on the rest of the training split and reports validation figures every epoch', async () => {
    const outDir = tempDir();
    let info: { trainCount: number; validationCount?: number } | undefined;
    const result = await train({ dataDir, epochs: 1, batchSize: 128, threads: 2, outDir, validation: { fraction: 0.2, seed: 1 } }, { onStart: (i) => { info = i; } });
    // 20 % of each class, rounded per class: about 200 of the 1,000 images.
    expect(info!.trainCount + info!.validationCount!).toBe(1000);
    expect(Math.abs(info!.validationCount! - 200)).toBeLessThanOrEqual(5);
    expect(result.history[0].validationAccuracy).toBeGreaterThan(0);
    expect(result.history[0].validationLoss).toBeGreaterThan(0);
    await expect(train({ dataDir, epochs: 1, outDir: tempDir(), validation: { fraction: 1.5, seed: 0 } })).rejects.toThrow(/validation fraction must be in \(0, 1\)/);
  });
});
