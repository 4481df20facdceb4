/** `train --recipe` and the new options on the command line: bad values are one-line errors, and --help lists the recipes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { expectOneLineError, runCli } from '../helpers/cli.js';

describe('train --recipe and its options on the command line', () => {
  test.each([
    [['--recipe', 'best'], /option '--recipe <name>' argument 'best' is invalid\. Allowed choices are seed, strong/],
    [['--warmup-epochs', '10'], /warm-up epochs must be a number in \[0, epochs\) = \[0, 10\), got 10/],
    [['--recipe', 'strong', '--epochs', '1'], /warm-up epochs must be a number in \[0, epochs\) = \[0, 1\), got 1/],
    [['--augment-rotate', 'x'], /expected a number ≥ 0, got 'x'/],
    [['--augment-scale', '2'], /augment scale must be a fraction in \[0, 0\.9\], got 2/],
  ])('train %j fails in one line', async (args, message) => {
    expectOneLineError(await runCli(['train', '--dataset', 'mnist-sample', ...args]), message);
  });

  test('--recipe strong says what it resolved to; --no-augment takes the augmentation out and keeps the rest', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-recipe-cli-'));
    try {
      const strong = await runCli(['train', '--dataset', 'mnist-sample', '--recipe', 'strong', '--epochs', '2', '--max-steps', '1', '--threads', '1', '--out', path.join(dir, 'a')]);
      expect(strong.code, strong.stderr).toBe(0);
      expect(strong.stdout).toMatch(/recipe strong: 2 epochs, batch 64, Adam lr 0\.002 \(cosine\), warm-up 1 epoch, augmented \(±2 px, ±15°, ±15%, elastic ±2 px\), seed 0/);
      const plain = await runCli(['train', '--dataset', 'mnist-sample', '--recipe', 'strong', '--no-augment', '--epochs', '2', '--max-steps', '1', '--threads', '1', '--out', path.join(dir, 'b')]);
      expect(plain.code, plain.stderr).toBe(0);
      expect(plain.stdout).toMatch(/recipe strong: 2 epochs, batch 64, Adam lr 0\.002 \(cosine\), warm-up 1 epoch, seed 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a warp range without --augment is said to do nothing; one epoch is "1 epoch"', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-recipe-cli-'));
    try {
      const r = await runCli(['train', '--dataset', 'mnist-sample', '--augment-rotate', '10', '--augment-elastic', '1', '--epochs', '1', '--max-steps', '1', '--threads', '1', '--out', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain('--augment-rotate, --augment-elastic have no effect without --augment (this run does not augment)');
      expect(r.stdout).toMatch(/recipe seed: 1 epoch, batch 64/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--help names each recipe with its values', async () => {
    const r = await runCli(['train', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/strong \(epochs 50, batchSize 64, lr 0\.002, lrSchedule cosine, warmupEpochs 1, augment true/);
  });
});
