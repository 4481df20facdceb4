/**
 * The server's URL space and how files are sent. Every response carries the cross-origin-isolation
 * headers (COOP + COEP), which onnxruntime-web needs for SharedArrayBuffer and so for threads.
 */
import { createReadStream } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { type EncodedBodies, type Entity, sendEntity } from './caching.js';
import { mimeType } from './mime.js';
import { resolveInside } from './paths.js';

/** Bytes made by the server itself (the digits, a built model, checked metrics), with their version. */
export interface MemoryBody {
  readonly bytes: Uint8Array;
  /** Changes whenever the bytes do (a hash of them); the ETag is made from it. */
  readonly version: string;
  readonly contentType: string;
  /** Default: by the content type (caching.ts). */
  readonly compressible?: boolean;
}

/**
 * A URL that names one file, a URL prefix mapped onto a folder, or a URL whose body the server makes
 * (`body` resolves to undefined when there is none: 404).
 */
export type Route =
  | { readonly kind: 'file'; readonly url: string; readonly file: string }
  | { readonly kind: 'dir'; readonly url: string; readonly dir: string }
  | { readonly kind: 'memory'; readonly url: string; readonly body: () => Promise<MemoryBody | undefined> };

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Content-Type-Options': 'nosniff',
  // Kept, but revalidated on every use (ETag / Last-Modified → 304, caching.ts): a rebuilt page or a
  // newly trained model shows at the next load.
  'Cache-Control': 'no-cache',
};

/** Folders of compiled shared code the page imports: image preprocessing, the graph contract and parameters. */
const PAGE_FOLDERS = ['image', 'graph', 'util'] as const;
/**
 * Single compiled modules the page imports from folders that also hold Node-only code: batching, the
 * binding interface with its onnxruntime-web implementation, the train-step layer, the data-parallel
 * step's pure parts (what its Web Workers run, and the page's side of it) and where its models are served,
 * augmentation, the confusion matrix and the sweep report's SVG charts (the served run's curves).
 */
const PAGE_FILES = [
  'data/batches.js', 'data/types.js',
  'runtime/binding/types.js', 'runtime/binding/web.js', 'runtime/binding/web-ort.js', 'runtime/binding/metadata.js',
  'train/step/session-step.js', 'train/step/state.js', 'train/step/runner.js',
  'train/step/parallel/coordinator.js', 'train/step/parallel/flat-adam.js', 'train/step/parallel/layout.js', 'train/step/parallel/part.js',
  'train/step/parallel/serve-part.js', 'train/step/parallel/shared.js',
  'train/augment.js', 'infer/confusion.js', 'serve/model-urls.js', 'sweep/charts.js',
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

/** Bytes held in memory (`key` names them in the cache of encoded bodies), revalidated by their version. */
export function sendBytes(req: IncomingMessage, res: ServerResponse, key: string, body: MemoryBody, bodies?: EncodedBodies): Promise<void> {
  const { bytes } = body;
  return sendEntity(req, res, {
    key, contentType: body.contentType, size: bytes.length, version: body.version,
    ...(body.compressible !== undefined ? { compressible: body.compressible } : {}),
    read: async () => bytes,
    pipe: async (out) => void out.end(bytes),
  }, SECURITY_HEADERS, bodies);
}

/**
 * Sends the route's file (or, for a folder route, the regular file `rest` names inside it, symlinks
 * resolved and kept inside), revalidated by ETag/Last-Modified and, given `bodies`, compressed.
 */
export async function sendFile(req: IncomingMessage, res: ServerResponse, route: Exclude<Route, { kind: 'memory' }>, rest: string, bodies?: EncodedBodies): Promise<void> {
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
  const entity: Entity = {
    key: file,
    contentType: type,
    size: info.size,
    // Size and modification time, as most servers do: hashing 28 MB per request would cost more than it saves.
    version: `${info.size.toString(36)}-${Math.floor(info.mtimeMs).toString(36)}`,
    lastModified: info.mtime,
    read: () => readFile(file),
    pipe: (out) => new Promise<void>((resolve, reject) => {
      const stream = createReadStream(file);
      stream.on('error', reject);
      out.on('close', resolve);
      stream.pipe(out);
    }),
  };
  await sendEntity(req, res, entity, SECURITY_HEADERS, bodies);
}
