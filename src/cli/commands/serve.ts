/** `onnx-lenet serve`: the page that runs LeNet (and trains it) in the browser with onnxruntime-web. */
import { Command, InvalidArgumentError } from 'commander';
import { type RunningServer, startServer } from '../../index.js';

export interface ServeCommandOptions {
  readonly model: string;
  readonly port: number;
  readonly host: string;
  readonly trainModel?: string;
  readonly sweep?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new InvalidArgumentError(`port must be an integer in [0, 65535], got '${value}'`);
  return port;
}

/** Resolves when the process receives SIGINT or SIGTERM (Ctrl-C). */
function untilInterrupted(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function runServe(options: ServeCommandOptions, waitForStop: () => Promise<void> = untilInterrupted): Promise<RunningServer> {
  const server = await startServer(options);
  for (const warning of server.warnings) process.stderr.write(`onnx-lenet: warning: ${warning}\n`);
  process.stdout.write(`Serving ${options.model} at ${server.url}  (Ctrl-C to stop)\n`);
  if (options.sweep !== undefined) process.stdout.write(`Sweep report: ${server.url}sweep.html\n`);
  await waitForStop();
  await server.close();
  return server;
}

export function serveCommand(): Command {
  return new Command('serve')
    .description('Serve the web page: draw a digit, see LeNet\'s prediction, train LeNet in the browser (onnxruntime-web).')
    .option('--model <path>', 'inference model (lenet.onnx)', 'models/lenet.onnx')
    .option('--train-model <path>', 'train-step model for the training panel (default: lenet.train.onnx next to --model)')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8080)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--sweep <dir>', 'also serve a sweep\'s report (onnx-lenet sweep --out <dir>) as /sweep.html')
    .action(async (options: ServeCommandOptions) => {
      await runServe(options);
    });
}
