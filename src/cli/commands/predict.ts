/** `onnx-lenet predict <model.onnx> <image…>`: the digit in each PNG/JPEG file and its probability. */
import { Command, Option } from 'commander';
import { EXECUTION_PROVIDERS, type ExecutionProvider, formatModelInfo, predictWithInfo } from '../../index.js';
import { readImageList } from '../../infer/inputs.js';

interface PredictCliOptions {
  readonly ep: ExecutionProvider;
  readonly json?: boolean;
  readonly list?: string;
}

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('classify PNG/JPEG images of digits (any size up to 36 MP; dark-on-light images are inverted, MNIST-style centring)')
    .argument('<model>', 'model with the inference contract, e.g. models/lenet.onnx')
    .argument('[images...]', 'PNG or JPEG files, or folders of them (their .png/.jpg/.jpeg files, sorted)')
    .option('--list <file>', 'also the images listed in <file>, one path per line (- reads standard input)')
    .addOption(new Option('--ep <provider>', 'execution provider').choices(EXECUTION_PROVIDERS).default('cpu'))
    .option('--json', 'print the predictions as JSON')
    .action(async (model: string, images: string[], opts: PredictCliOptions) => {
      const listed = opts.list === undefined ? [] : opts.list === '-' ? await readImageList('-', await readStdin()) : await readImageList(opts.list);
      const files = [...images, ...listed];
      if (files.length === 0) throw new Error('no images given: name PNG/JPEG files or folders, or --list <file>');
      const { modelInfo, predictions } = await predictWithInfo({ model, files, ep: opts.ep });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ modelInfo, predictions }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`Model: ${formatModelInfo(modelInfo)}\n`);
      const width = predictions.reduce((w, p) => Math.max(w, p.file.length), 0);
      const lines = predictions.map((p) => `${p.file.padEnd(width)}  ${p.digit}  ${(100 * p.probability).toFixed(1)}%${p.inverted ? '  (inverted: dark ink on light)' : ''}\n`);
      process.stdout.write(lines.join(''));
    });
}
