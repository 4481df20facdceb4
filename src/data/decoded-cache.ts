/**
 * The decoded-IDX cache: gunzipping Fashion-MNIST's 47 MB of images took 0.3–1.8 s of every `train` run
 * (docs/benchmarks.md, "Cold start"), so the decoded bytes of each gzipped IDX file are kept in the
 * per-user cache, never in the user's data folder:
 *
 *   <cacheRoot>/decoded/<SHA-256 of the source's path, device, inode, size, mtime and ctime>.idx
 *
 * Keyed by the file's identity from one stat(), in nanoseconds, not by hashing its bytes: reading and
 * hashing the 26 MB .gz cost ~100 ms a run (fresh memory is slow to fault in on our VMs). Writing or
 * replacing a file changes its ctime, which no user call can set back, so a changed source never hits a
 * stale entry; a touched one only costs one decode.
 * An entry is a 64-byte header — magic 'OLDX', format version, body length, the SHA-256 of the body, the
 * MD5 of the body (what `identify()` compares with the catalogue) — then the decoded IDX bytes. The body's
 * SHA-256 is checked on every load: an entry that is short, foreign or damaged is deleted and rebuilt
 * from the source. Entries are written atomically (util/fs.ts); a cache that cannot be written only costs
 * time.
 */
import { createHash } from 'node:crypto';
import { open, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { makeDirs, writeFileAtomic } from '../util/fs.js';
import { IdxFormatError, isGzip, maybeGunzipAsync } from './idx.js';

const MAGIC = 'OLDX';
const FORMAT = 1;
export const DECODED_HEADER_BYTES = 64;

/** A file's decoded IDX bytes and their MD5, and where they came from. */
export interface DecodedIdx {
  readonly bytes: Uint8Array;
  readonly md5: string;
  /** 'raw' (the file was not gzipped), 'cache' (a verified entry) or 'decoded' (gunzipped now). */
  readonly from: 'raw' | 'cache' | 'decoded';
}

/** The entry for the file at `path` as it is now (one stat). */
export async function decodedCachePath(cacheDir: string, path: string): Promise<string> {
  const s = await stat(path, { bigint: true });
  const identity = [resolve(path), s.dev, s.ino, s.size, s.mtimeNs, s.ctimeNs].join('\0');
  return join(cacheDir, `${createHash('sha256').update(identity).digest('hex')}.idx`);
}

function encodeEntry(body: Uint8Array, md5: string): Buffer {
  const header = Buffer.alloc(DECODED_HEADER_BYTES);
  header.write(MAGIC, 0, 'latin1');
  header.writeUInt32LE(FORMAT, 4);
  header.writeBigUInt64LE(BigInt(body.length), 8);
  createHash('sha256').update(body).digest().copy(header, 16);
  Buffer.from(md5, 'hex').copy(header, 48);
  return Buffer.concat([header, body]);
}

/** The entry's body and MD5 when it is whole and its SHA-256 matches; undefined otherwise. */
function decodeEntry(entry: Buffer): { bytes: Uint8Array; md5: string } | undefined {
  if (entry.length < DECODED_HEADER_BYTES || entry.toString('latin1', 0, 4) !== MAGIC || entry.readUInt32LE(4) !== FORMAT) return undefined;
  if (entry.readBigUInt64LE(8) !== BigInt(entry.length - DECODED_HEADER_BYTES)) return undefined;
  const body = entry.subarray(DECODED_HEADER_BYTES);
  if (!createHash('sha256').update(body).digest().equals(entry.subarray(16, 48))) return undefined;
  return { bytes: body, md5: entry.toString('hex', 48, 64) };
}

/**
 * A whole file, read with one request to libuv's threads rather than readFile's 512 KB chunks, each of which
 * waits for a turn of the event loop: `train` loads its data while the main thread is busy creating
 * sessions, and a 47 MB file took ~90 of those turns.
 */
async function readWhole(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const info = await handle.stat();
    if (!info.isFile()) return await handle.readFile();  // a pipe or device: to its end, as readFile reads
    const size = info.size;
    const bytes = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await handle.read(bytes, done, size - done, done);
      if (bytesRead === 0) break;  // shrank since stat: what was there
      done += bytesRead;
    }
    return bytes.subarray(0, done);
  } finally {
    await handle.close().catch(() => undefined);
  }
}

/**
 * Reads an IDX file (gzipped or raw) as decoded bytes. With `cacheDir`, a gzipped file's decoded bytes
 * come from its verified cache entry, or are gunzipped and stored there for the next run.
 */
export async function readDecodedIdx(path: string, cacheDir: string | undefined): Promise<DecodedIdx> {
  const unreadable = (error: unknown): IdxFormatError =>
    new IdxFormatError(path, `expected a readable IDX file, found ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  const entryPath = cacheDir === undefined ? undefined : await decodedCachePath(cacheDir, path).catch((error: unknown) => { throw unreadable(error); });
  const entry = entryPath === undefined ? undefined : await readWhole(entryPath).catch(() => undefined);
  if (entry !== undefined) {
    const hit = decodeEntry(entry);
    if (hit !== undefined) return { ...hit, from: 'cache' };
    await rm(entryPath!, { force: true }).catch(() => undefined);  // damaged: rebuilt below
  }
  let source: Uint8Array;
  try {
    source = await readWhole(path);
  } catch (error) {
    throw unreadable(error);
  }
  const md5Of = (b: Uint8Array): string => createHash('md5').update(b).digest('hex');
  if (!isGzip(source)) return { bytes: source, md5: md5Of(source), from: 'raw' };
  const bytes = await maybeGunzipAsync(source, path);
  const md5 = md5Of(bytes);
  if (cacheDir !== undefined && entryPath !== undefined) {
    try {
      await makeDirs(cacheDir);
      await writeFileAtomic(entryPath, encodeEntry(bytes, md5));
    } catch {
      // a read-only or full cache only costs time
    }
  }
  return { bytes, md5, from: 'decoded' };
}
