/**
 * ONNX Runtime's CUDA execution provider: kernels for the ops in SIGNATURES (types.ts).
 *
 * Source: docs/OperatorKernels.md ("Operators implemented by CUDAExecutionProvider", domain ai.onnx) of
 * microsoft/onnxruntime at commit 001d12d2623fd411ce0f83d05abb5e82304a3389, a main-branch snapshot that
 * already lists opset-25 kernels (Cast 25+ on CPU); the stored copy does not say which release it is, so it
 * is close to, not proven identical with, onnxruntime-node 1.30's CUDA provider (which cannot be loaded on
 * this project's machines). Transcribed by hand on 2026-11-26, keeping only the types of TensorType
 * (float8/float4/int4/string/sequence types dropped) and merging adjacent ranges with identical types.
 * Verify on a GPU machine: `node dist/tools/probe-kernels.js --ep cuda --check` (tools/gpu-check.sh does).
 */
import type { TensorType } from '../../src/runtime/onnx.js';
import type { KernelRange, KernelTable } from './types.js';

const ALL: readonly TensorType[] = ['bfloat16', 'bool', 'double', 'float', 'float16', 'int16', 'int32', 'int64', 'int8', 'uint16', 'uint32', 'uint64', 'uint8'];
const F3: readonly TensorType[] = ['double', 'float', 'float16'];
const BF3: readonly TensorType[] = ['bfloat16', ...F3];
const NUM12: readonly TensorType[] = ALL.filter((t) => t !== 'bool');
const NUM11: readonly TensorType[] = NUM12.filter((t) => t !== 'bfloat16');
const ARITH7: readonly TensorType[] = ['double', 'float', 'float16', 'int32', 'int64', 'uint32', 'uint64'];
const ARITH8: readonly TensorType[] = ['bfloat16', ...ARITH7];
const BOOL: readonly TensorType[] = ['bool'];
const I64: readonly TensorType[] = ['int64'];

const r = (since: number, until: number | null, types: Record<string, readonly TensorType[]>): KernelRange => ({ since, until, types });
const arith = [r(14, null, { T: NUM12 }), r(13, 13, { T: ARITH8 }), r(7, 12, { T: ARITH7 })];

export const CUDA_KERNELS: KernelTable = {
  ep: 'cuda',
  source: 'onnxruntime docs/OperatorKernels.md @ 001d12d2623fd411ce0f83d05abb5e82304a3389 (hand-transcribed; not yet checked on a GPU)',
  ortVersion: 'main-branch snapshot with opset-25 kernels (onnxruntime-node 1.30 assumed equal for these ops)',
  ops: {
    Abs: [r(13, null, { T: NUM12 }), r(6, 12, { T: NUM11 })],
    Add: arith, Sub: arith, Mul: arith, Div: arith,
    ArgMax: [r(1, null, { T: F3 })],
    AveragePool: [r(22, null, { T: BF3 }), r(7, 21, { T: F3 })],
    Cast: [r(13, null, { T1: ALL, T2: ALL }), r(6, 12, { T1: ALL.filter((t) => t !== 'bfloat16'), T2: ALL })],
    Clip: [r(12, null, { T: ['double', 'float', 'float16', 'int64', 'int8', 'uint64', 'uint8'] }), r(6, 11, { T: ['float'] })],
    Concat: [r(4, null, { T: ALL })],
    Conv: [r(22, null, { T: BF3 }), r(1, 21, { T: F3 })],
    ConvTranspose: [r(1, null, { T: F3 })],
    DepthToSpace: [r(1, null, { T: F3 })],
    Equal: [r(11, null, { T: ['bool', ...ARITH7], T1: BOOL }), r(7, 10, { T: ['bool', 'int32', 'int64'], T1: BOOL })],
    Exp: [r(13, null, { T: BF3 }), r(6, 12, { T: F3 })],
    Expand: [r(8, null, { T: ALL })],
    Flatten: [r(1, null, { T: ALL })],
    Gemm: [r(13, null, { T: BF3 }), r(7, 12, { T: F3 })],
    Greater: [r(9, null, { T: ARITH7, T1: BOOL }), r(7, 8, { T: F3, T1: BOOL })],
    Identity: [r(1, null, { T: ALL })],
    Log: [r(6, null, { T: F3 })],
    MatMul: [r(13, null, { T: BF3 }), r(1, 12, { T: F3 })],
    Max: [r(12, null, { T: ARITH8 }), r(6, 11, { T: BF3 })],
    Min: [r(12, null, { T: ARITH8 }), r(6, 11, { T: BF3 })],
    MaxPool: [r(12, null, { T: [...F3, 'int8', 'uint8'], I: I64 }), r(8, 11, { T: F3, I: I64 }), r(1, 7, { T: F3 })],
    Neg: [r(13, null, { T: ['bfloat16', 'double', 'float', 'float16', 'int16', 'int32', 'int64', 'int8'] }), r(6, 12, { T: ['double', 'float', 'float16', 'int16', 'int32', 'int64', 'int8'] })],
    Pad: [r(13, null, { T: ['bool', ...F3] }), r(2, 12, { T: F3 })],
    Pow: [
      r(15, null, { T: ['bfloat16', ...F3, 'int32', 'int64'], T1: ['bfloat16', ...F3, 'int32', 'int64'] }),
      r(13, 14, { T: ['bfloat16', ...F3, 'int32', 'int64'], T1: [...F3, 'int32', 'int64'] }),
      r(12, 12, { T: [...F3, 'int32', 'int64'], T1: [...F3, 'int32', 'int64'] }),
      r(7, 11, { T: F3 }),
    ],
    ReduceMax: [r(1, null, { T: [...F3, 'int32', 'int64'] })],
    ReduceMean: [r(1, null, { T: [...F3, 'int32'] })],
    ReduceSum: [r(13, null, { T: ['bfloat16', ...F3, 'int32', 'int64'] }), r(1, 12, { T: [...F3, 'int32', 'int64'] })],
    Relu: [r(13, null, { T: BF3 }), r(6, 12, { T: F3 })],
    Reshape: [r(5, null, { T: ALL, shape: I64 }), r(1, 4, { T: ALL })],
    Resize: [r(10, null, { T1: [...F3, 'int32', 'uint8'] })],
    Shape: [r(1, null, { T: ALL, T1: I64 })],
    Sign: [r(13, null, { T: NUM12 })],
    Slice: [r(10, null, { T: ALL, Tind: ['int32', 'int64'] }), r(1, 9, { T: ALL })],
    Softmax: [r(13, null, { T: BF3 }), r(1, 12, { T: F3 })],
    Sqrt: [r(13, null, { T: BF3 }), r(6, 12, { T: F3 })],
    Squeeze: [r(1, null, { T: ALL })],
    Tile: [r(13, null, { T: ['bfloat16', ...F3, 'int32', 'int64'], T1: I64 }), r(6, 12, { T: [...F3, 'int32', 'int64'], T1: I64 })],
    Transpose: [r(1, null, { T: ALL })],
    Unsqueeze: [r(1, null, { T: ALL })],
    Where: [r(16, null, { B: BOOL, T: ['bfloat16', ...F3, 'int32', 'int64', 'uint8'] }), r(9, 15, { B: BOOL, T: [...F3, 'int32', 'int64', 'uint8'] })],
  },
};
