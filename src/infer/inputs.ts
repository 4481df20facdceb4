/**
 * The image inputs of `predict`: files, folders of PNG/JPEG files, and list files. A folder or a list keeps
 * the command line short, which matters: onnxruntime-node 1.30 crashes (segmentation fault) creating a
 * session in a process whose command line is about 30 KB or longer (docs/environment.md).
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

const IMAGE_EXTENSIONS = /\.(png|jpe?g)$/i;

/** The PNG/JPEG files directly inside `dir` (not in subfolders), sorted by name. */
async function imagesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files = entries.filter((e) => (e.isFile() || e.isSymbolicLink()) && IMAGE_EXTENSIONS.test(e.name)).map((e) => e.name).sort();
  if (files.length === 0) throw new Error(`folder '${dir}' has no .png, .jpg or .jpeg files`);
  return files.map((name) => path.join(dir, name));
}

/** Each path as given, or, for a folder, the PNG/JPEG files in it (sorted). */
export async function expandImageInputs(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    const info = await stat(p).catch(() => undefined);
    if (info?.isDirectory()) out.push(...(await imagesIn(p)));
    else out.push(p); // a missing file is reported, naming it, when it is read
  }
  return out;
}

/** The paths in a list file, one per line (blank lines and lines starting with `#` are skipped); relative paths are relative to the list. */
export async function readImageList(listFile: string, text?: string): Promise<string[]> {
  let content = text;
  if (content === undefined) {
    try {
      content = await readFile(listFile, 'utf8');
    } catch (error) {
      throw new Error(`cannot read the list of images '${listFile}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  const base = text === undefined ? path.dirname(listFile) : '.';
  return content.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')).map((l) => (path.isAbsolute(l) ? l : path.join(base, l)));
}
