/** `onnx-lenet make-trainable <model.onnx>`: the train-step, eval and inference models of any supported model. */
import { Command, Option } from 'commander';
import { LOSSES, type LossName, OPTIMIZERS, type OptimizerName, makeTrainableFiles } from '../../index.js';

interface MakeTrainableCliOptions {
  readonly loss: LossName;
  readonly optimizer: OptimizerName;
  readonly freeze?: string;
  readonly weightDecay?: number;
  readonly momentum?: number;
  readonly output?: string;
  readonly out?: string;
}

export function makeTrainableCommand(): Command {
  return new Command('make-trainable')
    .description('turn a forward-only ONNX model into <stem>.train.onnx (one training step), <stem>.eval.onnx and <stem>.onnx')
    .argument('<model>', 'ONNX model (opset 13–17), e.g. from torch.onnx.export')
    .addOption(new Option('--loss <name>', 'loss on the model output').choices([...LOSSES]).default('cross-entropy'))
    .addOption(new Option('--optimizer <name>', 'optimizer of the train step').choices([...OPTIMIZERS]).default('adam'))
    .option('--weight-decay <wd>', 'AdamW\'s decoupled weight decay (default 0.01, as torch.optim.AdamW)', Number)
    .option('--momentum <mu>', 'SGD\'s momentum (default 0.9; 0: plain SGD, no momentum state)', Number)
    .option('--freeze <names>', 'comma-separated initializers to keep constant')
    .option('--output <name>', 'the model output the loss reads (default: the first)')
    .option('-o, --out <dir>', 'output folder (default: the model\'s folder)')
    .action(async (model: string, opts: MakeTrainableCliOptions) => {
      const result = await makeTrainableFiles(model, {
        loss: opts.loss, optimizer: opts.optimizer, output: opts.output, outDir: opts.out, weightDecay: opts.weightDecay, momentum: opts.momentum,
        freeze: opts.freeze ? opts.freeze.split(',').map((s) => s.trim()).filter(Boolean) : [],
      });
      process.stdout.write(`Wrote ${result.files.train}, ${result.files.eval}, ${result.files.inference}${result.files.gradient ? `, ${result.files.gradient}` : ''} (${result.tensors} parameter tensors, ${result.parameters.toLocaleString('en-US')} values)\n`);
      for (const note of result.notes) process.stdout.write(`Note: ${note}\n`);
    });
}
