/**
 * One-node probe models for each op in SIGNATURES: `probeNode(op, opset, types)` builds a node whose type
 * constraints take `types` (others at their defaults). Shapes are small and consistent; integer operands
 * (shapes, pads, axes, starts) are initializers. Opsets before an op's first schema, or where the
 * schema's form differs from the one built here, give models ONNX Runtime rejects as invalid; the probe
 * reports those apart from "no kernel".
 */
import { type TensorType, elemTypeOf } from '../../src/runtime/onnx.js';
import type { TinyInput, TinyNode } from '../../src/runtime/tiny-model.js';

export type ProbeTypes = Readonly<Record<string, TensorType>>;

/** The constraint each op's probe varies, with the defaults of the others (float for T-like, int64 for indices). */
export const PROBE_DEFAULTS: Readonly<Record<string, ProbeTypes>> = {
  MaxPool: { T: 'float' }, Resize: { T1: 'float' }, Pow: { T: 'float', T1: 'float' },
  Greater: { T: 'float' }, Equal: { T: 'float' }, Where: { T: 'float' }, Cast: { T1: 'float', T2: 'float' },
  Slice: { T: 'float', Tind: 'int64' }, Shape: { T: 'float' }, Reshape: { T: 'float' }, Tile: { T: 'float' },
};

const M = [2, 3];
const X4 = [1, 4, 4, 4];
const x = (type: TensorType, dims: readonly number[] = M, name = 'x'): TinyInput => ({ name, type, dims });
const ints = (name: string, values: readonly number[], type: TensorType = 'int64'): TinyInput => ({ name, type, ints: values });

function unary(op: string, opset: number, t: TensorType, attrs?: TinyNode['attrs'], dims: readonly number[] = M): TinyNode {
  return { op, opset, inputs: [x(t, dims)], outputs: [{ name: 'y', type: t }], ...(attrs ? { attrs } : {}) };
}

function binary(op: string, opset: number, a: TensorType, b: TensorType, out: TensorType): TinyNode {
  return { op, opset, inputs: [x(a, M, 'a'), x(b, M, 'b')], outputs: [{ name: 'y', type: out }] };
}

/** Whether constraint `c` of `op` exists at `opset` (Pow's T1 since 12, Slice's Tind since 10). */
export function constraintApplies(op: string, c: string, opset: number): boolean {
  if (op === 'Pow' && c === 'T1') return opset >= 12;
  if (op === 'Slice' && c === 'Tind') return opset >= 10;
  return true;
}

/** The probe node for `op` at `opset`, with the given constraint types. */
export function probeNode(op: string, opset: number, types: ProbeTypes): TinyNode {
  const t = types.T ?? 'float';
  const y = [{ name: 'y', type: t }];
  switch (op) {
    case 'Abs': case 'Neg': case 'Exp': case 'Log': case 'Sqrt': case 'Relu': case 'Identity':
    case 'Softmax': case 'Flatten': case 'Sign':
      return unary(op, opset, t);
    case 'ReduceSum': case 'ReduceMax': case 'ReduceMean':
      return unary(op, opset, t, { keepdims: 1 });
    case 'Transpose': return unary(op, opset, t, { perm: [1, 0] });
    case 'DepthToSpace': return unary(op, opset, t, { blocksize: 2 }, X4);
    case 'AveragePool': return unary(op, opset, t, { kernel_shape: [2, 2] }, X4);
    case 'MaxPool': return unary(op, opset, t, { kernel_shape: [2, 2] }, X4);
    case 'ArgMax': return { op, opset, inputs: [x(t)], outputs: [{ name: 'y', type: 'int64' }], attrs: { axis: 1 } };
    case 'Add': case 'Sub': case 'Mul': case 'Div': case 'Max': case 'Min': return binary(op, opset, t, t, t);
    case 'MatMul': return { op, opset, inputs: [x(t, [2, 3], 'a'), x(t, [3, 4], 'b')], outputs: y };
    case 'Gemm': return { op, opset, inputs: [x(t, [2, 3], 'a'), x(t, [3, 4], 'b'), x(t, [4], 'c')], outputs: y };
    case 'Pow': return binary(op, opset, t, opset >= 12 ? (types.T1 ?? t) : t, t);
    case 'Greater': case 'Equal': return binary(op, opset, t, t, 'bool');
    case 'Where': return { op, opset, inputs: [x('bool', M, 'c'), x(t, M, 'a'), x(t, M, 'b')], outputs: y };
    case 'Concat': return { op, opset, inputs: [x(t, M, 'a'), x(t, M, 'b')], outputs: y, attrs: { axis: 0 } };
    case 'Cast': return { op, opset, inputs: [x(types.T1 ?? 'float')], outputs: [{ name: 'y', type: types.T2 ?? 'float' }], attrs: { to: elemTypeOf(types.T2 ?? 'float') } };
    case 'Conv': case 'ConvTranspose':
      return { op, opset, inputs: [x(t, X4), x(t, [4, 4, 3, 3], 'w'), x(t, [4], 'b')], outputs: y, attrs: { pads: [1, 1, 1, 1] } };
    case 'Resize': {
      const t1 = types.T1 ?? 'float';
      const scales: TinyInput = { name: 'scales', type: 'float', dims: [4] };
      const roi: TinyInput | '' = opset >= 13 ? '' : { name: 'roi', type: 'float', dims: [8] }; // required in 11–12
      const inputs = opset >= 11 ? [x(t1, X4), roi, scales] : [x(t1, X4), scales];
      return { op, opset, inputs, outputs: [{ name: 'y', type: t1 }] };
    }
    case 'Expand': return { op, opset, inputs: [x(t, [2, 1]), ints('shape', [2, 3])], outputs: y };
    case 'Reshape': return { op, opset, inputs: [x(t), ints('shape', [3, 2])], outputs: y };
    case 'Tile': return { op, opset, inputs: [x(t), ints('repeats', [1, 2])], outputs: y };
    case 'Shape': return { op, opset, inputs: [x(t)], outputs: [{ name: 'y', type: 'int64' }] };
    case 'Slice': {
      if (opset < 10) return unary(op, opset, t, { starts: [0], ends: [1], axes: [0] });
      const ti = types.Tind ?? 'int64';
      return { op, opset, inputs: [x(t), ints('starts', [0], ti), ints('ends', [1], ti), ints('axes', [0], ti)], outputs: y };
    }
    case 'Pad':
      if (opset < 11) return unary(op, opset, t, { pads: [0, 1, 0, 1] });
      return { op, opset, inputs: [x(t), ints('pads', [0, 1, 0, 1])], outputs: y };
    case 'Clip':
      if (opset < 11) return unary(op, opset, t); // min/max were float attributes then; both optional
      return { op, opset, inputs: [x(t), { name: 'lo', type: t, dims: [] }, { name: 'hi', type: t, dims: [] }], outputs: y };
    case 'Unsqueeze':
      if (opset < 13) return unary(op, opset, t, { axes: [0] });
      return { op, opset, inputs: [x(t), ints('axes', [0])], outputs: y };
    case 'Squeeze':
      if (opset < 13) return unary(op, opset, t, { axes: [0] }, [1, 3]);
      return { op, opset, inputs: [x(t, [1, 3]), ints('axes', [0])], outputs: y };
    default:
      throw new RangeError(`no probe for op '${op}'`);
  }
}
