/**
 * `onnx-lenet serve`: a small static server (Node's http module) for the page in `web/`, the models,
 * onnxruntime-web's own `.mjs`/`.wasm` files and the bundled digits. It sends the cross-origin-isolation
 * headers that let onnxruntime-web run threads, serves only below its roots, and never reaches the
 * network.
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { EncodedBodies } from './caching.js';
import { type MemoryBody, type Route, routeTable, sendBytes, sendError, sendFile } from './routes.js';
import { METRICS_URL, readRunMetrics } from './run-metrics.js';
import { encodeSample, loadBundledSample, type SampleSplits } from './sample-data.js';
import { packageRoot } from './paths.js';
import { GRADIENT_MODEL_URL } from './model-urls.js';
import { buildGradientModel } from '../graph/models.js';
import { encodeModel } from '../graph/proto.js';
import { trainModelSource } from './train-model.js';
import { checkInferenceContract } from '../infer/contract-check.js';

export interface ServeOptions {
  /** The inference model, served as `/models/lenet.onnx`. */
  readonly model: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind, e.g. `127.0.0.1`. */
  readonly host: string;
  /**
   * The train-step model for the page's training panel; default `lenet.train.onnx` next to `model`, and
   * without one LeNet-5's built in memory (train-model.ts).
   */
  readonly trainModel?: string;
  /** Loads the digits behind `/data/mnist-sample.bin`; default: the data layer's `mnist-sample`. */
  readonly loadSample?: () => Promise<SampleSplits>;
  /**
   * A sweep's folder (`onnx-lenet sweep --out`): its report is served as `/sweep.html` and its files
   * below `/sweep/` (sweep.json, trials/…/metrics.json). With it, a missing model is a warning, not an error.
   */
  readonly sweep?: string;
  /** Called after each response, e.g. for a request log. */
  readonly onResponse?: (method: string, url: string, status: number) => void;
}

export interface RunningServer {
  /** `http://host:port/`, with the port actually bound. */
  readonly url: string;
  readonly port: number;
  /** Things the page will lack (for instance no train-step model), as one-line messages. */
  readonly warnings: readonly string[];
  close(): Promise<void>;
}

