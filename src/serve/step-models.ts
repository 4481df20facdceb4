/**
 * The models behind model-urls.ts, built by the graph builder on first request and kept: LeNet's
 * gradient model (the one Node's CPU trainer runs per thread) and flat Adam models. A flat Adam request
 * is limited to LeNet's parameter count and 64 parts, so a client cannot make the server build (and keep)
 * big or many models.
 */
import { buildFlatAdamModel, buildGradientModel } from '../graph/models.js';
import { PARAM_COUNT } from '../graph/params.js';
import { encodeModel } from '../graph/proto.js';
import { GRADIENT_MODEL_URL, parseFlatAdamUrl } from './model-urls.js';

export const MAX_PARTS = 64;
/** Models kept once built (a page asks for the gradient model and at most two flat Adam sizes per worker count). */
const KEEP = 32;
const built = new Map<string, Uint8Array>();

/** The bytes of the generated model at `pathname`, or undefined when it names none (or one out of bounds). */
export function stepModelAt(pathname: string): Uint8Array | undefined {
  const cached = built.get(pathname);
  if (cached) return cached;
  let bytes: Uint8Array | undefined;
  if (pathname === GRADIENT_MODEL_URL) bytes = encodeModel(buildGradientModel());
  else {
    const adam = parseFlatAdamUrl(pathname);
    if (adam && adam.length <= PARAM_COUNT && adam.parts <= MAX_PARTS) bytes = encodeModel(buildFlatAdamModel(adam.length, adam.parts));
  }
  if (bytes && built.size < KEEP) built.set(pathname, bytes);
  return bytes;
}
