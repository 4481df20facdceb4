import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkCoverage } from '../../tools/kernels/coverage.js';
import { type IModelProto, onnx } from '../../src/runtime/onnx.js';
import { type TinyNode, tinyModel } from '../../src/runtime/tiny-model.js';

const ROOT = resolve(import.meta.dirname, '../..');
const GPU = ['cuda', 'webgpu'] as const;

/** A small LeNet-like train fragment in the project's style: float32 everywhere, int64 only for shapes. */
function fragment(): IModelProto {
  const f = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const shape = { name: 'shape', dataType: 7, dims: [2], rawData: new Uint8Array(BigInt64Array.from([2n, -1n]).buffer) };
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'fragment',
      input: [f('x', [2, 1, 8, 8]), f('w', [8, 1, 3, 3]), f('b', [8])],
      initializer: [shape],
      node: [
        { opType: 'Conv', input: ['x', 'w', 'b'], output: ['c'], name: 'conv' },
        { opType: 'Relu', input: ['c'], output: ['r'] },
        { opType: 'MaxPool', input: ['r'], output: ['p'], attribute: [{ name: 'kernel_shape', type: 7, ints: [2, 2] }] },
        { opType: 'Reshape', input: ['p', 'shape'], output: ['flat'] },
        { opType: 'ReduceMax', input: ['flat'], output: ['m'], attribute: [{ name: 'axes', type: 7, ints: [1] }] },
        { opType: 'Greater', input: ['flat', 'm'], output: ['mask'] },
        { opType: 'Where', input: ['mask', 'flat', 'm'], output: ['y'] },
        { opType: 'Softmax', input: ['y'], output: ['s'] },
      ],
      output: [f('s', [2, 128])],
    },
  };
}

function one(spec: TinyNode): IModelProto {
  return tinyModel(spec);
}

describe('checkCoverage on hand-built models', () => {
  it.each(GPU)('a float32 conv/pool/softmax fragment is fully covered on %s', (ep) => {
    expect(checkCoverage(fragment(), ep)).toEqual([]);
  });

  it('cpu never reports anything', () => {
    expect(checkCoverage(one({ op: 'Sum', opset: 17, inputs: [{ name: 'a', type: 'double', dims: [2] }], outputs: [{ name: 'y', type: 'double' }] }), 'cpu')).toEqual([]);
  });

  it.each([
    ['Sum (not in the tables)', 'webgpu', { op: 'Sum', opset: 17, inputs: [{ name: 'a', type: 'float', dims: [2] }], outputs: [{ name: 'y', type: 'float' }] }, /no webgpu kernel for Sum in the table/],
    ['float64 Add on webgpu', 'webgpu', { op: 'Add', opset: 17, inputs: [{ name: 'a', type: 'double', dims: [2] }, { name: 'b', type: 'double', dims: [2] }], outputs: [{ name: 'y', type: 'double' }] }, /Add on webgpu at opset 17 takes T ∈ \{.*\}; 'a' is double/],
    ['int64 Add on webgpu', 'webgpu', { op: 'Add', opset: 17, inputs: [{ name: 'a', type: 'int64', dims: [2] }, { name: 'b', type: 'int64', dims: [2] }], outputs: [{ name: 'y', type: 'int64' }] }, /'a' is int64/],
    ['Sign on webgpu', 'webgpu', { op: 'Sign', opset: 17, inputs: [{ name: 'a', type: 'float', dims: [2] }], outputs: [{ name: 'y', type: 'float' }] }, /no webgpu kernel for Sign/],
    ['MaxPool-22 on webgpu', 'webgpu', { op: 'MaxPool', opset: 22, inputs: [{ name: 'a', type: 'float', dims: [1, 1, 4, 4] }], outputs: [{ name: 'y', type: 'float' }], attrs: { kernel_shape: [2, 2] } }, /no webgpu kernel for MaxPool at opset 22/],
    ['bool Where on cuda', 'cuda', { op: 'Where', opset: 17, inputs: [{ name: 'c', type: 'bool', dims: [2] }, { name: 'a', type: 'bool', dims: [2] }, { name: 'b', type: 'bool', dims: [2] }], outputs: [{ name: 'y', type: 'bool' }] }, /Where on cuda at opset 17 takes T/],
    ['uint8 Relu on cuda', 'cuda', { op: 'Relu', opset: 17, inputs: [{ name: 'a', type: 'uint8', dims: [2] }], outputs: [{ name: 'y', type: 'uint8' }] }, /'a' is uint8/],
  ] as const)('%s is reported', (_label, ep, spec, reason) => {
    const problems = checkCoverage(one(spec as TinyNode), ep);
    expect(problems).toHaveLength(problems.length > 0 ? problems.length : 1);
    expect(problems[0]?.reason).toMatch(reason);
    expect(problems[0]).toMatchObject({ op: spec.op, node: `probe_${spec.op}` });
  });

  it('int64 Add is fine on cuda; values without a type are reported, not assumed', () => {
    expect(checkCoverage(one({ op: 'Add', opset: 17, inputs: [{ name: 'a', type: 'int64', dims: [2] }, { name: 'b', type: 'int64', dims: [2] }], outputs: [{ name: 'y', type: 'int64' }] }), 'cuda')).toEqual([]);
    const model = fragment();
    model.graph!.input = model.graph!.input!.slice(1); // 'x' loses its declaration
    expect(checkCoverage(model, 'webgpu')[0]?.reason).toMatch(/type of 'x' \(T\) is unknown/);
  });

  it('non-default domains and models without an opset are reported', () => {
    const model = fragment();
    model.graph!.node![1] = { ...model.graph!.node![1], domain: 'com.microsoft' };
    expect(checkCoverage(model, 'cuda')).toEqual([{ node: 'Relu#1', op: 'Relu', reason: "domain 'com.microsoft' is not the default ONNX domain" }]);
    expect(checkCoverage({ ...fragment(), opsetImport: [] }, 'cuda')[0]?.reason).toMatch(/no default-domain opset/);
  });
});

describe('checkCoverage on every emitted graph', () => {
  // Built fresh by the compiled CLI (`npm test` builds first), never read from the ignored models/ folder
  // (stale or absent), and never skipped: a failing `build-graph` fails this test.
  it('all graphs from `onnx-lenet build-graph` run fully on cuda and webgpu', () => {
    if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'index.js'))) throw new Error('dist/ is missing: run `npm run build` (npm test does it first)');
    const dir = mkdtempSync(join(tmpdir(), 'onnx-lenet-models-'));
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'onnx-lenet.js'), 'build-graph', '--out', dir], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, `build-graph failed: ${r.stderr}`).toBe(0);
    const files = readdirSync(dir).filter((f) => f.endsWith('.onnx')).sort();
    expect(files).toEqual(['lenet.eval.onnx', 'lenet.onnx', 'lenet.train.onnx']);
    for (const file of files) {
      const model = onnx.ModelProto.decode(readFileSync(join(dir, file)));
      for (const ep of GPU) expect(checkCoverage(model, ep), `${file} on ${ep}`).toEqual([]);
    }
  });
});
