/**
 * The one parameter table. Every graph (inference, train step, eval), the initialiser, checkpoints and
 * the float64 test reference read LeNet-5's parameters from here, in PyTorch's order and layout.
 */
import { Mt19937 } from '../util/rng.js';

export type ParamName =
  | 'conv1.weight' | 'conv1.bias'
  | 'conv2.weight' | 'conv2.bias'
  | 'fc1.weight' | 'fc1.bias'
  | 'fc2.weight' | 'fc2.bias'
  | 'fc3.weight' | 'fc3.bias';

export interface ParamSpec {
  readonly name: ParamName;
  readonly shape: readonly number[];
  /** Fan-in of the layer the parameter belongs to (in_channels·kh·kw, or in_features). */
  readonly fanIn: number;
  readonly kind: 'weight' | 'bias';
}

/** LeNet-5 as in the seed: conv(1→6, 5, pad 2) · conv(6→16, 5) · fc 400→120→84→10. */
export const PARAMS: readonly ParamSpec[] = [
  { name: 'conv1.weight', shape: [6, 1, 5, 5], fanIn: 25, kind: 'weight' },
  { name: 'conv1.bias', shape: [6], fanIn: 25, kind: 'bias' },
  { name: 'conv2.weight', shape: [16, 6, 5, 5], fanIn: 150, kind: 'weight' },
  { name: 'conv2.bias', shape: [16], fanIn: 150, kind: 'bias' },
  { name: 'fc1.weight', shape: [120, 400], fanIn: 400, kind: 'weight' },
  { name: 'fc1.bias', shape: [120], fanIn: 400, kind: 'bias' },
  { name: 'fc2.weight', shape: [84, 120], fanIn: 120, kind: 'weight' },
  { name: 'fc2.bias', shape: [84], fanIn: 120, kind: 'bias' },
  { name: 'fc3.weight', shape: [10, 84], fanIn: 84, kind: 'weight' },
  { name: 'fc3.bias', shape: [10], fanIn: 84, kind: 'bias' },
];

export const PARAM_NAMES: readonly ParamName[] = PARAMS.map((p) => p.name);

export type Params = Record<ParamName, Float32Array>;

export function paramSize(spec: ParamSpec): number {
  return spec.shape.reduce((a, b) => a * b, 1);
}

/** 61,706 for LeNet-5. */
export const PARAM_COUNT = PARAMS.reduce((n, p) => n + paramSize(p), 0);

/**
 * The bound of PyTorch's default initialisation, computed in float64 the way torch.nn.init does:
 * weights use kaiming_uniform_(a=√5), i.e. √3 · gain/√fan_in with gain = √(2/(1+a²)); biases 1/√fan_in.
 * Both equal 1/√fan_in up to the last bit, which is why they are spelled out.
 */
export function initBound(spec: ParamSpec): number {
  if (spec.kind === 'bias') return 1 / Math.sqrt(spec.fanIn);
  const a = Math.sqrt(5);
  const gain = Math.sqrt(2.0 / (1 + a ** 2));
  const std = gain / Math.sqrt(spec.fanIn);
  return Math.sqrt(3.0) * std;
}

/**
 * PyTorch's default initialisation from an MT19937 stream seeded with `seed` (or from `rng`, which then
 * goes on to drive shuffling); draws in module order, so the result equals
 * `torch.manual_seed(seed); LeNet()` from the seed project.
 */
export function initParameters(seed: number | Mt19937): Params {
  const rng = typeof seed === 'number' ? new Mt19937(seed) : seed;
  const params = {} as Params;
  for (const spec of PARAMS) {
    const bound = initBound(spec);
    const data = new Float32Array(paramSize(spec));
    for (let i = 0; i < data.length; i++) data[i] = rng.uniformFloat32(-bound, bound);
    params[spec.name] = data;
  }
  return params;
}

/** LeNet's parameters picked from named values (e.g. a train step's state), checked for presence and size. */
export function asParams(values: Readonly<Record<string, Float32Array>>): Params {
  const params = {} as Params;
  for (const spec of PARAMS) {
    const data = values[spec.name];
    if (!data) throw new RangeError(`LeNet parameter '${spec.name}' is missing`);
    if (data.length !== paramSize(spec)) throw new RangeError(`LeNet parameter '${spec.name}' has ${data.length} values, expected ${paramSize(spec)}`);
    params[spec.name] = data;
  }
  return params;
}
