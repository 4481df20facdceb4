/**
 * HTTP caching and compression for what the server sends. Every body has a validator (an ETag, and
 * Last-Modified for files) and `Cache-Control: no-cache`, so a browser keeps its copy and asks each time
 * whether it is still good: a matching `If-None-Match` (or, without one, `If-Modified-Since`) is
 * answered 304 with no body. Compressible types are sent gzip- or brotli-encoded when the request's
 * `Accept-Encoding` allows it; each encoded body is made once per file version and kept in memory
 * (onnxruntime-web's 28 MB `.wasm` takes seconds to compress, and is asked for on every page load).
 */
import { promisify } from 'node:util';
import { brotliCompress, constants as zlib, gzip } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Encoding = 'br' | 'gzip' | 'identity';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/**
 * Types worth compressing: text, JavaScript, JSON, SVG and WebAssembly (28 MB → ~5 MB with brotli).
 * ONNX models are float32 weights that shrink by a few per cent at most, and images are compressed
 * already; an entity can say otherwise (the bundled digits are mostly zero bytes).
 */
const COMPRESSIBLE = /^(text\/|application\/(json|wasm)|image\/svg\+xml)/;

export function isCompressible(contentType: string): boolean {
  return COMPRESSIBLE.test(contentType);
}

/** Bodies larger than this are sent as they are (compressing them would hold them in memory). */
const MAX_COMPRESSED_INPUT = 64 * 1024 * 1024;
/** Bodies smaller than this gain nothing from compression worth its header. */
const MIN_COMPRESSED_INPUT = 1024;

/**
 * The encoding to send for `accept` (an `Accept-Encoding` header): brotli, else gzip, when listed with a
 * non-zero quality (`*` stands for any encoding not named); identity when neither is acceptable.
 */
export function negotiateEncoding(accept: string | undefined): Encoding {
  if (accept === undefined) return 'identity';
  const quality = new Map<string, number>();
  for (const part of accept.split(',')) {
    const [rawName, ...params] = part.toLowerCase().split(';');
    const name = rawName.trim();
    if (name === '') continue;
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)).find((m) => m !== null);
    quality.set(name, q ? Number(q[1]) : 1);
  }
  const accepts = (name: Encoding): boolean => (quality.get(name) ?? quality.get('*') ?? 0) > 0;
  if (accepts('br')) return 'br';
  if (accepts('gzip')) return 'gzip';
  return 'identity';
}

/**
 * Bodies up to this size are compressed while the request waits (milliseconds); larger ones (the
 * `.wasm`: ~3 s with brotli on a quiet machine, half a minute on a loaded one) are sent plain until
 * their encoded body is ready, made in the background after the first request.
 */
const WAIT_FOR_COMPRESSION = 1024 * 1024;

/** Encoded bodies, made on first request and kept per (key, encoding) for the key's current version. */
export class EncodedBodies {
  private readonly entries = new Map<string, { version: string; body: Promise<Buffer>; done?: Buffer }>();
  /** How many bodies were compressed (the tests check that a second request compresses nothing). */
  compressions = 0;

  /** The `encoding` of `key`'s body at `version`; `read` gives the plain body when it must be made. */
  get(key: string, version: string, encoding: Exclude<Encoding, 'identity'>, read: () => Promise<Uint8Array>): Promise<Buffer> {
    const id = `${encoding}\0${key}`;
    const cached = this.entries.get(id);
    if (cached?.version === version) return cached.body;
    this.compressions++;
    const body = read().then((plain) => compress(plain, encoding));
    const entry: { version: string; body: Promise<Buffer>; done?: Buffer } = { version, body };
    body.then((done) => void (entry.done = done), () => {
      // A failure is not kept: the next request tries again.
      if (this.entries.get(id) === entry) this.entries.delete(id);
    });
    this.entries.set(id, entry);
    return body;
  }

  /** The encoded body if it is made already; else starts making it (once) and returns undefined. */
  ready(key: string, version: string, encoding: Exclude<Encoding, 'identity'>, read: () => Promise<Uint8Array>): Buffer | undefined {
    const cached = this.entries.get(`${encoding}\0${key}`);
    if (cached?.version === version) return cached.done;
    this.get(key, version, encoding, read).catch(() => undefined);
    return undefined;
  }
}

