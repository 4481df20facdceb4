/**
 * `onnx-lenet setup-cuda`: installs onnxruntime-node's CUDA provider by running onnxruntime-node's own
 * installer (script/install.js, manifest `cuda12`). For 1.30 that downloads the NuGet package
 * Microsoft.ML.OnnxRuntime.Gpu.Linux 1.30.0 from api.nuget.org and extracts libonnxruntime_providers_cuda.so,
 * libonnxruntime_providers_shared.so and libonnxruntime_providers_tensorrt.so. The provider is built for
 * CUDA 12.x and cuDNN 9 (ONNX Runtime's CUDA requirements since 1.19; the package links libcudart.so.12,
 * libcublas(Lt).so.12, libcufft.so.11, libcurand.so.10, libcudnn.so.9 — not checked with ldd here, as the
 * library cannot be downloaded on this project's machines; setup-cuda reports what ldd cannot resolve).
 *
 * The installer writes into its own package folder and copies files one by one, and it is skipped silently
 * when npm config says `onnxruntime-node-install=skip`, and npm ≥ 11.16 denies it through package.json's
 * `allowScripts`. So it runs on a staged copy
 * of the script folder with the install flag forced, and only when all files arrived are they moved into
 * onnxruntime-node's bin folder; on any failure that folder is left as it was.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CUDA_PROVIDER_FILES, ortPackageDir, unresolvedLibraries } from './ort-paths.js';

export interface SetupCudaOptions {
  /** onnxruntime-node's package folder (default: the installed one). */
  readonly packageDir?: string;
  /** Receives the installer's output, line by line. */
  readonly log?: (line: string) => void;
  readonly timeoutMs?: number;
}

export interface SetupCudaResult {
  readonly binDir: string;
  readonly installed: readonly string[];
  /** Libraries the CUDA provider links against that the loader cannot find (CUDA 12, cuDNN 9, driver). */
  readonly unresolved: readonly string[];
}

export const CUDA_REQUIREMENTS = 'an NVIDIA driver, the CUDA 12.x runtime libraries (cudart, cuBLAS, cuFFT, cuRAND) and cuDNN 9';

/** The node_modules folders that hold the installer's own dependencies (adm-zip, global-agent). */
function installerNodePath(): string {
  const req = createRequire(join(ortPackageDir(), 'package.json'));
  const dirs = ['adm-zip', 'global-agent'].map((m) => {
    const resolved = req.resolve(m);
    return resolved.slice(0, resolved.lastIndexOf('/node_modules/') + '/node_modules'.length);
  });
  return [...new Set(dirs)].join(':');
}

function runInstaller(script: string, nodePath: string, log: (line: string) => void, timeoutMs: number): Promise<{ code: number | null; output: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, ONNXRUNTIME_NODE_INSTALL: 'cuda12', NODE_PATH: nodePath };
  // Under npm (`npx onnx-lenet setup-cuda`, `npm test`) npm_config_local_prefix and npm_package_json make
  // the installer take itself for a local `npm ci` and exit 0 at once, having fetched nothing (its flag
  // parser returns undefined for 'cuda12'): drop them too.
  for (const key of ['npm_config_onnxruntime_node_install', 'ONNXRUNTIME_NODE_INSTALL_CUDA', 'npm_config_onnxruntime_node_install_cuda', 'npm_config_local_prefix', 'npm_package_json']) delete env[key];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script, '--onnxruntime-node-install=cuda12'], { env, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let output = '';
    const take = (chunk: Buffer): void => {
      output += chunk.toString();
      for (const line of chunk.toString().split('\n')) if (line.trim()) log(line);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (error) => resolve({ code: null, output: `${output}${error.message}\n` }));
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** Why the installer failed, in one line, from its output. */
function failureReason(code: number | null, output: string): string {
  const line = output.split('\n').map((l) => l.trim()).find((l) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|^Error|Failed/.test(l));
  if (line) return line.replace(/^Error:\s*/, '');
  return code === null ? 'the installer did not finish' : `the installer exited with code ${code} without installing the files`;
}

/**
 * Moves `files` from `stageBin` into `binDir`: all of them, or (on any error) none, restoring what was there.
 */
export function installStagedFiles(stageBin: string, binDir: string, files: readonly string[]): void {
  const missing = files.filter((f) => !existsSync(join(stageBin, f)));
  if (missing.length > 0) throw new Error(`the installer did not produce ${missing.join(', ')}`);
  const temps: string[] = [];
  const backups: [string, string][] = [];
  const moved: string[] = [];
  try {
    for (const f of files) {
      const tmp = join(binDir, `.${f}.setup-cuda-tmp`);
      temps.push(tmp);
      copyFileSync(join(stageBin, f), tmp);
    }
    for (const f of files) {
      const target = join(binDir, f);
      if (!existsSync(target)) continue;
      renameSync(target, `${target}.setup-cuda-bak`);
      backups.push([target, `${target}.setup-cuda-bak`]);
    }
    files.forEach((f, k) => {
      renameSync(temps[k] as string, join(binDir, f));
      moved.push(join(binDir, f));
    });
  } catch (error) {
    for (const target of moved) rmSync(target, { force: true });
    for (const [target, backup] of backups) renameSync(backup, target);
    for (const tmp of temps) rmSync(tmp, { force: true });
    throw error;
  }
  for (const [, backup] of backups) rmSync(backup, { force: true });
}

/** Runs onnxruntime-node's installer for the CUDA 12 provider; throws a one-line error if it cannot. */
export async function setupCuda(options: SetupCudaOptions = {}): Promise<SetupCudaResult> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`setup-cuda: onnxruntime-node ships a CUDA provider for linux/x64 only, not ${process.platform}/${process.arch}`);
  }
  const packageDir = options.packageDir ?? ortPackageDir();
  const binDir = join(packageDir, 'bin', 'napi-v6', 'linux', 'x64');
  const version = (JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { version: string }).version;
  const stage = mkdtempSync(join(tmpdir(), 'onnx-lenet-setup-cuda-'));
  try {
    const stagePkg = join(stage, 'onnxruntime-node');
    cpSync(join(packageDir, 'script'), join(stagePkg, 'script'), { recursive: true });
    copyFileSync(join(packageDir, 'package.json'), join(stagePkg, 'package.json'));
    const stageBin = join(stagePkg, 'bin', 'napi-v6', 'linux', 'x64');
    mkdirSync(stageBin, { recursive: true });
    const { code, output } = await runInstaller(join(stagePkg, 'script', 'install.js'), installerNodePath(), options.log ?? (() => {}), options.timeoutMs ?? 600_000);
    const produced = CUDA_PROVIDER_FILES.every((f) => existsSync(join(stageBin, f)));
    if (code !== 0 || !produced) {
      throw new Error(
        `setup-cuda: onnxruntime-node's installer could not fetch the CUDA provider (${failureReason(code, output)}). ` +
          `It downloads Microsoft.ML.OnnxRuntime.Gpu.Linux ${version} from api.nuget.org, so it needs network access ` +
          `(behind a proxy set GLOBAL_AGENT_HTTPS_PROXY); running on the GPU then needs ${CUDA_REQUIREMENTS}. ` +
          `Nothing in ${binDir} was changed.`,
      );
    }
    installStagedFiles(stageBin, binDir, CUDA_PROVIDER_FILES);
    return { binDir, installed: [...CUDA_PROVIDER_FILES], unresolved: unresolvedLibraries(join(binDir, CUDA_PROVIDER_FILES[1])) };
  } finally {
    rmSync(stage, { recursive: true, force: true });
  }
}
