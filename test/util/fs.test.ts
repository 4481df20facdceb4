/** writeFilesAtomic: a failed write of a set of files leaves every file of the set as it was. */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeFilesAtomic } from '../../src/util/fs.js';

const work = mkdtempSync(join(tmpdir(), 'onnx-lenet-fs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('writeFilesAtomic', () => {
  it('writes every file', async () => {
    await writeFilesAtomic([[join(work, 'a'), 'A1'], [join(work, 'b'), new Uint8Array([66])]]);
    expect(readFileSync(join(work, 'a'), 'utf8')).toBe('A1');
    expect(readFileSync(join(work, 'b'), 'utf8')).toBe('B');
  });

  it('changes nothing when a later file cannot be written, and leaves no temporary file', async () => {
    writeFileSync(join(work, 'a'), 'old a');
    const missingFolder = join(work, 'no-such-folder', 'c');
    await expect(writeFilesAtomic([[join(work, 'a'), 'new a'], [missingFolder, 'c']])).rejects.toThrow(/ENOENT/);
    expect(readFileSync(join(work, 'a'), 'utf8')).toBe('old a');
    expect(readdirSync(work).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