function compress(plain: Uint8Array, encoding: 'br' | 'gzip'): Promise<Buffer> {
  if (encoding === 'gzip') return gzipAsync(plain, { level: 6 });
  // Quality 6: 28 MB of WebAssembly in ~3 s to 4.8 MB (quality 11 takes a minute for 4.3 MB).
  return brotliAsync(plain, { params: { [zlib.BROTLI_PARAM_QUALITY]: 6, [zlib.BROTLI_PARAM_SIZE_HINT]: plain.length } });
}

/** What is sent: its type, size, version (changes whenever the bytes do) and, for files, their time. */
export interface Entity {
  /** Identifies the body in the cache of encoded bodies (the file's path, or a name). */
  readonly key: string;
  readonly contentType: string;
  readonly size: number;
  /** Short and printable; the ETag is built from it. */
  readonly version: string;
  readonly lastModified?: Date;
  /** Whether to compress it; default: by its type ({@link isCompressible}). */
  readonly compressible?: boolean;
  /** The plain body, whole (to compress it). */
  read(): Promise<Uint8Array>;
  /** Sends the plain body (a file is streamed instead of read whole). */
  pipe(res: ServerResponse): Promise<void>;
}

/** The entity tag of `entity` sent with `encoding`: each encoding is a representation of its own. */
export function entityTag(entity: Pick<Entity, 'version'>, encoding: Encoding): string {
  return `"${entity.version}${encoding === 'identity' ? '' : `-${encoding}`}"`;
}

/**
 * RFC 9110 §13.1: whether the copy the client holds is still good — If-None-Match (weak comparison)
 * against any of `etags` (the tags of the current representations), else If-Modified-Since against
 * Last-Modified. Returns the tag to answer 304 with (the client's own when it named one), or undefined.
 */
export function notModified(req: IncomingMessage, etags: readonly string[], lastModified: Date | undefined): string | undefined {
  const ifNoneMatch = req.headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    const opaque = (tag: string): string => tag.trim().replace(/^W\//, '');
    if (ifNoneMatch.trim() === '*') return etags[0];
    const held = new Set(ifNoneMatch.split(',').map(opaque));
    return etags.find((tag) => held.has(opaque(tag)));
  }
  const since = Date.parse(req.headers['if-modified-since'] ?? '');
  // HTTP dates have whole seconds: a file modified at 12:00:00.400 is not newer than "12:00:00".
  const unchanged = lastModified !== undefined && Number.isFinite(since) && Math.floor(lastModified.getTime() / 1000) * 1000 <= since;
  return unchanged ? etags[0] : undefined;
}

/**
 * Sends `entity` for a GET or HEAD: 304 when the request's validators match, else 200 with the body
 * compressed as negotiated (when its type allows and `bodies` is given) or plain.
 */
export async function sendEntity(req: IncomingMessage, res: ServerResponse, entity: Entity, baseHeaders: Readonly<Record<string, string>>, bodies?: EncodedBodies): Promise<void> {
  const compressible = bodies !== undefined && (entity.compressible ?? isCompressible(entity.contentType))
    && entity.size >= MIN_COMPRESSED_INPUT && entity.size <= MAX_COMPRESSED_INPUT;
  const wanted = compressible ? negotiateEncoding(req.headers['accept-encoding']) : 'identity';
  const common: Record<string, string> = {
    ...baseHeaders,
    ...(entity.lastModified ? { 'Last-Modified': entity.lastModified.toUTCString() } : {}),
    ...(compressible ? { Vary: 'Accept-Encoding' } : {}),
  };
  // Tags come from the version alone, so a copy is revalidated without making any body: the encoded
  // one asked for, or the plain one sent while that was being made.
  const held = notModified(req, [...new Set([entityTag(entity, wanted), entityTag(entity, 'identity')])], entity.lastModified);
  if (held !== undefined) {
    res.writeHead(304, { ...common, ETag: held });
    res.end();
    return;
  }
  let body: Buffer | undefined;
  if (wanted !== 'identity') {
    const read = (): Promise<Uint8Array> => entity.read();
    body = entity.size <= WAIT_FOR_COMPRESSION
      ? await bodies!.get(entity.key, entity.version, wanted, read)
      : bodies!.ready(entity.key, entity.version, wanted, read);
  }
  // A large body whose encoded form is still being made goes plain, under the plain body's tag.
  const encoding = body === undefined ? 'identity' : wanted;
  const headers = { ...common, ETag: entityTag(entity, encoding), 'Content-Type': entity.contentType };
  if (body !== undefined) {
    res.writeHead(200, { ...headers, 'Content-Encoding': encoding, 'Content-Length': body.length });
    res.end(req.method === 'HEAD' ? undefined : body);
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': entity.size });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await entity.pipe(res);
}
