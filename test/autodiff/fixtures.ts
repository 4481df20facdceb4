/**
 * The PyTorch fixtures of make-trainable (test/autodiff/fixtures/, made once by
 * tools/reference/trainable_fixtures.py): a forward model exported by torch.onnx.export and PyTorch's
 * numbers for one step on a fixed batch (and, for the BN CNN, the running statistics after it). No
 * Python at test time.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { type TrainableModels, makeTrainable } from '../../src/autodiff/trainable.js';
import { ADAM, BIAS_CORRECTION2_SQRT, LABEL, STEP_SIZE, adamM, adamScalars, adamV } from '../../src/graph/contract.js';
import { decodeModel } from '../../src/graph/proto.js';

export const FIXTURE_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
export const FIXTURES = ['lenet', 'mlp', 'residual', 'bncnn'] as const;
export type FixtureName = (typeof FIXTURES)[number];

/** A tensor as stored: float32 exactly, or int16 of max|x|/32767, −32768 for an exact 0 (see the script's docstring). */
type Encoded = { readonly f32: string } | { readonly i16: string; readonly scale: number; readonly keep?: readonly number[] };

interface ExpectedJson {
  readonly torch: string; readonly onnx: string; readonly input: string; readonly inputShape: readonly number[]; readonly lr: number;
  readonly pixels: string; readonly labels: readonly number[]; readonly loss: number; readonly correct: number;
  readonly tensors: Readonly<Record<string, { readonly shape: readonly number[]; readonly grad: Encoded; readonly update: Encoded }>>;
  /** BatchNormalization's running statistics after the step (the BN CNN only) */
  readonly buffers?: Readonly<Record<string, { readonly shape: readonly number[]; readonly after: Encoded }>>;
}

/** PyTorch's value of a tensor and the most the stored value can be off from it (half a quantum). */
export interface Reference {
  readonly values: Float64Array;
  readonly encodingError: number;
  /** 1 where PyTorch's value is exactly 0 (stored as 0 in float32, or a column left out by "keep") */
  readonly exactZero: Uint8Array;
}

export interface Fixture {
  readonly name: FixtureName;
  readonly bytes: Uint8Array;
  readonly expected: ExpectedJson;
  readonly images: Float32Array;
  readonly labels: Int32Array;
  readonly grad: (param: string) => Reference;
  readonly update: (param: string) => Reference;
  /** a running statistic after the step */
  readonly after: (buffer: string) => Reference;
}

const bytesOf = (b64: string): Uint8Array => new Uint8Array(Buffer.from(b64, 'base64'));

function decode(e: Encoded, shape: readonly number[]): Reference {
  const size = shape.reduce((a, b) => a * b, 1);
  if ('f32' in e) {
    const values = Float64Array.from(new Float32Array(bytesOf(e.f32).slice().buffer));
    return { values, encodingError: 0, exactZero: Uint8Array.from(values, (x) => (x === 0 ? 1 : 0)) };
  }
  const q = new Int16Array(bytesOf(e.i16).slice().buffer);
  const values = new Float64Array(size);
  const last = shape[shape.length - 1];
  const keep = e.keep ?? Array.from({ length: last }, (_, i) => i);
  const rows = size / last;
  const exactZero = new Uint8Array(size).fill(1);
  for (let r = 0, k = 0; r < rows; r++) for (const c of keep) {
    const v = q[k++];
    values[r * last + c] = v === -32768 ? 0 : v * e.scale; // -32768: exactly 0 in PyTorch
    exactZero[r * last + c] = v === -32768 ? 1 : 0;
  }
  return { values, encodingError: e.scale / 2, exactZero };
}

