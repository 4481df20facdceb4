/**
 * `onnx-lenet serve`: a small static server (Node's http module) for the page in `web/`, the models,
 * onnxruntime-web's own `.mjs`/`.wasm` files and the bundled digits. It sends the cross-origin-isolation
 * headers that let onnxruntime-web run threads, serves only below its roots, and never reaches the
 * network.
 */
import { readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Route, routeTable, sendBytes, sendError, sendFile } from './routes.js';
import { encodeSample, loadBundledSample, type SampleSplits } from './sample-data.js';
import { packageRoot } from './paths.js';
import { stepModelAt } from './step-models.js';
import { LOSS } from '../graph/contract.js';
import { decodeModel } from '../graph/proto.js';
import { checkInferenceContract } from '../infer/contract-check.js';

export interface ServeOptions {
  /** The inference model, served as `/models/lenet.onnx`. */
  readonly model: string;
  /** Port to listen on; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind, e.g. `127.0.0.1`. */
  readonly host: string;
  /** The train-step model for the page's training panel; default `lenet.train.onnx` next to `model`. */
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
  // With a sweep to show, a missing model only costs the page its predictions; a wrong one is still an error.
  if (sweep !== undefined && statSafe(model) === undefined) {
    warnings.push(`model not found: ${options.model} (build it with: onnx-lenet build-graph --out models); the page cannot predict`);
  } else {
    checkServedModel(options.model, model);
  }
  const trainModel = path.resolve(options.trainModel ?? path.join(path.dirname(model), 'lenet.train.onnx'));
  const trainProblem = trainModelProblem(trainModel);
  if (trainProblem !== undefined) warnings.push(`${trainProblem}: the page's training panel is disabled`);
  // A train model that is not one is not served at all (404), like a missing one.
  const routes = routeTable(packageRoot(), { model, ...(trainProblem === undefined ? { trainModel } : {}) }, sweep);
  const sample = lazy(async () => encodeSample(await (options.loadSample ?? loadBundledSample)()));
  const server = createServer((req, res) => {
    res.on('finish', () => options.onResponse?.(req.method ?? '', req.url ?? '', res.statusCode));
    handle(req, res, routes, sample).catch((error: unknown) => {
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

/** The model must be a regular file holding an ONNX model with the inference contract; else a one-line error. */
function checkServedModel(given: string, model: string): void {
  const info = statSafe(model);
  if (info === undefined) throw new Error(`model not found: ${given} (build it with: onnx-lenet build-graph --out models)`);
  if (!info.isFile()) throw new Error(`--model ${given} is not a file; give an ONNX model such as models/lenet.onnx`);
  checkInferenceContract(given, readFileSync(model));
}

/** Why `file` cannot be the page's train-step model (missing, not a file, not ONNX), or undefined when it can. */
function trainModelProblem(file: string): string | undefined {
  const info = statSafe(file);
  if (info === undefined) return `no train-step model at ${file}`;
  if (!info.isFile()) return `${file} is not a file`;
  try {
    const graph = decodeModel(readFileSync(file), file).graph;
    const names = new Set((graph?.output ?? []).map((o) => o.name));
    if (!names.has(LOSS)) return `${file} is not a train-step model (no loss output)`;
  } catch (error) {
    return (error as Error).message;
  }
  return undefined;
}

function statSafe(file: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(file);
  } catch {
    return undefined;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, routes: readonly Route[], sample: () => Promise<Uint8Array>): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return sendError(res, 405, `method ${req.method ?? '?'} not allowed`);
  }
  const pathname = rawPathname(req.url ?? '/');
  if (pathname === '/data/mnist-sample.bin') return sendBytes(req, res, await sample(), 'application/octet-stream');
  const generated = stepModelAt(pathname);
  if (generated) return sendBytes(req, res, generated, 'application/octet-stream');
  for (const route of routes) {
    if (route.kind === 'file' ? pathname === route.url : pathname.startsWith(route.url)) {
      return sendFile(req, res, route, pathname.slice(route.url.length));
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
