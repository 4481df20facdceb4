/** The typed tape: generated names, build-time shape/dtype errors that name the op and the shapes. */
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkPortable } from '../../src/graph/allowlist.js';
import { IO_CONTRACT_VERSION, modelInfo } from '../../src/graph/metadata.js';
import { conv, gemm, matmul } from '../../src/graph/nn-ops.js';
import { add, cast, reshape, where } from '../../src/graph/ops.js';
import { decodeModel } from '../../src/graph/proto.js';
import { GraphShapeError } from '../../src/graph/shape.js';
import { Tape } from '../../src/graph/tape.js';
import { PACKAGE_VERSION } from '../../src/version.js';
import { runCli } from '../helpers/cli.js';
import { f32, runOnce } from '../helpers/ort.js';

describe('build-time checks', () => {
  const tape = new Tape('t');
  const x = tape.input('x', 'float32', ['N', 6, 14, 14]);
  const w = tape.input('w', 'float32', [16, 5, 5, 5]);
  const a = tape.input('a', 'float32', ['N', 400]);
  const b = tape.input('b', 'float32', [120, 300]);
  const l = tape.input('l', 'int32', ['N']);

  test.each([
    { name: 'Conv channel mismatch', run: () => conv(x, w, undefined), message: 'Conv: input has 6 channels but weight expects 5 (x [N,6,14,14], w [16,5,5,5])' },
    { name: 'Gemm inner dimensions', run: () => gemm(a, b, undefined, { transB: true }), message: 'Gemm: inner dimensions differ: [N,400] · [120,300]ᵀ' },
    { name: 'MatMul shapes', run: () => matmul(a, b), message: 'MatMul: cannot multiply [N,400] by [120,300]' },
    { name: 'dtype mismatch', run: () => add(a, cast(l, 'float32')), message: 'Add: shapes [N,400] and [N] do not broadcast' },
    { name: 'int vs float', run: () => add(l, 1), message: 'Add: operand types differ: int32 vs float32' },
    { name: 'Reshape sizes', run: () => reshape(a, [-1, 399]), message: 'Reshape: cannot reshape [N,400] to [-1,399]' },
    { name: 'Where condition', run: () => where(a, 1, 0), message: 'Where: condition must be bool, got float32' },
  ])('$name', ({ run, message }) => {
    expect(run).toThrow(GraphShapeError);
    expect(run).toThrow(message);
  });

  test('values from another graph are refused', () => {
    const other = new Tape('other').input('y', 'float32', [1]);
    expect(() => add(x, other)).toThrow("Add: value 'y' belongs to graph 'other', not 't'");
  });

  test('Reshape infers the symbolic batch dimension', () => {
    expect(reshape(x, [-1, 6 * 14 * 14]).shape).toEqual(['N', 1176]);
  });
});

describe('graph assembly', () => {
  test('intermediates get generated names; outputs take their chosen names; dead nodes are dropped', async () => {
    const tape = new Tape('g');
    const x = tape.input('x', 'float32', [2]);
    add(x, 100); // dead: not an output
    const y = add(x, 1);
    tape.output(y, 'y');
    tape.output(y, 'y_again'); // published twice → an Identity for the second name
    const model = tape.toModel();
    expect(model.graph?.node?.map((n) => n.opType)).toEqual(['Add', 'Identity']);
    expect(model.graph?.node?.[0].output).toEqual(['y']);
    expect(model.graph?.initializer?.length).toBe(1); // the constant 100 went with its node
    const out = await runOnce(model, { x: f32([2], [1, 2]) });
    expect(Array.from(out.y)).toEqual([2, 3]);
    expect(Array.from(out.y_again)).toEqual([2, 3]);
  });

  test('the allow-list refuses an op outside the portable set', () => {
    const tape = new Tape('h');
    const x = tape.input('x', 'float32', [1, 10]);
    tape.output(tape.node('LogSoftmax', [x], [{ dtype: 'float32', shape: [1, 10] }], { axis: 1 })[0], 'y');
    expect(checkPortable(tape.toModel())).toEqual(["node 'LogSoftmax_0': op LogSoftmax is not in the portable allow-list"]);
  });

  test('a node without output shapes (a probe model): the opset is chosen, the output has no shape, no op takes it', () => {
    const tape = new Tape('p', { opset: 13 });
    const [y] = tape.node('Sign', [tape.input('x', 'float64', [2])], [{ dtype: 'float64' }]);
    expect(() => add(y, y)).toThrow(GraphShapeError);
    expect(() => add(y, y)).toThrow(/Add: the shape of 'v0' is unknown, so it can only be a graph output/);
    tape.output(y, 'y');
    const model = tape.toModel();
    expect(model.opsetImport?.[0].version).toBe(13);
    expect(model.graph?.output?.[0].type?.tensorType).toEqual({ elemType: 11 });
  });
});

describe('onnx-lenet build-graph', () => {
  test('writes the three models and prints a summary', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-cli-'));
    try {
      const r = await runCli(['build-graph', '--out', out, '--seed', '3']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('61,706 parameters, seed 3');
      expect(r.stdout).toMatch(/lenet\.train\.onnx {2}train, \d+ nodes/);
      expect(r.stdout).toContain('in  image float32[N,1,28,28]');
      expect(readdirSync(out).sort()).toEqual(['lenet.eval.onnx', 'lenet.onnx', 'lenet.train.onnx']);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test.each([
    [[], 'portable', 2], [['--target', 'webgpu'], 'portable', 2], [['--target', 'cpu'], 'cpu', 0], [['--target', 'generic'], 'cpu', 0],
  ] as const)('%j writes target %s (the portable default has the WebGPU-safe Pads), saying so in the files', async (args, target, pads) => {
    const out = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-cli-'));
    try {
      const r = await runCli(['build-graph', '--out', out, ...args]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`seed 0, target ${target})`);
      const inference = /lenet\.onnx {2}inference, \d+ nodes[^\n]*\n {4}ops ([^\n]*)/.exec(r.stdout)?.[1] ?? '';
      expect(inference.includes('Pad×') ? Number(/Pad×(\d+)/.exec(inference)?.[1]) : 0).toBe(pads);
      for (const file of ['lenet.onnx', 'lenet.train.onnx', 'lenet.eval.onnx']) {
        const info = modelInfo(decodeModel(readFileSync(path.join(out, file)), file));
        expect(info).toEqual({ producer: 'onnx-lenet', producerVersion: PACKAGE_VERSION, metadata: { target, io_contract: IO_CONTRACT_VERSION } });
      }
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  test.each([
    { args: ['build-graph', '--bogus'], stderr: "onnx-lenet: unknown option '--bogus'" },
    { args: ['build-graph', '--seed', 'x'], stderr: "onnx-lenet: option '--seed <n>' argument 'x' is invalid. expected an integer from 0 to 4294967295, got 'x'" },
    { args: ['build-graph', '--out', '/proc/not-here'], stderr: "onnx-lenet: cannot write to folder '/proc/not-here' (ENOENT); choose another with --out" },
    { args: ['build-graph', '--out', '/etc/hostname/x'], stderr: "onnx-lenet: cannot write to folder '/etc/hostname/x' (ENOTDIR); choose another with --out" },
  ])('$args.1: one-line error, non-zero exit', async ({ args, stderr }) => {
    const r = await runCli(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(stderr);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