/** Starts the server; rejects with a one-line message when the model is missing or the port is taken. */
export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const model = path.resolve(options.model);
  const sweep = options.sweep !== undefined ? path.resolve(options.sweep) : undefined;
  if (sweep !== undefined && !statSafe(path.join(sweep, 'sweep.html'))?.isFile()) {
    throw new Error(`no sweep report in '${options.sweep}' (sweep.html is written by: onnx-lenet sweep --out ${options.sweep})`);
  }
  const warnings: string[] = [];
  let modelBytes: Uint8Array | undefined;
  // With a sweep to show, a missing model only costs the page its predictions; a wrong one is still an error.
  if (sweep !== undefined && statSafe(model) === undefined) {
    warnings.push(`model not found: ${options.model} (train one with: onnx-lenet train, or write an untrained one with: onnx-lenet build-graph --out models); the page cannot predict`);
  } else {
    modelBytes = checkServedModel(options.model, model);
  }
  const train = trainModelSource(model, modelBytes, options.trainModel);
  if (train.warning !== undefined) warnings.push(train.warning);
  // A train model that is not one is not served at all (404), like a missing one.
  const routes = routeTable(packageRoot(), { model, ...(train.kind === 'file' ? { trainModel: train.file } : {}) }, sweep);
  const sample = lazy(async () => memoryBody(encodeSample(await (options.loadSample ?? loadBundledSample)()), 'application/octet-stream', true));
  const memoryRoutes: Route[] = [
    // 8,000 + 2,000 digits of 784 bytes, mostly zero: 7.9 MB, 1.6 MB gzipped, 1.5 MB with brotli.
    { kind: 'memory', url: '/data/mnist-sample.bin', body: sample },
    ...(train.kind === 'built' ? [{ kind: 'memory', url: '/models/lenet.train.onnx', body: lazy(async () => memoryBody(train.bytes, 'application/octet-stream')) } as const] : []),
    { kind: 'memory', url: METRICS_URL, body: () => runMetricsBody(model) },
    // LeNet's gradient model for the page's training workers (the data-parallel step), built on first request.
    { kind: 'memory', url: GRADIENT_MODEL_URL, body: lazy(async () => memoryBody(encodeModel(buildGradientModel()), 'application/octet-stream')) },
  ];
  if (modelBytes !== undefined) {
    const run = await readRunMetrics(model, modelBytes);
    if ('problem' in run) warnings.push(`${run.problem}; the page shows no training curves`);
  }
  const bodies = new EncodedBodies();
  const server = createServer((req, res) => {
    res.on('finish', () => options.onResponse?.(req.method ?? '', req.url ?? '', res.statusCode));
    handle(req, res, [...memoryRoutes, ...routes], bodies).catch((error: unknown) => {
      if (!res.headersSent) sendError(res, 500, error instanceof Error ? error.message : String(error));
      else res.destroy();
    });
  });
  const port = await listen(server, options.port, options.host);
  const hostInUrl = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${hostInUrl}:${port}/`,
    port,
    warnings,
    close: () => closeServer(server),
  };
}

/** The model must be a regular file holding an ONNX model with the inference contract; else a one-line error. Returns its bytes. */
function checkServedModel(given: string, model: string): Uint8Array {
  const info = statSafe(model);
  if (info === undefined) throw new Error(`model not found: ${given} (train one with: onnx-lenet train, or write an untrained one with: onnx-lenet build-graph --out models)`);
  if (!info.isFile()) throw new Error(`--model ${given} is not a file; give an ONNX model such as models/lenet.onnx`);
  const bytes = readFileSync(model);
  checkInferenceContract(given, bytes);
  return bytes;
}

function memoryBody(bytes: Uint8Array, contentType: string, compressible?: boolean): MemoryBody {
  const version = createHash('sha256').update(bytes).digest('base64url').slice(0, 22);
  return { bytes, version, contentType, ...(compressible !== undefined ? { compressible } : {}) };
}

/**
 * The served model's metrics.json, checked, read at each request: a `train` still running in the
 * folder adds an epoch to both files, and the page shows the run as it is now. None (404) when there is
 * none or it is not this model's (the start-up warning said why).
 */
async function runMetricsBody(model: string): Promise<MemoryBody | undefined> {
  const bytes = await readFile(model).catch(() => undefined);
  if (bytes === undefined) return undefined;
  const run = await readRunMetrics(model, bytes).catch(() => ({ absent: true } as const));
  if (!('metrics' in run)) return undefined;
  return memoryBody(Buffer.from(JSON.stringify(run.metrics)), 'application/json; charset=utf-8');
}

function statSafe(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: readonly Route[], bodies: EncodedBodies): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendError(res, 405, `method ${req.method ?? '?'} not allowed`);
  }
  const pathname = rawPathname(req.url ?? '/');
  for (const route of routes) {
    if (route.kind === 'memory') {
      if (pathname !== route.url) continue;
      const body = await route.body();
      return body === undefined ? sendError(res, 404, 'not found') : sendBytes(req, res, route.url, body, bodies);
    }
    if (route.kind === 'file' ? pathname === route.url : pathname.startsWith(route.url)) {
      return sendFile(req, res, route, pathname.slice(route.url.length), bodies);
    }
  }
  sendError(res, 404, 'not found');
}

/** The path part of the request target, still percent-encoded (decoding happens per route). */
function rawPathname(target: string): string {
  const end = target.search(/[?#]/);
  const pathname = end < 0 ? target : target.slice(0, end);
  return pathname.startsWith('/') ? pathname : `/${pathname}`;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new Error(`port ${port} on ${host} is already in use; choose another with --port`));
      else if (error.code === 'EACCES') reject(new Error(`no permission to listen on port ${port} on ${host}; choose another with --port`));
      else reject(error);
    });
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    server.closeAllConnections();
  });
}

/** Runs `make` once, on first use, and shares the promise (a failure is retried next time). */
function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= make().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
