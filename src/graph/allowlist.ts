/**
 * Operators every emitted graph may use: default-domain ONNX ops that ONNX Runtime implements on CPU,
 * CUDA and WebGPU (see docs/design.md). Anything else — LogSoftmax, OneHot, SoftmaxCrossEntropyLoss,
 * MaxUnpool, Loop, Sum, ScatterElements, MaxPool's Indices output — is refused by `checkPortable`.
 */
import type { IModelProto } from './proto.js';

export const PORTABLE_OPS: ReadonlySet<string> = new Set([
  'Conv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'Resize', 'Relu', 'Where', 'Greater', 'Equal', 'Gemm',
  'MatMul', 'ReduceSum', 'ReduceMax', 'ReduceMean', 'Softmax', 'Exp', 'Log', 'Sqrt', 'Add', 'Sub', 'Mul', 'Div',
  'Pow', 'Neg', 'Expand', 'Reshape', 'Transpose', 'Cast', 'Concat', 'Slice', 'ArgMax', 'Pad', 'Identity',
]);

/** Problems that make a graph non-portable, one line each; empty when it is portable. */
export function checkPortable(model: IModelProto): string[] {
  const problems: string[] = [];
  for (const node of model.graph?.node ?? []) {
    const where = `node '${node.name}'`;
    if (node.domain) problems.push(`${where}: domain '${node.domain}' is not the default ONNX domain`);
    if (!PORTABLE_OPS.has(node.opType ?? '')) problems.push(`${where}: op ${node.opType} is not in the portable allow-list`);
    if (node.opType === 'MaxPool' && (node.output ?? []).length > 1) problems.push(`${where}: MaxPool's Indices output is not portable`);
  }
  return problems;
}
