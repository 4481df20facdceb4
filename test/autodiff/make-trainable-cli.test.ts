/** `onnx-lenet make-trainable`, in process: the three files and their contract; one error line and nothing written for an op without a rule. */
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/index.js';
import { buildInferenceModel } from '../../src/graph/models.js';
import { initParameters } from '../../src/graph/params.js';
import { decodeModel, encodeModel } from '../../src/graph/proto.js';
import { Tape } from '../../src/graph/tape.js';
import { relu } from '../../src/graph/ops.js';
import { gemm } from '../../src/graph/nn-ops.js';
import { float32Tensor } from '../../src/graph/tensor.js';
import { trainStepSignature } from '../../src/train/step/state.js';
import { modelValueSpecs } from '../../src/graph/export.js';

let dir: string;
beforeAll(async () => { dir = await fsp.mkdtemp(path.join(os.tmpdir(), 'make-trainable-')); });
afterAll(async () => { await fsp.rm(dir, { recursive: true, force: true }); });

async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = '';
  let stdout = '';
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  try {
    return { code: await main(args), stderr, stdout };
  } finally {
    e.mockRestore();
    o.mockRestore();
  }
}

describe('make-trainable', () => {
  test('lenet.onnx → lenet.train.onnx, lenet.eval.onnx, lenet.onnx (and lenet.grad.onnx) with the train-step contract', async () => {
    const src = path.join(dir, 'src');
    await fsp.mkdir(src);
    await fsp.writeFile(path.join(src, 'lenet.onnx'), encodeModel(buildInferenceModel(initParameters(0))));
    const out = path.join(dir, 'out');
    const r = await run(['make-trainable', path.join(src, 'lenet.onnx'), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect((await fsp.readdir(out)).sort()).toEqual(['lenet.eval.onnx', 'lenet.grad.onnx', 'lenet.onnx', 'lenet.train.onnx']);
    expect(r.stdout).toContain('lenet.grad.onnx');
    const train = decodeModel(await fsp.readFile(path.join(out, 'lenet.train.onnx')), 'train');
    const io = modelValueSpecs(train);
    const sig = trainStepSignature(io.inputs, io.outputs.map((o) => o.name));
    expect(sig.state).toHaveLength(30);
    expect(sig.inputs.map((i) => `${i.name}:${i.type}`).sort()).toEqual(['adam.bias_correction2_sqrt:float32', 'adam.step_size:float32', 'image:float32', 'label:int32']);
    expect(io.outputs.map((o) => o.name)).toContain('loss');
  });

  test.each([
    { made: ['--optimizer', 'sgd'], name: '--optimizer sgd' },
    { made: ['--optimizer', 'adamw', '--weight-decay', '0.01'], name: '--optimizer adamw' },
    { made: ['--loss', 'mse'], name: '--loss mse' },
    { made: [] as string[], name: 'a damaged file' },
  ])('train --model on a train step made with $name: one error line before anything starts', async ({ made, name }) => {
    const out = path.join(dir, `contract-${name.replace(/\W+/g, '-')}`);
    await fsp.mkdir(out);
    await fsp.writeFile(path.join(out, 'lenet.onnx'), encodeModel(buildInferenceModel(initParameters(0))));
    const m = await run(['make-trainable', path.join(out, 'lenet.onnx'), '--out', out, ...made]);
    expect(m.code, m.stderr).toBe(0);
    const trainFile = path.join(out, 'lenet.train.onnx');
    if (made.length === 0) await fsp.writeFile(trainFile, (await fsp.readFile(trainFile)).subarray(0, 100));
    const r = await run(['train', '--model', trainFile, '--dataset', 'mnist-sample', '--epochs', '1', '--threads', '1', '--out', path.join(out, 'trained')]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(made.length === 0 ? /lenet\.train\.onnx/ : new RegExp(`was made with make-trainable ${name}; train trains make-trainable's default`));
    expect(r.stdout).not.toContain('Training');
    await expect(fsp.readdir(path.join(out, 'trained'))).rejects.toThrow(/ENOENT/);
  });

  test('an op without a rule: one error line naming the op and node, exit ≠ 0, nothing written', async () => {
    const tape = new Tape('odd');
    const x = tape.input('x', 'float32', ['N', 4]);
    const h = gemm(x, tape.initializer('w', float32Tensor([3, 4], new Float32Array(12).fill(0.1))), undefined, { transB: true });
    const [odd] = tape.node('Sin', [relu(h)], [{ dtype: 'float32', shape: h.shape }]);
    tape.output(odd, 'logits');
    const file = path.join(dir, 'odd.onnx');
    await fsp.writeFile(file, encodeModel(tape.toModel()));
    const out = path.join(dir, 'odd-out');
    const r = await run(['make-trainable', file, '--out', out]);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^onnx-lenet: odd\.onnx: node 'Sin_\d+': operator Sin is not supported/);
    await expect(fsp.readdir(out)).rejects.toThrow();
  });
});
