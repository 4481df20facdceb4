/** `onnx-lenet predict <model.onnx> <image…>`: the digit in each PNG/JPEG file and its probability. */
import { Command, Option } from 'commander';
import { EXECUTION_PROVIDERS, type ExecutionProvider, formatModelInfo, predictWithInfo } from '../../index.js';

interface PredictCliOptions {
  readonly ep: ExecutionProvider;
  readonly json?: boolean;
}

export function predictCommand(): Command {
  return new Command('predict')
    .description('classify PNG/JPEG images of digits (any size; dark-on-light images are inverted, MNIST-style centring)')
    .argument('<model>', 'model with the inference contract, e.g. models/lenet.onnx')
    .argument('<images...>', 'PNG or JPEG files')
    .addOption(new Option('--ep <provider>', 'execution provider').choices(EXECUTION_PROVIDERS).default('cpu'))
    .option('--json', 'print the predictions as JSON')
    .action(async (model: string, images: string[], opts: PredictCliOptions) => {
      const { modelInfo, predictions } = await predictWithInfo({ model, files: images, ep: opts.ep });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ modelInfo, predictions }, null, 2)}\n`);
        return;
      }
      process.stdout.write(`Model: ${formatModelInfo(modelInfo)}\n`);
      const width = Math.max(...predictions.map((p) => p.file.length));
      for (const p of predictions) {
        process.stdout.write(`${p.file.padEnd(width)}  ${p.digit}  ${(100 * p.probability).toFixed(1)}%${p.inverted ? '  (inverted: dark ink on light)' : ''}\n`);
      }
    });
}
