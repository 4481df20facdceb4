/**
 * Issue 14, row 15 (errors): a model with the right contract whose graph fails at run time, and output
 * that cannot be written, each end in one plain line — no ANSI colours, C++ paths or stack traces.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { onnx } from '../../src/graph/proto.js';
import { buildGraphs } from '../../src/index.js';
import { ROOT, expectOneLineError, runCli } from '../helpers/cli.js';

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-run-errors-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const bad = path.join(work, 'bad.onnx');
const image = path.join(work, 'digit.png');

beforeAll(async () => {
  await buildGraphs({ outDir: work });
  // image [N,1,28,28] → logits [N,10] as declared, but the Reshape to [7,10] fails for any N.
  const T = onnx.TensorProto.DataType;
  const value = (name: string, dims: (number | string)[]) => onnx.ValueInfoProto.create({
    name, type: { tensorType: { elemType: T.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  });
  const model = onnx.ModelProto.create({
    irVersion: 8, opsetImport: [{ domain: '', version: 17 }],
    graph: {
      name: 'bad', input: [value('image', ['N', 1, 28, 28])], output: [value('logits', ['N', 10])],
      initializer: [onnx.TensorProto.create({ name: 'shape', dims: [2], dataType: T.INT64, int64Data: [7, 10] })],
      node: [{ opType: 'Reshape', input: ['image', 'shape'], output: ['logits'] }],
    },
  });
  writeFileSync(bad, onnx.ModelProto.encode(model).finish());
  writeFileSync(image, PNG.sync.write(new PNG({ width: 28, height: 28 })));
});

describe('errors in one plain line', () => {
  test('a graph that fails at run time', async () => {
    const r = await runCli(['predict', bad, image]);
    expectOneLineError(r, /onnx-lenet: ONNX Runtime failed running '.*bad\.onnx' \(Reshape node\): The input tensor cannot be reshaped to the requested shape/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\x1b\[|onnxruntime_src|\.(h|cc):\d+|onnxruntime::/);
  });

  test.skipIf(!existsSync('/dev/full'))('eval > /dev/full: ENOSPC in one line, exit 1', async () => {
    const full = openSync('/dev/full', 'w');
    const child = spawn(process.execPath, [path.join(ROOT, 'bin/onnx-lenet.js'), 'eval', path.join(work, 'lenet.onnx'), '--dataset', 'mnist-sample'], {
      cwd: ROOT, stdio: ['ignore', full, 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('onnx-lenet: cannot write to standard output (ENOSPC: no space left on device)');
  });
});
