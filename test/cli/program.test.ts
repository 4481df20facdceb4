/**
 * The CLI loads only the subcommand it runs (src/cli/index.ts createProgram): `onnx-lenet train` does not
 * load serve's, sweep's or predict's modules, and still parses, helps and fails as with all of them.
 */
import { describe, expect, test, vi } from 'vitest';
import { createProgram, main } from '../../src/cli/index.js';

const ALL = ['build-graph', 'make-trainable', 'train', 'sweep', 'eval', 'predict', 'doctor', 'setup-cuda', 'data', 'serve'];
const names = async (argv: string[]): Promise<string[]> => (await createProgram(argv)).commands.map((c) => c.name());

describe('createProgram', () => {
  test('a command line that starts with a command\'s name gets that command only', async () => {
    expect(await names(['train', '--epochs', '1'])).toEqual(['train']);
    expect(await names(['serve'])).toEqual(['serve']);
  });

  test('anything else gets every command, in help\'s order', async () => {
    for (const argv of [[], ['--help'], ['help', 'train'], ['trian'], ['--version'], ['constructor'], ['__proto__']]) {
      expect(await names(argv)).toEqual(ALL);
    }
  });

  test('no command: the help on stderr, exit 1, and no word of commander\'s internals', async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => { written.push(String(chunk)); return true; });
    try {
      expect(await main([])).toBe(1);
    } finally {
      spy.mockRestore();
    }
    const text = written.join('');
    expect(text).toContain('Usage: onnx-lenet');
    expect(text).not.toContain('outputHelp');
  });

  test('the one command is defined as in the full program (same options, same help)', async () => {
    const alone = (await createProgram(['train'])).commands[0];
    const full = (await createProgram([])).commands.find((c) => c.name() === 'train')!;
    expect(alone.helpInformation()).toBe(full.helpInformation());
  });
});
