/**
 * Where the server finds its files, and the one function that maps a URL path into a root without
 * letting it escape (path traversal).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The onnx-lenet package root: the nearest folder above this module whose package.json names it. */
export function packageRoot(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'onnx-lenet') {
      return dir;
    }
    if (path.dirname(dir) === dir) throw new Error(`cannot find the onnx-lenet package root above ${from}`);
  }
}

/** Why a URL path could not be mapped to a file. */
export type Refusal = 'bad-request' | 'forbidden';

/**
 * Decodes `relative` (the URL path below a route's prefix) and resolves it inside `root`. Returns a
 * refusal for malformed escapes, NUL bytes, backslashes and any `..` segment, so no decoded path can
 * reach outside `root`.
 */
export function resolveInside(root: string, relative: string): { file: string } | { refusal: Refusal } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(relative);
  } catch {
    return { refusal: 'bad-request' };
  }
  if (decoded.includes('\0')) return { refusal: 'bad-request' };
  const segments = decoded.split('/');
  if (decoded.includes('\\') || segments.some((s) => s === '..')) return { refusal: 'forbidden' };
  const file = path.resolve(root, ...segments.filter((s) => s !== '' && s !== '.'));
  if (file !== root && !file.startsWith(root + path.sep)) return { refusal: 'forbidden' };
  return { file };
}
