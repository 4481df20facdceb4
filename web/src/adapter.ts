/**
 * Which WebGPU adapter this browser offers, and whether it is a software one (SwiftShader, llvmpipe,
 * WARP: the GPU emulated on the CPU). On such an adapter onnxruntime-web's WebGPU backend trains LeNet
 * at ~17 images/s where WASM does thousands, so the page says so and recommends WASM (issue 15, item 9).
 */

/** What `GPUAdapterInfo` says (the fields the page reads), and the older `adapter.isFallbackAdapter`. */
export interface AdapterInfo {
  readonly vendor?: string;
  readonly architecture?: string;
  readonly device?: string;
  readonly description?: string;
  readonly isFallbackAdapter?: boolean;
}

export interface AdapterSummary {
  /** "google swiftshader", "nvidia ampere", or "unknown adapter". */
  readonly name: string;
  readonly software: boolean;
}

const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|basic render|software/i;

/** A fallback adapter, or one whose info names a CPU rasteriser. */
export function isSoftwareAdapter(info: AdapterInfo): boolean {
  if (info.isFallbackAdapter === true) return true;
  return [info.vendor, info.architecture, info.device, info.description].some((s) => s !== undefined && SOFTWARE.test(s));
}

export function summarizeAdapter(info: AdapterInfo): AdapterSummary {
  const name = [info.vendor, info.architecture].filter((s) => s !== undefined && s !== '').join(' ') || info.description || 'unknown adapter';
  return { name, software: isSoftwareAdapter(info) };
}

interface GpuAdapterLike {
  readonly info?: AdapterInfo;
  readonly isFallbackAdapter?: boolean;
}

/** The adapter `navigator.gpu` gives by default, summarised; null when there is none. */
export async function webgpuAdapter(): Promise<AdapterSummary | null> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<GpuAdapterLike | null> } }).gpu;
  if (!gpu) return null;
  const adapter = await gpu.requestAdapter().catch(() => null);
  if (!adapter) return null;
  const info = adapter.info ?? {};
  return summarizeAdapter({
    vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description,
    isFallbackAdapter: info.isFallbackAdapter ?? adapter.isFallbackAdapter,
  });
}

/** The warning shown while WebGPU is chosen on a software adapter. */
export function softwareAdapterWarning(adapter: AdapterSummary): string {
  return `WebGPU here is a software adapter (${adapter.name}: the GPU emulated on the CPU), far slower than WASM: ` +
    'training runs at a few dozen images/s instead of thousands. Choose WASM.';
}

/** Looks at the adapter once; on a software one, labels the backend choice's WebGPU option. Returns it (null: none). */
export async function labelSoftwareAdapter(select: HTMLSelectElement): Promise<AdapterSummary | null> {
  const adapter = await webgpuAdapter();
  const option = select.querySelector<HTMLOptionElement>('option[value="webgpu"]');
  if (adapter?.software && option) option.textContent = 'WebGPU (software: slow)';
  return adapter;
}

/** Shows `warning` while the backend in use is WebGPU on a software adapter; hides it otherwise. */
export function updateAdapterWarning(warning: HTMLElement, adapter: AdapterSummary | null, backendInUse: string | undefined): void {
  const show = adapter !== null && adapter.software && backendInUse === 'webgpu';
  warning.hidden = !show;
  warning.textContent = show ? softwareAdapterWarning(adapter) : '';
}
