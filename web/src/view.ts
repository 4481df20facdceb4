/** Small DOM helpers: the probability bars, the 28×28 preview, the error banner, fetching and downloading bytes. */

export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const element = document.getElementById(id);
  if (!(element instanceof type)) throw new Error(`the page lacks its #${id} element`);
  return element;
}

/** Builds the ten rows (digit, bar, percentage) inside `list`; returns a function that updates them. */
export function createBars(list: HTMLElement): (probabilities: Float32Array | null) => void {
  const rows = Array.from({ length: 10 }, (_, digit) => {
    const row = document.createElement('li');
    row.className = 'bar-row';
    row.innerHTML = `<span class="bar-digit">${digit}</span><span class="bar-track"><span class="bar-fill"></span></span><span class="bar-value">–</span>`;
    list.append(row);
    return { row, fill: row.querySelector<HTMLElement>('.bar-fill')!, value: row.querySelector<HTMLElement>('.bar-value')! };
  });
  return (probabilities) => {
    const best = probabilities ? probabilities.indexOf(Math.max(...probabilities)) : -1;
    rows.forEach(({ row, fill, value }, digit) => {
      const p = probabilities ? probabilities[digit] : 0;
      fill.style.width = `${(p * 100).toFixed(1)}%`;
      value.textContent = probabilities ? `${(p * 100).toFixed(1)}%` : '–';
      row.classList.toggle('best', digit === best);
      row.dataset.p = String(p);
    });
  };
}

/** Paints the model's 28×28 input (white ink on black, as MNIST) onto the preview canvas. */
export function renderPreview(canvas: HTMLCanvasElement, pixels: Float32Array): void {
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const image = ctx.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(pixels[i] * 255);
    image.data.set([v, v, v, 255], i * 4);
  }
  ctx.putImageData(image, 0, 0);
}

/**
 * Shows `message` in the page's error banner (and the console); null hides it. `source` tags the message
 * so that the thing that failed can clear its own error once it works again (a later upload or drawing
 * clears a failed upload's message) without hiding anyone else's: `showError(null, undefined, 'upload')`
 * hides the banner only if it shows an 'upload' error. Without a source, null hides any message.
 */
export function showError(message: string | null, error?: unknown, source = ''): void {
  const banner = document.getElementById('error');
  if (message !== null) console.error(message, error ?? '');
  if (!banner) return;
  if (message === null && source !== '' && banner.dataset.source !== source) return;
  banner.hidden = message === null;
  banner.textContent = message ?? '';
  banner.dataset.source = message === null ? '' : source;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Fetches a file the server hands out, with a clear message when it is missing. */
export async function fetchBytes(url: string, what: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    throw new Error(`could not fetch ${what} (${url}): ${errorText(error)}`);
  }
  if (!response.ok) throw new Error(`could not load ${what}: ${url} answered ${response.status} ${response.statusText}`);
  return new Uint8Array(await response.arrayBuffer());
}

/** Hands `bytes` to the browser as a download named `filename`. */
export function downloadBytes(bytes: Uint8Array, filename: string): void {
  const url = URL.createObjectURL(new Blob([bytes.slice().buffer as ArrayBuffer], { type: 'application/octet-stream' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
