/**
 * Shape of the operator kernel tables (one per execution provider) and the one thing they need from the
 * ONNX schemas: which node inputs/outputs each type constraint (`T`, `T1`, `Tind`, …) binds.
 *
 * Ranges are opset versions of the default ONNX domain, inclusive. ONNX Runtime registers kernels for
 * ranges that end one before the op's next schema version, so testing a model's opset against a range
 * gives the same answer as testing the node's since-version. Where ONNX Runtime renamed a constraint
 * between versions (Resize `T`→`T1`, Identity `T`→`V`), the tables use one name per op, as below.
 */
import type { TensorType } from '../../src/runtime/onnx.js';

export interface KernelRange {
  /** First opset covered. */
  readonly since: number;
  /** Last opset covered; null = open-ended ("13+"). */
  readonly until: number | null;
  /** Types each constraint accepts; a constraint not listed is not checked. */
  readonly types: Readonly<Record<string, readonly TensorType[]>>;
}

export interface KernelTable {
  readonly ep: 'cuda' | 'webgpu';
  /** Where the data came from, and how it was checked. */
  readonly source: string;
  /** The ONNX Runtime version the data describes. */
  readonly ortVersion: string;
  readonly ops: Readonly<Record<string, readonly KernelRange[]>>;
}

/** `i0` = first input, `o1` = second output, `i*` = every input (variadic ops). */
export type ArgRef = `i${number}` | `o${number}` | 'i*';

const UNARY = { T: ['i0', 'o0'] } as const;
const BINARY = { T: ['i0', 'i1', 'o0'] } as const;

/** Type-constraint bindings of the ops in the tables (ONNX operator schemas). */
export const SIGNATURES: Readonly<Record<string, Readonly<Record<string, readonly ArgRef[]>>>> = {
  Abs: UNARY, Neg: UNARY, Sign: UNARY, Exp: UNARY, Log: UNARY, Sqrt: UNARY, Relu: UNARY, Identity: UNARY,
  Softmax: UNARY, Transpose: UNARY, Flatten: UNARY, DepthToSpace: UNARY, AveragePool: UNARY,
  ReduceSum: UNARY, ReduceMax: UNARY, ReduceMean: UNARY, Squeeze: UNARY, Unsqueeze: UNARY, Expand: UNARY,
  Add: BINARY, Sub: BINARY, Mul: BINARY, Div: BINARY, MatMul: BINARY,
  Max: { T: ['i*', 'o0'] }, Min: { T: ['i*', 'o0'] }, Concat: { T: ['i*', 'o0'] },
  Conv: { T: ['i0', 'i1', 'i2', 'o0'] }, ConvTranspose: { T: ['i0', 'i1', 'i2', 'o0'] }, Gemm: { T: ['i0', 'i1', 'i2', 'o0'] },
  Clip: { T: ['i0', 'i1', 'i2', 'o0'] },
  MaxPool: { T: ['i0', 'o0'], I: ['o1'] },
  Resize: { T1: ['i0', 'o0'] },
  Pow: { T: ['i0', 'o0'], T1: ['i1'] },
  Greater: { T: ['i0', 'i1'], T1: ['o0'] }, Equal: { T: ['i0', 'i1'], T1: ['o0'] },
  Where: { B: ['i0'], T: ['i1', 'i2', 'o0'] },
  ArgMax: { T: ['i0'] },
  Reshape: { T: ['i0', 'o0'], shape: ['i1'] },
  Cast: { T1: ['i0'], T2: ['o0'] },
  Slice: { T: ['i0', 'o0'], Tind: ['i1', 'i2', 'i3', 'i4'] },
  Pad: { T: ['i0', 'i2', 'o0'] },
  Tile: { T: ['i0', 'o0'], T1: ['i1'] },
  Shape: { T: ['i0'], T1: ['o0'] },
};

/**
 * The ops each table covers: the portable allow-list (docs/design.md, src/graph/allowlist.ts) plus a few
 * that are handy in rewrites.
 */
export const TABLE_OPS: readonly string[] = Object.keys(SIGNATURES);

/** The range of `ranges` that covers `opset`, if any. */
export function rangeFor(ranges: readonly KernelRange[], opset: number): KernelRange | undefined {
  return ranges.find((r) => r.since <= opset && (r.until === null || opset <= r.until));
}
