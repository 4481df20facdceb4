/**
 * Issue 14, row 14: `serve` serves only real files inside its roots (no symlinks out of them), and
 * `--model` must be an ONNX model with the inference contract.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type Route, sendFile } from '../../src/serve/routes.js';
import { startServer } from '../../src/serve/index.js';
import { buildFixtureModels, type ModelFiles } from './fixtures.js';

const work = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-serve-safety-'));
const root = path.join(work, 'root');
const outside = path.join(work, 'outside');
let base = '';
let server: http.Server;
let models: ModelFiles;

beforeAll(async () => {
  mkdirSync(root);
  mkdirSync(outside);
  writeFileSync(path.join(root, 'page.js'), 'export {};\n');
  writeFileSync(path.join(outside, 'secret.js'), 'export const secret = 1;\n');
  symlinkSync(path.join(outside, 'secret.js'), path.join(root, 'leak.js'));
  symlinkSync(outside, path.join(root, 'sub'));
  symlinkSync(path.join(root, 'page.js'), path.join(root, 'alias.js')); // stays inside: served
  const route: Route = { kind: 'dir', url: '/', dir: root };
  server = http.createServer((req, res) => void sendFile(req, res, route, (req.url ?? '/').slice(1)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  models = await buildFixtureModels();
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(work, { recursive: true, force: true });
  rmSync(models.dir, { recursive: true, force: true });
});

describe('serve: files', () => {
  test.each([
    ['page.js', 200],
    ['alias.js', 200],
    ['leak.js', 404],
    ['sub/secret.js', 404],
    ['sub', 404],
  ])('%s → %i', async (file, status) => {
    const res = await fetch(`${base}${file}`);
    expect(res.status).toBe(status);
    if (status === 404) expect(await res.text()).not.toContain('secret');
  });
});

describe('serve --model: only an ONNX model with the inference contract', () => {
  const start = (model: string): Promise<unknown> => startServer({ model, port: 0, host: '127.0.0.1' });
  test('a folder', async () => {
    await expect(start(work)).rejects.toThrow(/^--model .* is not a file; give an ONNX model such as models\/lenet\.onnx$/);
  });
  test('/etc/passwd, a JSON file, a checkpoint', async () => {
    const json = path.join(work, 'metrics.json');
    writeFileSync(json, JSON.stringify({ epochs: [] }));
    const ckpt = path.join(work, 'lenet.ckpt');
    writeFileSync(ckpt, Buffer.concat([Buffer.from('ONNXLENET-CKPT\n{"version":1}\n'), Buffer.alloc(4096, 3)]));
    for (const file of ['/etc/passwd', json, ckpt]) {
      await expect(start(file)).rejects.toThrow(/is not an ONNX model|is not a LeNet inference model/);
    }
  });
  test('the train-step model is not an inference model', async () => {
    await expect(start(models.train)).rejects.toThrow(/is not a LeNet inference model: it has \d+ inputs/);
  });
  test('a train-step model that is not one is not served, with a warning', async () => {
    const running = await startServer({ model: models.inference, trainModel: '/etc/passwd', port: 0, host: '127.0.0.1' });
    try {
      expect(running.warnings[0]).toMatch(/is not an ONNX model.*the page's training panel is disabled/);
      expect((await fetch(`${running.url}models/lenet.train.onnx`)).status).toBe(404);
    } finally {
      await running.close();
    }
  });
});