export function loadFixture(name: FixtureName): Fixture {
  const expected = JSON.parse(readFileSync(path.join(FIXTURE_DIR, `${name}.expected.json`), 'utf8')) as ExpectedJson;
  const bytes = new Uint8Array(readFileSync(path.join(FIXTURE_DIR, expected.onnx)));
  const images = Float32Array.from(bytesOf(expected.pixels), (p) => p / 255);
  const tensor = (p: string) => {
    const t = expected.tensors[p];
    if (!t) throw new Error(`${name}: the fixture has no tensor '${p}'`);
    return t;
  };
  return {
    name, bytes, expected, images, labels: Int32Array.from(expected.labels),
    grad: (p) => decode(tensor(p).grad, tensor(p).shape),
    update: (p) => decode(tensor(p).update, tensor(p).shape),
    after: (b) => {
      const t = expected.buffers?.[b];
      if (!t) throw new Error(`${name}: the fixture has no running statistic '${b}'`);
      return decode(t.after, t.shape);
    },
  };
}

export function trainableOf(f: Fixture, target: 'portable' | 'cpu' = 'portable'): TrainableModels {
  return makeTrainable(decodeModel(f.bytes, f.expected.onnx), { target }, f.expected.onnx);
}

/** Feeds of a first Adam step (moments at zero) from the model's initial weights on the fixture's batch. */
export function firstStepFeeds(f: Fixture, models: TrainableModels): Record<string, ort.Tensor> {
  const s = adamScalars(1, f.expected.lr ?? ADAM.lr);
  const feeds: Record<string, ort.Tensor> = {
    [STEP_SIZE]: new ort.Tensor('float32', Float32Array.of(s.stepSize), []),
    [BIAS_CORRECTION2_SQRT]: new ort.Tensor('float32', Float32Array.of(s.biasCorrection2Sqrt), []),
    [models.dataInput]: new ort.Tensor('float32', f.images.slice(), [...f.expected.inputShape]),
    [LABEL]: new ort.Tensor('int32', f.labels.slice(), [f.labels.length]),
  };
  for (const p of models.parameters) {
    feeds[p.name] = new ort.Tensor('float32', p.data.slice(), [...p.shape]);
    feeds[adamM(p.name)] = new ort.Tensor('float32', new Float32Array(p.data.length), [...p.shape]);
    feeds[adamV(p.name)] = new ort.Tensor('float32', new Float32Array(p.data.length), [...p.shape]);
  }
  for (const b of models.buffers) feeds[b.name] = new ort.Tensor('float32', b.data.slice(), [...b.shape]);
  return feeds;
}

/** The data and dims of feeds, to make tensors of another binding (onnxruntime-web). */
export function plainFeeds(feeds: Record<string, ort.Tensor>): Record<string, { type: 'float32' | 'int32'; data: Float32Array | Int32Array; dims: number[] }> {
  return Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, { type: t.type as 'float32' | 'int32', data: t.data as Float32Array | Int32Array, dims: [...t.dims] }]));
}

/**
 * Worst error of one run's outputs against the reference's: max|Δ|/max|ref| per tensor; for a
 * parameter after Adam's first step only where its update is well conditioned (|g| = 0 or ≥ 1e-6, g
 * from the reference's next.adam.m), the rest counted.
 */
export function outputErrors(got: Record<string, ArrayLike<number>>, want: Record<string, ArrayLike<number>>): { worst: number; tensor: string; ill: number } {
  let worst = 0;
  let tensor = '';
  let ill = 0;
  for (const [name, w] of Object.entries(want)) {
    const g = got[name];
    if (!g || g.length !== w.length) throw new RangeError(`output '${name}': ${g?.length} values vs ${w.length}`);
    const m = name.startsWith('next.') ? want[`next.adam.m.${name.slice(5)}`] : undefined;
    let abs = 0;
    let scale = 0;
    for (let i = 0; i < w.length; i++) {
      scale = Math.max(scale, Math.abs(w[i]));
      const grad = m ? Math.abs(m[i] / (1 - ADAM.beta1)) : 0;
      if (m && grad !== 0 && grad < 1e-6) { ill++; continue; }
      abs = Math.max(abs, Math.abs(g[i] - w[i]));
    }
    const rel = scale > 0 ? abs / scale : abs;
    if (rel > worst) [worst, tensor] = [rel, name];
  }
  return { worst, tensor, ill };
}
