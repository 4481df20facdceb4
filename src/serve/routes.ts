/**
 * The server's URL space and how files are sent. Every response carries the cross-origin-isolation
 * headers (COOP + COEP), which onnxruntime-web needs for SharedArrayBuffer and so for threads.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { mimeType } from './mime.js';
import { resolveInside } from './paths.js';

/** A URL that names one file, or a URL prefix mapped onto a folder. */
export type Route =
  | { readonly kind: 'file'; readonly url: string; readonly file: string }
  | { readonly kind: 'dir'; readonly url: string; readonly dir: string };

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-cache',
};

/** Folders of compiled shared code the page imports: image preprocessing, the graph contract and parameters. */
const PAGE_FOLDERS = ['image', 'graph', 'util'] as const;
/**
 * Single compiled modules the page imports from folders that also hold Node-only code: batching, the
 * binding interface with its onnxruntime-web implementation, the train-step layer, augmentation and the
 * confusion matrix.
 */
const PAGE_FILES = [
  'data/batches.js', 'data/types.js',
  'runtime/binding/types.js', 'runtime/binding/web.js', 'runtime/binding/metadata.js',
  'train/step/session-step.js', 'train/step/state.js', 'train/step/runner.js', 'train/augment.js',
  'infer/confusion.js',
] as const;

/**
 * The page (`/` → web/index.html, other files of web/), its compiled scripts and the compiled shared
 * modules it imports (`/dist/...`, only the folders the page needs), onnxruntime-web (`/ort/`) and the
 * models (`/models/lenet.onnx`, `/models/lenet.train.onnx`); with a sweep's folder, its report
 * (`/sweep.html`) and its files (`/sweep/…`, through the same path checks). Longer prefixes first.
 */
/** onnxruntime-web's dist/ folder, wherever npm put the package (nested, or hoisted next to an installed onnx-lenet). */
export function ortWebDir(): string {
  return path.dirname(createRequire(import.meta.url).resolve('onnxruntime-web'));
}

export function routeTable(root: string, models: { model: string; trainModel?: string }, sweep?: string, ortDir: string = ortWebDir()): Route[] {
  const dist = path.join(root, 'dist');
  const sweepRoutes: Route[] = sweep === undefined ? [] : [
    { kind: 'file', url: '/sweep.html', file: path.join(sweep, 'sweep.html') },
    { kind: 'dir', url: '/sweep/', dir: sweep },
  ];
  return [
    ...sweepRoutes,
    { kind: 'file', url: '/', file: path.join(root, 'web', 'index.html') },
    { kind: 'file', url: '/models/lenet.onnx', file: models.model },
    ...(models.trainModel !== undefined ? [{ kind: 'file', url: '/models/lenet.train.onnx', file: models.trainModel } as const] : []),
    { kind: 'dir', url: '/ort/', dir: ortDir },
    { kind: 'dir', url: '/dist/web/', dir: path.join(dist, 'web') },
    ...PAGE_FILES.map((f): Route => ({ kind: 'file', url: `/dist/src/${f}`, file: path.join(dist, 'src', f) })),
    ...PAGE_FOLDERS.map((m): Route => ({ kind: 'dir', url: `/dist/src/${m}/`, dir: path.join(dist, 'src', m) })),
    { kind: 'dir', url: '/', dir: path.join(root, 'web') },
  ];
}

export function sendError(res: ServerResponse, status: number, message: string): void {
  const body = `${status} ${message}\n`;
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendBytes(req: IncomingMessage, res: ServerResponse, bytes: Uint8Array, contentType: string): void {
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': contentType, 'Content-Length': bytes.length });
  res.end(req.method === 'HEAD' ? undefined : bytes);
}

/** Sends the route's file (or, for a folder route, the regular file `rest` names inside it, symlinks resolved and kept inside). */
export async function sendFile(req: IncomingMessage, res: ServerResponse, route: Route, rest: string): Promise<void> {
  let file: string;
  if (route.kind === 'file') {
    file = route.file;
  } else {
    const resolved = resolveInside(route.dir, rest);
    if ('refusal' in resolved) {
      return resolved.refusal === 'forbidden' ? sendError(res, 403, 'forbidden') : sendError(res, 400, 'bad request');
    }
    // Only real files inside the root: a symlink that leads out of it (to /etc/passwd, ~/.ssh) is not found.
    const real = await realpath(resolved.file).catch(() => undefined);
    const root = await realpath(route.dir).catch(() => undefined);
    if (real === undefined || root === undefined || !real.startsWith(root + path.sep)) return sendError(res, 404, 'not found');
    file = real;
  }
  const type = mimeType(file);
  const info = await stat(file).catch(() => undefined);
  if (type === undefined || info === undefined || !info.isFile()) return sendError(res, 404, 'not found');
  res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': type, 'Content-Length': info.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file);
    stream.on('error', reject);
    res.on('close', resolve);
    stream.pipe(res);
  });
}
