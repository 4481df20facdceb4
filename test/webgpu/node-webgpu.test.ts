/**
 * Every emitted graph on onnxruntime-node's WebGPU provider against the CPU provider: the `webgpu`
 * variant on `webgpu` (as the trainer builds it) vs the generic graph on `cpu`, for batch sizes 1, 3, 6,
 * 64 and the short last batch. Inference logits within 1e-4; the first train step's outputs (every
 * parameter, Adam m and v, the loss) within 1e-4 relative (max|Δ| / max|cpu| per tensor; for parameters,
 * over the elements whose first Adam update is well conditioned, see firstStepParamError); 20 steps of
 * losses within 1e-3 relative. The train steps go through the session runner (src/train/step), so the state stays in GPU buffers
 * between steps as in training. Without a GPU this needs Mesa's lavapipe (docs/webgpu.md); the file is
 * skipped only when no WebGPU adapter is found.
 */
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { CORRECT, IMAGE, LABEL, LOGITS, LOSS_SUM, PROBABILITIES, adamM, adamScalars, adamV } from '../../src/graph/contract.js';
import { buildEvalModel, buildInferenceModel } from '../../src/graph/models.js';
import { PARAMS, initParameters } from '../../src/graph/params.js';
import { type IModelProto, encodeModel } from '../../src/graph/proto.js';
import type { ExecutionProvider } from '../../src/runtime/execution-provider.js';
import { createSession } from '../../src/runtime/providers.js';
import { createSessionRunner } from '../../src/train/step/session-runner.js';
import { type StateSource, stateValues } from '../../src/train/step/state.js';
import { batchAt, comparisonBatchSizes, firstStepParamError, fmt, relativeError, trainSplit, webgpuSkip, worst } from './helpers.js';

const unavailable = await webgpuSkip();

const split = await trainSplit();
const SIZES = comparisonBatchSizes(split);
const STEPS = 20;
/** |Δ| allowed on the first Adam update of elements with 0 < |g| < 1e-6 (see firstStepParamError). */
const ILL_CONDITIONED_TOLERANCE = 2e-5;
const params = initParameters(0);
const initial: StateSource = { params };

type Outputs = Record<string, Float32Array>;

async function runAll(session: ort.InferenceSession, feeds: Record<string, ort.Tensor>): Promise<Outputs> {
  const out = await session.run(feeds);
  const result: Outputs = {};
  for (const [name, t] of Object.entries(out)) result[name] = Float32Array.from((await t.getData()) as Float32Array);
  return result;
}

function batchFeeds(start: number, size: number): Record<string, ort.Tensor> {
  const b = batchAt(split, start, size);
  return { [IMAGE]: new ort.Tensor('float32', b.images, [size, 1, 28, 28]), [LABEL]: new ort.Tensor('int32', b.labels, [size]) };
}

function paramFeeds(): Record<string, ort.Tensor> {
  return Object.fromEntries(PARAMS.map((p) => [p.name, new ort.Tensor('float32', params[p.name], [...p.shape])]));
}

/** One session per provider: the webgpu variant on webgpu, the generic graph on cpu. */
async function pair(build: (target: 'generic' | 'webgpu') => IModelProto): Promise<Record<ExecutionProvider, ort.InferenceSession>> {
  return {
    cpu: await createSession(encodeModel(build('generic')), 'cpu', { threads: 1 }),
    webgpu: await createSession(encodeModel(build('webgpu')), 'webgpu'),
  } as Record<ExecutionProvider, ort.InferenceSession>;
}

