/**
 * The files `train` writes to its output folder — lenet.onnx, lenet.ckpt, metrics.json — are one set:
 * a crash (kill -9, power loss) leaves either the previous set or the new one, never a mix, and the
 * temporary files of an interrupted write are removed by the next start. The commit is a redo journal:
 *
 *   1. each new file is written to `.<name>.<hex>.tmp` in the folder and fsynced;
 *   2. the journal `.lenet-commit.json` (renames: temporary → final name) is written and renamed into
 *      place — the commit point;
 *   3. each temporary file is renamed onto its name, then the journal is deleted.
 *
 * `recoverOutputSet(dir)` (run by every `train` before it reads a checkpoint or writes to a folder)
 * finishes a commit whose journal exists (roll forward), then deletes any temporary file of ours left
 * by a crash before the commit point (roll back). See docs/design.md, "One set of outputs".
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { makeDirs } from '../util/fs.js';

export const JOURNAL_FILE = '.lenet-commit.json';

/**
 * The names a set may hold — lenet.onnx and lenet.ckpt, or `<stem>.onnx` and `<stem>.ckpt` of a model
 * trained with `--model`, and metrics.json; only temporary files of such names are ever cleaned up.
 */
const MODEL_NAME = '[A-Za-z0-9][A-Za-z0-9_.-]*\\.(?:onnx|ckpt)';
const SET_NAME = new RegExp(`^(?:${MODEL_NAME}|metrics\\.json)$`);
const TEMP_PATTERN = new RegExp(`^\\.(?:${MODEL_NAME}|metrics\\.json|\\.lenet-commit\\.json)\\.[0-9a-f]+\\.tmp$`);
const isSetName = (name: string): boolean => SET_NAME.test(name);

export interface SetFile {
  /** The file's name in the folder: lenet.onnx, lenet.ckpt (or `<stem>.onnx`, `<stem>.ckpt`), metrics.json. */
  readonly name: string;
  readonly data: Uint8Array | string;
}

interface Journal {
  readonly version: 1;
  readonly renames: readonly (readonly [string, string])[];
}

const tempName = (name: string): string => `.${name}.${randomBytes(6).toString('hex')}.tmp`;

async function writeSynced(file: string, data: Uint8Array | string): Promise<void> {
  const handle = await fsp.open(file, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes the folder's entries (the renames); not every platform can, and it only matters on power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r').catch(() => undefined);
  await handle?.sync().catch(() => undefined);
  await handle?.close();
}

/** Writes `files` into `dir` as one set (see the file header); `dir` is created if missing. */
export async function commitOutputSet(dir: string, files: readonly SetFile[]): Promise<void> {
  for (const f of files) if (!isSetName(f.name)) throw new Error(`'${f.name}' cannot be written as part of the output set (a name of letters, digits, '_', '.', '-' ending in .onnx or .ckpt, or metrics.json)`);
  await makeDirs(dir);
  const renames: [string, string][] = [];
  const journalTemp = tempName(JOURNAL_FILE);
  try {
    for (const f of files) {
      const tmp = tempName(f.name);
      renames.push([tmp, f.name]);
      await writeSynced(path.join(dir, tmp), f.data);
    }
    const journal: Journal = { version: 1, renames };
    await writeSynced(path.join(dir, journalTemp), JSON.stringify(journal));
    await fsp.rename(path.join(dir, journalTemp), path.join(dir, JOURNAL_FILE)); // the commit point
  } catch (error) {
    await Promise.all([journalTemp, ...renames.map(([tmp]) => tmp)].map((t) => fsp.rm(path.join(dir, t), { force: true })));
    throw error;
  }
  await syncDir(dir);
  await applyJournal(dir, renames);
}

async function applyJournal(dir: string, renames: readonly (readonly [string, string])[]): Promise<void> {
  for (const [tmp, name] of renames) {
    await fsp.rename(path.join(dir, tmp), path.join(dir, name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // already renamed before a crash
    });
  }
  await syncDir(dir);
  await fsp.rm(path.join(dir, JOURNAL_FILE), { force: true });
}

function parseJournal(text: string): Journal | undefined {
  try {
    const j = JSON.parse(text) as Journal;
    const ok = j.version === 1 && Array.isArray(j.renames) && j.renames.every((r) => Array.isArray(r) && r.length === 2 &&
      typeof r[0] === 'string' && TEMP_PATTERN.test(r[0]) && typeof r[1] === 'string' && isSetName(r[1]) && r[0].startsWith(`.${r[1]}.`));
    return ok ? j : undefined;
  } catch {
    return undefined;
  }
}

export interface Recovery {
  /** A commit the crash interrupted after its commit point, now finished. */
  readonly rolledForward: boolean;
  /** Temporary files removed (of writes interrupted before their commit point). */
  readonly removed: readonly string[];
}

/** Brings `dir` back to one complete set: finishes a journalled commit, removes stale temporary files. */
export async function recoverOutputSet(dir: string): Promise<Recovery> {
  let names: string[];
  try {
    names = await fsp.readdir(dir);
  } catch {
    return { rolledForward: false, removed: [] }; // no folder, nothing to recover
  }
  let rolledForward = false;
  if (names.includes(JOURNAL_FILE)) {
    const journal = parseJournal(await fsp.readFile(path.join(dir, JOURNAL_FILE), 'utf8'));
    if (journal === undefined) throw new Error(`'${path.join(dir, JOURNAL_FILE)}' is not an onnx-lenet commit journal; remove it if it is not yours`);
    await applyJournal(dir, journal.renames);
    rolledForward = true;
    names = await fsp.readdir(dir);
  }
  const stale = names.filter((n) => TEMP_PATTERN.test(n));
  await Promise.all(stale.map((n) => fsp.rm(path.join(dir, n), { force: true })));
  return { rolledForward, removed: stale };
}
