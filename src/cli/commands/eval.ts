/** `onnx-lenet eval <model.onnx>`: test accuracy, per-class accuracy and the confusion matrix. */
import { Command, Option } from 'commander';
import {
  DATASET_NAMES, type DatasetName, EXECUTION_PROVIDERS, type EvaluateResult, type ExecutionProvider, evaluate, formatModelInfo,
} from '../../index.js';
import { boundThreads } from '../../runtime/threads.js';
import { parsePositiveInt } from '../options.js';

interface EvalCliOptions {
  readonly dataset?: DatasetName;
  readonly dataDir?: string;
  readonly fallback: boolean;
  readonly ep: ExecutionProvider;
  readonly threads?: number;
  readonly json?: boolean;
}

/** Accuracy line, per-class table and confusion matrix (rows: true label, columns: predicted). */
export function formatEvaluation(r: EvaluateResult): string {
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const lines = [
    `Model: ${formatModelInfo(r.modelInfo)}`,
    `${r.model} on ${r.dataset} test split: ${r.correct.toLocaleString('en-US')}/${r.count.toLocaleString('en-US')} correct`,
    `Accuracy of the LeNet model: ${pct(r.accuracy)}`,
    '',
    'class  accuracy   correct/count',
    ...r.perClass.map((c) => `${String(c.label).padStart(5)}  ${pct(c.accuracy).padStart(8)}   ${c.correct}/${c.count}`),
    '',
    'confusion matrix (rows: true label, columns: predicted)',
    `     ${r.confusion.map((_, k) => String(k).padStart(5)).join('')}`,
    ...r.confusion.map((row, t) => `${String(t).padStart(5)}${row.map((n) => String(n).padStart(5)).join('')}`),
  ];
  return lines.join('\n');
}

export function evalCommand(): Command {
  return new Command('eval')
    .description('accuracy of an inference model on a data set\'s test split, per class, with the confusion matrix')
    .argument('<model>', 'model with the inference contract, e.g. models/lenet.onnx')
    .addOption(new Option('--dataset <name>', 'data set (default mnist; offline it falls back to mnist-sample)').choices(DATASET_NAMES))
    .option('--data-dir <dir>', 'folder with the four IDX files, or the download cache')
    .option('--no-fallback', 'fail instead of using mnist-sample when MNIST cannot be had')
    .addOption(new Option('--ep <provider>', 'execution provider').choices(EXECUTION_PROVIDERS).default('cpu'))
    .option('--threads <n>', 'CPU threads for ONNX Runtime (at most one per core)', parsePositiveInt)
    .option('--json', 'print the result as JSON')
    .action(async (model: string, opts: EvalCliOptions) => {
      const bound = opts.threads !== undefined && opts.ep === 'cpu' ? boundThreads(opts.threads).reason : undefined;
      if (bound !== undefined) process.stderr.write(`note: ${bound}\n`);
      const result = await evaluate({
        model, dataset: opts.dataset, dataDir: opts.dataDir, fallback: opts.fallback, ep: opts.ep, threads: opts.threads,
        onWarning: (m) => process.stderr.write(`warning: ${m}\n`),
      });
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatEvaluation(result)}\n`);
    });
}
