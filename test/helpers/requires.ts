/**
 * The one way a test depends on something outside npm (Chromium, a Vulkan driver, PyTorch, ONNX's checker,
 * Debian's Fashion-MNIST): `requireDependency`. On a developer's machine without it the test is skipped
 * with a visible reason; under CI (`CI` set, as `.ci/run` runs) a missing dependency is a failure that
 * names it, so a test can never vanish from CI by skipping.
 *
 * To check that, hide a dependency from one run:
 *   ONNX_LENET_TEST_HIDE=chromium,torch,onnx,fashion-mnist,vulkan npx vitest run <file>
 * (`vulkan` hides the machine's Vulkan drivers from this process and its children, as
 * `VK_ICD_FILENAMES=/nonexistent.json VK_DRIVER_FILES=/nonexistent.json` does.)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** The dependencies a test may need; the names ONNX_LENET_TEST_HIDE takes. */
export const DEPENDENCIES = {
  chromium: 'Debian\'s Chromium (/usr/bin/chromium): apt-get install chromium',
  vulkan: 'a WebGPU adapter (without a GPU: Mesa\'s lavapipe, apt-get install -t bookworm-backports mesa-vulkan-drivers; docs/webgpu.md)',
  torch: 'PyTorch for /usr/bin/python3: apt-get install python3-torch',
  onnx: 'ONNX\'s checker for /usr/bin/python3: apt-get install python3-onnx',
  'fashion-mnist': 'Debian\'s Fashion-MNIST in /usr/share/datasets/fashion-mnist: apt-get install dataset-fashion-mnist',
} as const;
export type Dependency = keyof typeof DEPENDENCIES;

export const PYTHON = '/usr/bin/python3';
export const CHROMIUM = '/usr/bin/chromium';
export const DEBIAN_FASHION = '/usr/share/datasets/fashion-mnist';

const HIDDEN: ReadonlySet<string> = new Set((process.env.ONNX_LENET_TEST_HIDE ?? '').split(',').map((s) => s.trim()).filter(Boolean));
for (const name of HIDDEN) if (!(name in DEPENDENCIES)) throw new Error(`ONNX_LENET_TEST_HIDE: unknown dependency '${name}' (known: ${Object.keys(DEPENDENCIES).join(', ')})`);

/** Whether ONNX_LENET_TEST_HIDE hides `name` from this run. */
export const hidden = (name: Dependency): boolean => HIDDEN.has(name);

if (hidden('vulkan')) {
  // Before anything creates a WebGPU adapter; inherited by Chromium and child processes.
  process.env.VK_ICD_FILENAMES = '/nonexistent.json';
  process.env.VK_DRIVER_FILES = '/nonexistent.json';
}

/** CI as `.ci/run` sets it (and most CI services): any value but '', '0' and 'false'. */
export const ON_CI = !['', '0', 'false'].includes((process.env.CI ?? '').toLowerCase());

/** Thrown under CI for a missing dependency: the test fails, naming it. */
export class MissingDependencyError extends Error {
  override name = 'MissingDependencyError';
}

/**
 * `missing` is null when the dependency is there, else why not (or `true` when there is nothing more to
 * say). Returns null when it is there; the skip reason when it is not on a developer's machine (also
 * printed); throws MissingDependencyError under CI.
 */
export function requireDependency(name: Dependency, missing: string | boolean | null, howToInstall: string = DEPENDENCIES[name]): string | null {
  if (missing === null || missing === false) return null;
  const why = hidden(name) ? 'hidden by ONNX_LENET_TEST_HIDE' : missing === true ? 'not found' : missing;
  const text = `missing dependency '${name}' (${why}); install ${howToInstall}`;
  if (ON_CI) throw new MissingDependencyError(`${text}. CI=${process.env.CI} requires it: the tests that need it may not be skipped`);
  console.warn(`SKIPPED: ${text}`);
  return text;
}

// ----- probes, each honouring ONNX_LENET_TEST_HIDE -----

/** Why Chromium cannot be launched here, or null. */
export function chromiumMissing(): string | null {
  if (hidden('chromium')) return 'hidden';
  return existsSync(CHROMIUM) ? null : `${CHROMIUM} does not exist`;
}

/** Why Debian's Fashion-MNIST folder is not there, or null. */
export function fashionMnistMissing(): string | null {
  if (hidden('fashion-mnist')) return 'hidden';
  return existsSync(DEBIAN_FASHION) ? null : `${DEBIAN_FASHION} does not exist`;
}

let shim: string | undefined;
/**
 * The environment for running /usr/bin/python3 in tests: with the hidden Python modules (`torch`, `onnx`)
 * shadowed on PYTHONPATH by packages whose import fails, exactly as if they were not installed.
 */
export function pythonEnv(): NodeJS.ProcessEnv {
  const modules = (['torch', 'onnx'] as const).filter(hidden);
  if (modules.length === 0) return process.env;
  if (!shim) {
    shim = mkdtempSync(path.join(tmpdir(), 'onnx-lenet-hide-'));
    for (const m of modules) {
      mkdirSync(path.join(shim, m));
      writeFileSync(path.join(shim, m, '__init__.py'), `raise ImportError("No module named '${m}' (hidden by ONNX_LENET_TEST_HIDE)")\n`);
    }
  }
  return { ...process.env, PYTHONPATH: [shim, process.env.PYTHONPATH].filter(Boolean).join(path.delimiter) };
}

/** Why /usr/bin/python3 cannot `import <module>`, or null. */
export function pythonModuleMissing(module: 'torch' | 'onnx'): string | null {
  const r = spawnSync(PYTHON, ['-c', `import ${module}`], { encoding: 'utf8', env: pythonEnv() });
  if ((r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT') return `${PYTHON} not found`;
  if (r.status === 0) return null;
  return r.stderr.trim().split('\n').at(-1) || `import ${module} exited with ${r.status}`;
}

/**
 * Inside a test: skips it (with the reason) when `name` is missing on a developer's machine, fails it
 * under CI. `needs(ctx, 'fashion-mnist', fashionMnistMissing())`.
 */
export function needs(ctx: { skip(note?: string): never }, name: Dependency, missing: string | boolean | null): void {
  const skip = requireDependency(name, missing);
  if (skip !== null) ctx.skip(skip);
}
