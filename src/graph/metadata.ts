/**
 * What an exported model says about itself: `producer_name`/`producer_version` (this package) and
 * `metadata_props` — the graph target, the version of the I/O contract (contract.ts) and, for a model
 * written by `train`, the data set, the recipe, the epochs and the test accuracy. `eval` and `predict`
 * print them (formatModelInfo).
 */
import { type IModelProto, type ModelProto, onnx } from './proto.js';

/** Version of the inference/train/eval I/O contract (contract.ts); bump when names or shapes change. */
export const IO_CONTRACT_VERSION = '1';

export const METADATA_KEYS = {
  target: 'target', ioContract: 'io_contract', dataset: 'dataset', recipe: 'recipe', epochs: 'epochs', testAccuracy: 'test_accuracy',
} as const;

export type ModelMetadata = Readonly<Record<string, string>>;

/** A copy of `model` whose metadata_props hold `props` (replacing keys already there, in the given order). */
export function withMetadata(model: ModelProto, props: Readonly<Record<string, string | number | undefined>>): ModelProto {
  const entries = Object.entries(props).filter((e): e is [string, string | number] => e[1] !== undefined).map(([key, value]) => ({ key, value: String(value) }));
  const keys = new Set(entries.map((e) => e.key));
  const copy = onnx.ModelProto.create({ ...model });
  copy.metadataProps = [...(model.metadataProps ?? []).filter((p) => !keys.has(p.key ?? '')), ...entries]
    .map((p) => onnx.StringStringEntryProto.create(p));
  return copy;
}

export interface ModelInfo {
  /** producer_name, '' when unset */
  readonly producer: string;
  /** producer_version, '' when unset */
  readonly producerVersion: string;
  readonly metadata: ModelMetadata;
}

export function modelInfo(model: IModelProto): ModelInfo {
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  return { producer: model.producerName ?? '', producerVersion: model.producerVersion ?? '', metadata };
}

/** One short line: `onnx-lenet 0.1.0, target portable, io_contract 1, dataset mnist, …`. */
export function formatModelInfo(info: ModelInfo): string {
  const producer = [info.producer || 'unknown producer', info.producerVersion].filter(Boolean).join(' ');
  const props = Object.entries(info.metadata).map(([k, v]) => `${k} ${k === METADATA_KEYS.testAccuracy && Number.isFinite(Number(v)) ? `${(100 * Number(v)).toFixed(2)}%` : v}`);
  return [producer, ...props].join(', ');
}
