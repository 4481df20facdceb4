/** File helpers: every file the project writes appears whole or not at all. */
import { randomBytes } from 'node:crypto';
import { constants as fsConstants, promises as fsp } from 'node:fs';
import * as path from 'node:path';

const tempName = (file: string): string => path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);

/** Writes `data` to a temporary file beside `file`, then renames it into place. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  await writeFilesAtomic([[file, data]]);
}

/**
 * Writes several files so that a failure (ENOSPC, a permission) leaves every one of them as it was: all
 * are first written to temporary files beside their names, and only when all of those are whole are they
 * renamed into place (renames within a folder do not fail for want of space). Not crash-proof across the
 * renames; the trainer's output set (src/train/output-set.ts) journals them for that.
 */
export async function writeFilesAtomic(files: readonly (readonly [string, Uint8Array | string])[]): Promise<void> {
  const temps: [string, string][] = [];
  try {
    for (const [file, data] of files) {
      const tmp = tempName(file);
      temps.push([tmp, file]);
      await fsp.writeFile(tmp, data);
    }
    for (const [tmp, file] of temps) await fsp.rename(tmp, file);
  } catch (error) {
    await Promise.all(temps.map(([tmp]) => fsp.rm(tmp, { force: true })));
    throw error;
  }
}

/**
 * `mkdir -p`: creates `dir` and its missing parents one level at a time, because Node 20's recursive
 * mkdir can spin forever on paths such as /proc/x. Errors carry mkdir's codes: EEXIST when `dir` itself
 * is a file, ENOTDIR when a parent is.
 */
export async function makeDirs(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const missing: string[] = [];
  for (let current = target; ; ) {
    const stat = await fsp.stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (stat) {
      if (!stat.isDirectory()) {
        const code = current === target ? 'EEXIST' : 'ENOTDIR';
        throw Object.assign(new Error(`${code}: not a directory, mkdir '${current}'`), { code });
      }
      break;
    }
    missing.unshift(current);
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  for (const d of missing) {
    await fsp.mkdir(d).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
  }
}

/** Creates `dir` if needed and checks it is writable; the error names the folder and why. */
export async function ensureWritableDir(dir: string): Promise<void> {
  try {
    await makeDirs(dir);
    await fsp.access(dir, fsConstants.W_OK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`cannot write to folder '${dir}' (${code}); choose another with --out`);
  }
}

/**
 * Checks that `dir` could be written to without creating it: it is a writable folder, or it is missing
 * and its nearest existing parent is one. For checks before any work, so nothing changes on disk yet.
 */
export async function checkWritableDir(dir: string): Promise<void> {
  const fail = (code: string): never => {
    throw new Error(`cannot write to folder '${dir}' (${code}); choose another with --out`);
  };
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    const stat = await fsp.stat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      return fail(error.code ?? error.message);
    });
    if (stat) {
      if (!stat.isDirectory()) fail(current === path.resolve(dir) ? 'EEXIST' : 'ENOTDIR');
      await fsp.access(current, fsConstants.W_OK).catch((error: NodeJS.ErrnoException) => fail(error.code ?? error.message));
      return;
    }
    if (path.dirname(current) === current) return;
  }
}

/**
 * Checks, before any work, that `file` can be created or replaced as a plain file: its folder exists and
 * is writable, it is not a folder, and it is none of `reserved` (files the same command writes or reads).
 * `what` names the option in errors, e.g. '--json-metrics'. Its folder may be `willCreate`, a folder the
 * command creates (the output folder), which then only has to be creatable.
 */
export async function checkOutputFile(file: string, what: string, reserved: readonly string[] = [], willCreate?: string): Promise<void> {
  const target = path.resolve(file);
  const clash = reserved.find((r) => path.resolve(r) === target);
  if (clash !== undefined) throw new Error(`${what} '${file}' is ${clash}, which this command also writes or reads; choose another file`);
  const stat = await fsp.stat(target).catch(() => undefined);
  if (stat?.isDirectory()) throw new Error(`${what} '${file}' is a folder; give a file name`);
  const dir = path.dirname(target);
  if (willCreate !== undefined && path.resolve(willCreate) === dir) return checkWritableDir(willCreate);
  const dirStat = await fsp.stat(dir).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${what} '${file}': its folder cannot be used (${error.code ?? error.message}); create it first or choose another`);
  });
  if (!dirStat.isDirectory()) throw new Error(`${what} '${file}': '${dir}' is not a folder`);
  await fsp.access(dir, fsConstants.W_OK).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`${what} '${file}': cannot write to its folder (${error.code ?? error.message})`);
  });
}
