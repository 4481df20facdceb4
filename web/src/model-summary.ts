/**
 * The model summary the page shows: LeNet's layers, their parameter shapes and counts, read from the
 * served ONNX model itself (its float32 initializers and the operators that take them), not from a table.
 * A parameter is a float32 initializer with at least one dimension (scalar constants such as the input
 * normalisation's 0.5 are not learned); parameters group into layers by the name before the last dot
 * (`conv1.weight`, `conv1.bias` → `conv1`), as PyTorch names them.
 */
import { findInitializers, findNodes } from './onnx-weights.js';

export interface LayerSummary {
  readonly name: string;
  /** The operator that takes the layer's parameters (Conv, Gemm, …). */
  readonly op: string;
  /** What the layer maps: "1→6 channels, 5×5" for a convolution, "400→120" for a fully connected one. */
  readonly mapping: string;
  /** Each parameter's shape by its name's last part: weight → [6,1,5,5], bias → [6]. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  readonly parameters: number;
}

export interface ModelSummary {
  readonly layers: readonly LayerSummary[];
  readonly parameters: number;
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

export function summariseModel(model: Uint8Array): ModelSummary {
  const nodes = findNodes(model);
  const layers = new Map<string, { shapes: Record<string, readonly number[]>; names: string[] }>();
  for (const init of findInitializers(model).values()) {
    if (init.dims.length === 0) continue;
    const dot = init.name.lastIndexOf('.');
    const layer = dot > 0 ? init.name.slice(0, dot) : init.name;
    const entry = layers.get(layer) ?? { shapes: {}, names: [] };
    entry.shapes[dot > 0 ? init.name.slice(dot + 1) : 'value'] = init.dims;
    entry.names.push(init.name);
    layers.set(layer, entry);
  }
  if (layers.size === 0) throw new RangeError('the model holds no float32 parameters');
  const summaries = [...layers].map(([name, { shapes, names }]): LayerSummary => {
    // The bias goes straight into its Conv or Gemm; a weight may pass through a Pad first (conv2 on WebGPU).
    const op = names.map((n) => nodes.find((node) => node.inputs.includes(n))?.opType).find((o) => o && o !== 'Pad') ?? '?';
    return { name, op, mapping: mapping(shapes.weight), shapes, parameters: Object.values(shapes).reduce((n, d) => n + product(d), 0) };
  });
  return { layers: summaries, parameters: summaries.reduce((n, l) => n + l.parameters, 0) };
}

function mapping(weight: readonly number[] | undefined): string {
  if (weight?.length === 4) return `${weight[1]}→${weight[0]} channels, ${weight[2]}×${weight[3]}`;
  if (weight?.length === 2) return `${weight[1]}→${weight[0]}`;
  return '';
}

/** Renders the summary into `table` (keeping its caption): layer, operator, mapping, shapes, parameters, the total below. */
export function renderModelSummary(table: HTMLTableElement, summary: ModelSummary): void {
  const shape = (d: readonly number[]): string => d.join('×');
  table.tHead?.remove();
  table.tFoot?.remove();
  for (const body of Array.from(table.tBodies)) body.remove();
  const head = table.createTHead().insertRow();
  for (const title of ['Layer', 'Op', 'Maps', 'Shapes', 'Params']) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = title;
    if (title === 'Params') {
      th.className = 'num';
      th.title = 'Parameters';
    }
    head.append(th);
  }
  const body = table.createTBody();
  for (const layer of summary.layers) {
    const row = body.insertRow();
    const shapes = Object.entries(layer.shapes).map(([k, d]) => `${k} ${shape(d)}`).join(', ');
    for (const [text, cls] of [[layer.name, ''], [layer.op, ''], [layer.mapping, ''], [shapes, ''], [layer.parameters.toLocaleString('en'), 'num']]) {
      const cell = row.insertCell();
      cell.textContent = text;
      if (cls) cell.className = cls;
    }
  }
  const foot = table.createTFoot().insertRow();
  const label = foot.insertCell();
  label.colSpan = 4;
  label.textContent = 'Total';
  const total = foot.insertCell();
  total.className = 'num';
  total.id = 'summary-total';
  total.textContent = summary.parameters.toLocaleString('en');
}
