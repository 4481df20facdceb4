/**
 * The inference contract (`image` float32 [N,1,28,28] → `logits` [N,10]) checked from a model file's own
 * graph, without ONNX Runtime: `eval`, `predict` and `serve --model` refuse anything else in one line.
 */
import { CLASSES, IMAGE, IMAGE_SIZE, LOGITS } from '../graph/contract.js';
import { dataTypeCode } from '../graph/dtype.js';
import { type ModelInfo, modelInfo } from '../graph/metadata.js';
import { decodeModel, type IValueInfoProto } from '../graph/proto.js';

function dims(info: IValueInfoProto | undefined): (number | string)[] | undefined {
  return info?.type?.tensorType?.shape?.dim?.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue)));
}

/** Checks the contract from the ONNX graph itself; the error names the file and what is off. Returns what the model says it is. */
export function checkInferenceContract(file: string, bytes: Uint8Array): ModelInfo {
  const model = decodeModel(bytes, file);
  const graph = model.graph;
  const initializers = new Set((graph?.initializer ?? []).map((t) => t.name));
  const inputs = (graph?.input ?? []).filter((i) => !initializers.has(i.name ?? ''));
  const image = inputs.find((i) => i.name === IMAGE);
  const logits = (graph?.output ?? []).find((o) => o.name === LOGITS);
  const bad = (what: string): Error =>
    new Error(`'${file}' is not a LeNet inference model: ${what} (expected input image float32 [N,1,28,28], output logits [N,10]); build one with \`onnx-lenet build-graph\` or \`onnx-lenet train\``);
  if (!image || inputs.length !== 1) {
    const names = inputs.map((i) => i.name);
    throw bad(names.length === 0 ? 'it has no inputs' : `it has ${names.length} inputs (${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''})`);
  }
  const d = dims(image);
  if (image.type?.tensorType?.elemType !== dataTypeCode('float32') || !d || d.length !== 4 || d[1] !== 1 || d[2] !== IMAGE_SIZE || d[3] !== IMAGE_SIZE) {
    throw bad(`input image is [${d?.join(',') ?? '?'}]`);
  }
  const l = dims(logits);
  if (!logits || !l || l.length !== 2 || l[1] !== CLASSES) throw bad(logits ? `output logits is [${l?.join(',') ?? '?'}]` : 'it has no logits output');
  return modelInfo(model);
}