describe.skipIf(unavailable !== null)('onnxruntime-node: webgpu vs cpu', () => {
  const sessions: ort.InferenceSession[] = [];
  let inference: Record<ExecutionProvider, ort.InferenceSession>;
  let evaluation: Record<ExecutionProvider, ort.InferenceSession>;

  beforeAll(async () => {
    inference = await pair((target) => buildInferenceModel(params, { target }));
    evaluation = await pair((target) => buildEvalModel({ target }));
    sessions.push(inference.cpu, inference.webgpu, evaluation.cpu, evaluation.webgpu);
  });

  afterAll(async () => {
    for (const s of sessions) await s.release();
  });

  test.each(SIZES)('inference, batch %i: logits within 1e-4', async (n) => {
    const feeds = { [IMAGE]: batchFeeds(0, n)[IMAGE] };
    const [cpu, gpu] = [await runAll(inference.cpu, feeds), await runAll(inference.webgpu, feeds)];
    const logits = relativeError(gpu[LOGITS], cpu[LOGITS]);
    const probs = relativeError(gpu[PROBABILITIES], cpu[PROBABILITIES]);
    console.log(`inference N=${n}: max|Δ logits| ${fmt(logits.abs)}, max|Δ p| ${fmt(probs.abs)}`);
    expect(logits.abs).toBeLessThan(1e-4);
    expect(probs.abs).toBeLessThan(1e-4);
  });

  test.each(SIZES)('eval, batch %i: loss sum within 1e-4 relative, same correct count', async (n) => {
    const feeds = { ...paramFeeds(), ...batchFeeds(100, n) };
    const [cpu, gpu] = [await runAll(evaluation.cpu, feeds), await runAll(evaluation.webgpu, feeds)];
    const loss = relativeError(gpu[LOSS_SUM], cpu[LOSS_SUM]);
    console.log(`eval N=${n}: loss_sum ${cpu[LOSS_SUM][0].toFixed(5)} rel. error ${fmt(loss.rel)}`);
    expect(loss.rel).toBeLessThan(1e-4);
    expect(gpu[CORRECT][0]).toBe(cpu[CORRECT][0]);
  });

  test.each(SIZES)(`train step, batch %i: first step within 1e-4 relative, ${STEPS} losses within 1e-3`, async (n) => {
    const cpu = await createSessionRunner('cpu', initial, { threads: 1 });
    const gpu = await createSessionRunner('webgpu', initial);
    try {
      const losses: { cpu: number; gpu: number }[] = [];
      let gpuMs = 0;
      for (let step = 1; step <= STEPS; step++) {
        const batch = batchAt(split, 1000 + (step - 1) * n, n);
        const s = adamScalars(step, 1e-3);
        const c = await cpu.step(batch, s.stepSize, s.biasCorrection2Sqrt);
        const t0 = performance.now();
        const g = await gpu.step(batch, s.stepSize, s.biasCorrection2Sqrt);
        gpuMs += performance.now() - t0;
        losses.push({ cpu: c.loss, gpu: g.loss });
        if (step === 1) {
          expect(Math.abs(g.loss - c.loss) / Math.abs(c.loss)).toBeLessThan(1e-4);
          expect(g.correct).toBe(c.correct);
          const [sc, sg] = [stateValues(await cpu.readState()), stateValues(await gpu.readState())];
          const errors: Record<string, number> = {};
          let ill = 0;
          for (const p of PARAMS) {
            const pe = firstStepParamError(sg[p.name], sc[p.name], sc[adamM(p.name)]);
            [errors[p.name], ill] = [pe.rel, ill + pe.ill];
            // 2·lr (2e-3) always held. Observed on lavapipe: at most 5.0e-7 (fc1.weight, N=3); 2e-5 is 40×.
            expect(pe.illAbs, `${p.name}, elements with 0 < |g| < 1e-6`).toBeLessThanOrEqual(ILL_CONDITIONED_TOLERANCE);
            errors[adamM(p.name)] = relativeError(sg[adamM(p.name)], sc[adamM(p.name)]).rel;
            errors[adamV(p.name)] = relativeError(sg[adamV(p.name)], sc[adamV(p.name)]).rel;
          }
          const w = worst(errors);
          console.log(`train N=${n} step 1: loss ${c.loss.toFixed(5)} vs ${g.loss.toFixed(5)}; worst state tensor ${w.name} ${fmt(w.error)} (${ill} elements with 0 < |g| < 1e-6)`);
          for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThan(1e-4);
        }
      }
      const lossErr = Math.max(...losses.map((l) => Math.abs(l.gpu - l.cpu) / Math.max(1, Math.abs(l.cpu))));
      console.log(`train N=${n}: ${STEPS} losses max rel. error ${fmt(lossErr)}; webgpu ${(gpuMs / STEPS).toFixed(0)} ms/step`);
      expect(lossErr).toBeLessThan(1e-3);
    } finally {
      await cpu.release();
      await gpu.release();
    }
  });

  test('the generic inference graph on webgpu is still wrong (the reason for the webgpu variant)', async () => {
    const generic = await createSession(encodeModel(buildInferenceModel(params)), 'webgpu');
    try {
      const feeds = { [IMAGE]: batchFeeds(0, 6)[IMAGE] };
      const [cpu, gpu] = [await runAll(inference.cpu, feeds), await runAll(generic, feeds)];
      const e = relativeError(gpu[LOGITS], cpu[LOGITS]);
      console.log(`generic graph on webgpu, N=6: max|Δ logits| ${fmt(e.abs)} — ${e.abs > 1e-4 ? 'bug still present' : 'right: the rewrite may no longer be needed (run tools/webgpu-conv-repro)'}`);
      // Asserted, not just logged: the webgpu graph variant exists because of this (docs/webgpu.md; 2.9e-2
      // with onnxruntime 1.30). When this fails, onnxruntime has fixed the bug: drop the rewrite.
      expect(e.abs, 'the generic graph on webgpu is still wrong (if not, the Conv rewrite is no longer needed)').toBeGreaterThan(1e-3);
    } finally {
      await generic.release();
    }
  });
});
