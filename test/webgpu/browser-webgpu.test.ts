/**
 * onnxruntime-web's WebGPU backends in Debian's Chromium (headless, `--enable-unsafe-webgpu`: a
 * SwiftShader adapter) against onnxruntime-node's CPU provider, for batch sizes 1, 3, 6, 64 and the short
 * last batch: inference logits within 1e-4, eval loss within 1e-4 relative, the first train step's
 * outputs (every parameter, Adam m and v, the loss) within 1e-4 relative (parameters: where the first
 * Adam update is well conditioned, see firstStepParamError), and a few steps of the page's own
 * BrowserTrainer within 1e-3. Builds: `onnxruntime-web` (JSEP; what web/ uses) and
 * `onnxruntime-web/webgpu` (the native WebGPU provider, which has the Conv bug of docs/webgpu.md and so
 * gets the `webgpu` graph variant). Needs `npm run build` (the page's modules come from dist/).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import {
  BIAS_CORRECTION2_SQRT, CORRECT, IMAGE, LABEL, LOGITS, LOSS_SUM, STEP_SIZE, adamM, adamScalars, isOptimizerState, next,
} from '../../src/graph/contract.js';
import { buildEvalModel, buildInferenceModel, buildTrainStepModel } from '../../src/graph/models.js';
import { PARAMS, initParameters } from '../../src/graph/params.js';
import { type IModelProto, encodeModel } from '../../src/graph/proto.js';
import type { GraphTargetName as GraphTarget } from '../../src/graph/webgpu-conv.js';
import { type RunningServer, startServer } from '../../src/serve/index.js';
import { lenetStateSpecs } from '../../src/train/feeds.js';
import { initialState } from '../../src/train/step/state.js';
import { f32, i32, runOnce } from '../helpers/ort.js';
import { type Browser, chromiumSkip, launchChromium } from '../web/browser.js';
import { buildFixtureModels, trainInNode, type ModelFiles } from '../web/fixtures.js';
import { type FeedsJson, type OutputsJson, type WebBuild, adapterSkip, openPage, runInPage, toJson, trainInPage } from './browser-harness.js';
import { batchAt, comparisonBatchSizes, firstStepParamError, fmt, relativeError, trainSplit, worst } from './helpers.js';

const NO_CHROMIUM = chromiumSkip();

const split = await trainSplit();
const SIZES = comparisonBatchSizes(split);
const params = initParameters(0);
const KINDS = ['inference', 'eval', 'train'] as const;
type Kind = (typeof KINDS)[number];

const build = (kind: Kind, target: GraphTarget): IModelProto =>
  kind === 'inference' ? buildInferenceModel(params, { target }) : kind === 'eval' ? buildEvalModel({ target }) : buildTrainStepModel({ target });
const fileName = (kind: Kind, target: GraphTarget): string => `${kind}.${target}.onnx`;
const FILES = new Map<string, Uint8Array>(KINDS.flatMap((kind) => (['generic', 'webgpu'] as const).map((t) => [fileName(kind, t), encodeModel(build(kind, t))] as const)));

/** Feeds shared by every batch (parameters, Adam state of step 1) and the batch-dependent ones. */
function feedsFor(kind: Kind): { common: FeedsJson; batches: FeedsJson[] } {
  const common: Record<string, ReturnType<typeof f32>> = {};
  // The train step's state, read from the model: parameters (eval, train), Adam's m and v at zero (train).
  if (kind !== 'inference') {
    for (const t of initialState(lenetStateSpecs(), { params })) if (kind === 'train' || !isOptimizerState(t.name)) common[t.name] = f32(t.shape, t.data);
  }
  if (kind === 'train') {
    const s = adamScalars(1, 1e-3);
    [common[STEP_SIZE], common[BIAS_CORRECTION2_SQRT]] = [f32([], [s.stepSize]), f32([], [s.biasCorrection2Sqrt])];
  }
  const batches = SIZES.map((n) => {
    const b = batchAt(split, 2000, n);
    return toJson(kind === 'inference' ? { [IMAGE]: f32([n, 1, 28, 28], b.images) } : { [IMAGE]: f32([n, 1, 28, 28], b.images), [LABEL]: i32([n], b.labels) });
  });
  return { common: toJson(common), batches };
}

/** onnxruntime-node, CPU, generic graph: the reference for every batch. */
async function reference(kind: Kind): Promise<OutputsJson[]> {
  const { common, batches } = feedsFor(kind);
  const results: OutputsJson[] = [];
  for (const batch of batches) {
    const feeds = Object.fromEntries(Object.entries({ ...common, ...batch }).map(([k, t]) => [k, t.type === 'int32' ? i32(t.dims, t.data) : f32(t.dims, t.data)]));
    const out = await runOnce(build(kind, 'generic'), feeds);
    results.push(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, Array.from(v)])));
  }
  return results;
}

/**
 * |Δ| allowed on the first Adam update of elements whose gradient is 0 < |g| < 1e-6 (firstStepParamError):
 * there Adam moves by ~lr whatever the gradient's size, so 2·lr (2e-3) would always hold. Observed in
 * Chromium 156 on SwiftShader, both builds, batches 1–64: at most 7.2e-6; 1e-4 is 14× that.
 */
const ILL_CONDITIONED_TOLERANCE = 1e-4;

