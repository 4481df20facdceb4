/**
 * The graph builder: a tape that records ONNX nodes as ops are called.
 *
 * Ops are functions (see ops.ts) that take values and return new values; each value remembers its tape,
 * dtype and shape, so mistakes surface at build time with the op's name and the shapes involved.
 * Intermediates get generated names (`v12`); only graph inputs, outputs and initializers carry names a
 * person chose. `toModel()` writes the protobuf through onnx-proto.
 */
import { type AttributeProto, type IDimension, type ModelProto, type NodeProto, type ValueInfoProto, onnx } from './proto.js';
import { type DType, dataTypeCode } from './dtype.js';
import { type Dim, type Shape, formatShape, shapeError } from './shape.js';
import { type HostTensor, float32Tensor, int64Tensor, toTensorProto } from './tensor.js';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version.js';

export const OPSET = 17;
/** IR version 8: the newest onnx-proto 8.0.1 (ONNX 1.10) can describe, accepted by ONNX 1.12 and ORT. */
export const IR_VERSION = 8;

export interface Value {
  readonly tape: Tape;
  readonly name: string;
  readonly dtype: DType;
  /**
   * The shape the ops check against. A node recorded without output shapes (`Tape.node`) gives values whose
   * shape the tape does not know: `[]` here, written without a shape, and usable only as graph outputs.
   */
  readonly shape: Shape;
}

export interface TapeOptions {
  /** Version of the default ONNX domain the model imports; default OPSET, which the ops in ops.ts are written for. */
  readonly opset?: number;
}

export type AttributeValue = number | string | readonly number[] | readonly string[] | { readonly float: number };

export interface NodeRecord {
  readonly opType: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, AttributeValue>>;
}

export class Tape {
  readonly nodes: NodeRecord[] = [];
  private readonly inputs: Value[] = [];
  private readonly outputs: Value[] = [];
  private readonly initializers = new Map<string, HostTensor>();
  private readonly values = new Map<string, Value>();
  private readonly constants = new Map<string, Value>();
  /** node results renamed to the output names they are published under */
  private readonly renames = new Map<string, string>();
  /** values of unknown shape (see Value.shape) */
  private readonly unshaped = new Set<string>();
  private counter = 0;
  readonly opset: number;

  constructor(readonly graphName: string, options: TapeOptions = {}) {
    this.opset = options.opset ?? OPSET;
  }

  /** Declares a named graph input. */
  input(name: string, dtype: DType, shape: Shape): Value {
    const value = this.declare(name, dtype, shape);
    this.inputs.push(value);
    return value;
  }

  /** A named initializer (a weight baked into the model). */
  initializer(name: string, tensor: HostTensor): Value {
    const value = this.declare(name, tensor.dtype, tensor.dims);
    this.initializers.set(name, tensor);
    return value;
  }

  /** A float32 constant; identical constants are shared. */
  constant(values: readonly number[], dims: readonly number[] = values.length === 1 ? [] : [values.length]): Value {
    return this.sharedConstant(`f:${dims.join('x')}:${values.join(',')}`, () => float32Tensor(dims, values));
  }

  /** An int64 constant for shape-like inputs (axes, pads, Reshape shapes): read on the host by every EP. */
  int64s(values: readonly number[]): Value {
    return this.sharedConstant(`i64:${values.join(',')}`, () => int64Tensor([values.length], values));
  }

  /** A constant of any dtype and shape, e.g. a mask; not shared. */
  tensor(tensor: HostTensor): Value {
    return this.initializer(this.freshName('const'), tensor);
  }

  /**
   * Marks `value` as a graph output called `name`. A node's result is renamed in place; an input,
   * initializer or value that is already an output gets an Identity node instead.
   */
  output(value: Value, name: string): Value {
    this.assertOwn('output', value);
    if (this.values.has(name) && value.name !== name) throw new Error(`output name '${name}' is already used in graph '${this.graphName}'`);
    const produced = this.nodes.some((n) => n.outputs.includes(value.name));
    const renamable = produced && !this.renames.has(value.name) && !this.outputs.some((o) => o.name === value.name);
    let out: Value;
    if (value.name === name) out = value;
    else if (renamable) {
      this.renames.set(value.name, name);
      out = this.declare(name, value.dtype, value.shape, this.unshaped.has(value.name));
    } else {
      out = this.declare(name, value.dtype, value.shape, this.unshaped.has(value.name));
      this.nodes.push({ opType: 'Identity', inputs: [value.name], outputs: [name], attributes: {} });
    }
    this.outputs.push(out);
    return out;
  }

  /**
   * Records a node; the op functions in ops.ts call this after checking shapes. An output given without a
   * shape has an unknown one (one-node probe models of any op: src/runtime/tiny-model.ts).
   */
  node(opType: string, inputs: readonly (Value | undefined)[], outputs: readonly { dtype: DType; shape?: Shape }[],
    attributes: Readonly<Record<string, AttributeValue>> = {}): Value[] {
    for (const v of inputs) {
      if (!v) continue;
      this.assertOwn(opType, v);
      if (this.unshaped.has(v.name)) shapeError(opType, `the shape of '${v.name}' is unknown, so it can only be a graph output`);
    }
    const outs = outputs.map((o) => this.declare(this.freshName('v'), o.dtype, o.shape ?? [], o.shape === undefined));
    this.nodes.push({ opType, inputs: inputs.map((v) => v?.name ?? ''), outputs: outs.map((v) => v.name), attributes });
    return outs;
  }

