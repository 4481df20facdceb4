import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { runServe, serveCommand } from '../../src/cli/commands/serve.js';
import { buildFixtureModels } from './fixtures.js';

afterEach(() => vi.restoreAllMocks());

describe('onnx-lenet serve (CLI)', () => {
  test.each([['abc'], ['-1'], ['70000'], ['80.5']])('--port %s is refused with the value quoted', async (port) => {
    const command = serveCommand().exitOverride().configureOutput({ writeErr: () => {} });
    await expect(command.parseAsync(['--port', port], { from: 'user' })).rejects.toThrow(`port must be an integer in [0, 65535], got '${port}'`);
  });

  test('prints the URL, serves until stopped, then closes', async () => {
    const models = await buildFixtureModels();
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    let url = '';
    await runServe({ model: models.inference, port: 0, host: '127.0.0.1' }, async () => {
      url = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out.join(''))![1];
      expect((await fetch(url)).status).toBe(200);
    });
    await expect(fetch(url)).rejects.toThrow();
    await rm(models.dir, { recursive: true, force: true });
  });
});