/** Worst error of one run against the reference, by the measure each model is held to. */
function errorOf(kind: Kind, got: OutputsJson, want: OutputsJson): { name: string; error: number } {
  if (kind === 'inference') return { name: LOGITS, error: relativeError(got[LOGITS], want[LOGITS]).abs };
  if (kind === 'eval') return { name: LOSS_SUM, error: relativeError(got[LOSS_SUM], want[LOSS_SUM]).rel + Math.abs(got[CORRECT][0] - want[CORRECT][0]) };
  const errors: Record<string, number> = {};
  for (const k of Object.keys(want)) errors[k] = relativeError(got[k], want[k]).rel;
  let illAbs = 0;
  for (const p of PARAMS) {
    const pe = firstStepParamError(got[next(p.name)], want[next(p.name)], want[next(adamM(p.name))]);
    illAbs = Math.max(illAbs, pe.illAbs);
    errors[next(p.name)] = pe.illAbs <= ILL_CONDITIONED_TOLERANCE ? pe.rel : Infinity;
  }
  console.log(`first Adam update of elements with 0 < |g| < 1e-6: max |Δ| ${fmt(illAbs)} (allowed ${fmt(ILL_CONDITIONED_TOLERANCE)})`);
  return worst(errors);
}

describe.skipIf(NO_CHROMIUM !== null)('onnxruntime-web WebGPU in Chromium vs onnxruntime-node CPU', () => {
  let models: ModelFiles;
  let server: RunningServer;
  let browser: Browser;
  const pages = new Map<WebBuild, Page>();
  const refs = new Map<Kind, OutputsJson[]>();
  let missing: string | null = 'not checked';

  beforeAll(async () => {
    if (!existsSync('dist/web/src/trainer.js')) throw new Error('dist/web/src/trainer.js is missing: run `npm run build` first');
    models = await buildFixtureModels(0);
    server = await startServer({ model: models.inference, port: 0, host: '127.0.0.1' });
    browser = await launchChromium(['--enable-unsafe-webgpu']);
    for (const b of ['jsep', 'native'] as const) pages.set(b, await openPage(browser, server.url, b, FILES));
    missing = await adapterSkip(pages.get('jsep')!);
    for (const kind of KINDS) refs.set(kind, await reference(kind));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (models) await rm(models.dir, { recursive: true, force: true });
  });

  // JSEP is right with the generic graphs the page serves; the native provider needs the webgpu variant.
  const COMBOS: [WebBuild, GraphTarget][] = [['jsep', 'generic'], ['native', 'webgpu']];

  // The two builds run in two pages at once: SwiftShader is CPU-bound, and this uses both cores.
  test.concurrent.for(COMBOS)('%s build, %s graphs: inference, eval and the first train step match', { timeout: 300_000 }, async ([b, target], ctx) => {
    if (missing) ctx.skip(missing);
    const { expect } = ctx;
    for (const kind of KINDS) {
      const { common, batches } = feedsFor(kind);
      const t0 = performance.now();
      const got = await runInPage(pages.get(b)!, fileName(kind, target), common, batches);
      console.log(`${b}/${target} ${kind}: ${((performance.now() - t0) / 1000).toFixed(1)} s for ${SIZES.length} batch sizes`);
      SIZES.forEach((n, i) => {
        const e = errorOf(kind, got[i], refs.get(kind)![i]);
        console.log(`${b}/${target} ${kind} N=${n}: worst ${e.name} ${fmt(e.error)}`);
        expect(e.error, `${kind} N=${n} ${e.name}`).toBeLessThan(1e-4);
      });
    }
  });

  const TRAINING: [WebBuild, GraphTarget, number, number][] = [['jsep', 'generic', 64, 3], ['native', 'webgpu', 6, 3]];

  test.for(TRAINING)(
    '%s build, %s graph: the page\'s BrowserTrainer, batch %i, %i steps within 1e-3 of Node', { timeout: 300_000 }, async ([b, target, batch, steps], ctx) => {
      if (missing) ctx.skip(missing);
      const page = await trainInPage(pages.get(b)!, fileName('train', target), steps, batch, 0);
      const node = await trainInNode(models.train, steps, batch, 0);
      const err = Math.max(...page.losses.map((l, i) => Math.abs(l - node.losses[i]) / Math.max(1, Math.abs(node.losses[i]))));
      console.log(`${b}/${target} BrowserTrainer N=${batch}: losses ${page.losses[0].toFixed(4)} → ${page.losses[steps - 1].toFixed(4)}, max rel. error ${fmt(err)}, ${page.ms.toFixed(0)} ms/step`);
      expect(err).toBeLessThan(1e-3);
    });

  test('the native build still gets the generic graph wrong (the reason for the portable target)', async (ctx) => {
    if (missing) ctx.skip(missing);
    const { common, batches } = feedsFor('inference');
    const [got] = await runInPage(pages.get('native')!, fileName('inference', 'generic'), common, [batches[2]]);
    const e = errorOf('inference', got, refs.get('inference')![2]);
    console.log(`native/generic inference N=${SIZES[2]}: max|Δ logits| ${fmt(e.error)} — ${e.error > 1e-4 ? 'bug still present' : 'right: the rewrite may no longer be needed'}`);
    // Asserted, not just logged (4.2e-2 with onnxruntime-web 1.30 on SwiftShader): when this fails,
    // onnxruntime-web/webgpu has fixed the Conv bug and the rewrite can go (docs/webgpu.md).
    expect(e.error, 'the generic graph on onnxruntime-web/webgpu is still wrong').toBeGreaterThan(1e-3);
  }, 120_000);

  test('nothing left 127.0.0.1', () => {
    expect(browser.external).toEqual([]);
  });
});
