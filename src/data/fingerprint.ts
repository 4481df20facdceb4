/**
 * The training data's fingerprint, which checkpoints keep (checkpoint-meta.ts `dataFingerprint`) so that a
 * resumed run refuses other data: the MD5 of a split's labels and images.
 *
 * Hashing Fashion-MNIST's 47 MB took ~66 ms of every `train` start (docs/benchmarks.md, "Cold start"), so
 * a whole training split loaded from IDX files takes its fingerprint from a record in the decoded-IDX
 * cache folder, found by the MD5s of the two decoded files it was parsed from (which the loader has
 * anyway: decoded-cache.ts) and checked by its own SHA-256:
 *
 *   <cacheDir>/<SHA-256 of the key>.fingerprint = "<fingerprint>\n<SHA-256 of the key and the fingerprint>\n"
 *
 * As safe as hashing: the same two files (by MD5, the fingerprint's own measure) give the same split, so the
 * same fingerprint; a missing, damaged or foreign record is recomputed and rewritten.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { makeDirs, writeFileAtomic } from '../util/fs.js';
import type { Split } from './types.js';

/** Change it whenever splitFingerprint's definition changes: records of the old one are then never found. */
const RECORD_VERSION = 'split-fingerprint-1';

/** Fingerprints of splits that came with one (whole splits as loaded, never a split made from them). */
const known = new WeakMap<Split, string>();

/** MD5 of a split's labels and images: tells a checkpoint's training data from other data of the same size. */
export function splitFingerprint(split: Split): string {
  return known.get(split) ?? md5Of(split);
}

function md5Of(split: Split): string {
  return createHash('md5').update(split.labels).update(split.images).digest('hex');
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** The record's file and the text it must hold for `fingerprint`. */
function record(cacheDir: string, labelsMd5: string, imagesMd5: string): { file: string; text: (fingerprint: string) => string } {
  const key = `${RECORD_VERSION}\0${labelsMd5}\0${imagesMd5}`;
  return { file: join(cacheDir, `${sha256(key)}.fingerprint`), text: (fp) => `${fp}\n${sha256(`${key}\0${fp}`)}\n` };
}

/**
 * Gives `split` — the whole split parsed from the decoded IDX files whose MD5s are `labelsMd5` and
 * `imagesMd5` — its fingerprint: from its record in `cacheDir`, else hashed now and recorded there (a cache
 * that cannot be written only costs the hashing next time).
 */
export async function fingerprintFromCache(split: Split, labelsMd5: string, imagesMd5: string, cacheDir: string): Promise<void> {
  const { file, text } = record(cacheDir, labelsMd5, imagesMd5);
  const found = await readFile(file, 'latin1').catch(() => '');
  const value = found.slice(0, 32);
  if (/^[0-9a-f]{32}$/.test(value) && found === text(value)) {
    known.set(split, value);
    return;
  }
  const fingerprint = md5Of(split);
  known.set(split, fingerprint);
  try {
    await makeDirs(cacheDir);
    await writeFileAtomic(file, text(fingerprint));
  } catch {
    // a read-only or full cache only costs time
  }
}
