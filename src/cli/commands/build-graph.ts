/** `onnx-lenet build-graph`: write lenet.onnx, lenet.train.onnx and lenet.eval.onnx. */
import { Command, Option } from 'commander';
import {
  DEFAULT_EXPORT_TARGET, GRAPH_TARGETS, GRAPH_TARGET_ALIASES, type GraphTargetName, type ModelSummary, OPSET, type TensorSignature, buildGraphs,
  resolveGraphTarget,
} from '../../index.js';
import { parseSeed } from '../options.js';

interface BuildGraphCliOptions {
  readonly out: string;
  readonly seed: number;
  readonly target: GraphTargetName;
  readonly force?: boolean;
}

const formatSig = (s: TensorSignature): string => `${s.name} ${s.dtype}[${s.shape.join(',')}]`;

/** Lists the I/O, folding long runs of parameter-shaped state into one entry. */
function formatIo(sigs: readonly TensorSignature[]): string {
  const state = sigs.filter((s) => s.shape.every((d) => typeof d === 'number') && s.shape.length > 0);
  if (state.length <= 4) return sigs.map(formatSig).join(', ');
  const rest = sigs.filter((s) => !state.includes(s));
  return [`${state.length} state tensors (${state[0].name} … ${state[state.length - 1].name})`, ...rest.map(formatSig)].join(', ');
}

export function formatSummary(m: ModelSummary): string {
  const ops = Object.entries(m.ops).sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op}×${n}`).join(' ');
  return [
    `  ${m.file}  ${m.kind}, ${m.nodes} nodes, ${(m.bytes / 1024).toFixed(1)} KiB`,
    `    ops ${ops}`,
    `    in  ${formatIo(m.inputs)}`,
    `    out ${formatIo(m.outputs)}`,
  ].join('\n');
}

export function buildGraphCommand(): Command {
  return new Command('build-graph')
    .description('write the inference, train-step and eval models (ONNX opset 17) to a folder')
    .option('-o, --out <dir>', 'output folder', 'models')
    .option('--force', 'replace a trained lenet.onnx in the output folder with the untrained one')
    .option('--seed <n>', 'seed of the initial weights (same as torch.manual_seed)', parseSeed, 0)
    .addOption(new Option('--target <name>', "portable: right on every ONNX Runtime backend, native WebGPU included (exact rewrites around its Conv bug); cpu: the fastest on the CPU, wrong on ONNX Runtime 1.30's native WebGPU provider ('webgpu' and 'generic' are the old names)")
      .choices([...GRAPH_TARGETS, ...Object.keys(GRAPH_TARGET_ALIASES)]).default(DEFAULT_EXPORT_TARGET))
    .action(async (opts: BuildGraphCliOptions) => {
      const result = await buildGraphs({ outDir: opts.out, seed: opts.seed, target: resolveGraphTarget(opts.target, DEFAULT_EXPORT_TARGET), force: opts.force });
      process.stdout.write(
        `Wrote ${result.models.length} models to ${opts.out}/ (opset ${OPSET}, ${result.parameters.toLocaleString('en-US')} parameters, seed ${result.seed}, target ${result.target})\n`,
      );
      for (const m of result.models) process.stdout.write(`${formatSummary(m)}\n`);
    });
}