  /** The ModelProto, keeping only the nodes and initializers the outputs depend on. */
  toModel(docString = ''): ModelProto {
    const rename = (n: string): string => this.renames.get(n) ?? n;
    const nodes = this.liveNodes().map((n) => ({ ...n, inputs: n.inputs.map(rename), outputs: n.outputs.map(rename) }));
    const used = new Set(nodes.flatMap((n) => n.inputs));
    const renamed = new Set(this.renames.keys());
    const produced = new Set(nodes.flatMap((n) => n.outputs));
    const valueInfo = (v: Value): ValueInfoProto => valueInfoProto(v, !this.unshaped.has(v.name));
    const graph = onnx.GraphProto.create({
      name: this.graphName,
      node: nodes.map(nodeProto),
      input: this.inputs.map(valueInfo),
      output: this.outputs.map(valueInfo),
      initializer: [...this.initializers].filter(([name]) => used.has(name)).map(([name, t]) => toTensorProto(name, t)),
      valueInfo: [...this.values.values()]
        .filter((v) => !this.isBoundary(v) && !renamed.has(v.name) && produced.has(v.name))
        .map(valueInfo),
    });
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: PACKAGE_NAME,
      producerVersion: PACKAGE_VERSION,
      docString,
      opsetImport: [onnx.OperatorSetIdProto.create({ domain: '', version: this.opset })],
      graph,
    });
    const problem = onnx.ModelProto.verify(model);
    if (problem) throw new Error(`internal error: invalid ModelProto for '${this.graphName}': ${problem}`);
    return model;
  }

  /** Nodes that some output depends on, in recording (topological) order. */
  private liveNodes(): NodeRecord[] {
    const wanted = new Set(this.outputs.map((o) => o.name));
    for (const [from, to] of this.renames) if (wanted.has(to)) wanted.add(from);
    const live = new Array<boolean>(this.nodes.length).fill(false);
    for (let i = this.nodes.length - 1; i >= 0; i--) {
      const node = this.nodes[i];
      if (!node.outputs.some((o) => wanted.has(o))) continue;
      live[i] = true;
      for (const input of node.inputs) if (input) wanted.add(input);
    }
    return this.nodes.filter((_, i) => live[i]);
  }

  private isBoundary(v: Value): boolean {
    return this.initializers.has(v.name) || this.inputs.includes(v) || this.outputs.includes(v);
  }

  private sharedConstant(key: string, make: () => HostTensor): Value {
    let value = this.constants.get(key);
    if (!value) {
      value = this.initializer(this.freshName('const'), make());
      this.constants.set(key, value);
    }
    return value;
  }

  private declare(name: string, dtype: DType, shape: Shape, unshaped = false): Value {
    if (this.values.has(name)) throw new Error(`value name '${name}' is already used in graph '${this.graphName}'`);
    const value: Value = { tape: this, name, dtype, shape: [...shape] };
    this.values.set(name, value);
    if (unshaped) this.unshaped.add(name);
    return value;
  }

  private freshName(prefix: string): string {
    return `${prefix}${this.counter++}`;
  }

  private assertOwn(op: string, v: Value): void {
    if (v.tape !== this) throw new Error(`${op}: value '${v.name}' belongs to graph '${v.tape.graphName}', not '${this.graphName}'`);
  }
}

function dimProto(d: Dim): IDimension {
  return typeof d === 'number' ? { dimValue: d } : { dimParam: d };
}

function valueInfoProto(v: Value, withShape: boolean): ValueInfoProto {
  const elemType = dataTypeCode(v.dtype);
  return onnx.ValueInfoProto.create({
    name: v.name,
    type: { tensorType: withShape ? { elemType, shape: { dim: v.shape.map(dimProto) } } : { elemType } },
  });
}

function attributeProto(name: string, value: AttributeValue): AttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new TypeError(`attribute '${name}': ${value} is not an integer; wrap floats as { float }`);
    return onnx.AttributeProto.create({ name, type: A.INT, i: value });
  }
  if (typeof value === 'string') return onnx.AttributeProto.create({ name, type: A.STRING, s: new TextEncoder().encode(value) });
  if ('float' in value) return onnx.AttributeProto.create({ name, type: A.FLOAT, f: value.float });
  if (value.every((v): v is number => typeof v === 'number')) return onnx.AttributeProto.create({ name, type: A.INTS, ints: [...value] });
  return onnx.AttributeProto.create({ name, type: A.STRINGS, strings: value.map((s) => new TextEncoder().encode(String(s))) });
}

function nodeProto(node: NodeRecord, index: number): NodeProto {
  return onnx.NodeProto.create({
    name: `${node.opType}_${index}`,
    opType: node.opType,
    input: [...node.inputs],
    output: [...node.outputs],
    attribute: Object.entries(node.attributes).map(([k, v]) => attributeProto(k, v)),
  });
}

export function describeValue(v: Value): string {
  return `${v.name}: ${v.dtype}${formatShape(v.shape)}`;
}
