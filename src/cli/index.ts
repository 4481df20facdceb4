/**
 * `onnx-lenet` entry point: assembles the subcommands and turns errors into one line and an exit code.
 * Each subcommand lives in `commands/<name>.ts` and calls a library function that works without the CLI.
 */
import { Command, CommanderError } from 'commander';
import { isLongCommandLine, receiveArgv, relaunch } from './relaunch.js';
import { PACKAGE_VERSION } from '../version.js';

/**
 * The subcommands in help's order, each loaded on demand: a command's module imports the library code it
 * runs, and `onnx-lenet train` need not load serve's, sweep's or predict's (a tenth of a second at start-up).
 */
const COMMANDS: Readonly<Record<string, () => Promise<Command>>> = {
  'build-graph': async () => (await import('./commands/build-graph.js')).buildGraphCommand(),
  'make-trainable': async () => (await import('./commands/make-trainable.js')).makeTrainableCommand(),
  train: async () => (await import('./commands/train.js')).trainCommand(),
  sweep: async () => (await import('./commands/sweep.js')).sweepCommand(),
  eval: async () => (await import('./commands/eval.js')).evalCommand(),
  predict: async () => (await import('./commands/predict.js')).predictCommand(),
  doctor: async () => (await import('./commands/doctor.js')).doctorCommand(),
  'setup-cuda': async () => (await import('./commands/setup-cuda.js')).setupCudaCommand(),
  data: async () => (await import('./commands/data.js')).dataCommand(),
  serve: async () => (await import('./commands/serve.js')).serveCommand(),
};

/**
 * The program with every subcommand, or only the one `argv` starts with when it names one (what it
 * parses and prints is the same: that command's options, help and errors).
 */
export async function createProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('onnx-lenet')
    .description('Build, train and deploy LeNet-5 as ONNX with ONNX Runtime, no Python.')
    .version(PACKAGE_VERSION);
  const first = argv[0];
  const names = first !== undefined && Object.hasOwn(COMMANDS, first) ? [first] : Object.keys(COMMANDS);
  for (const command of await Promise.all(names.map((name) => COMMANDS[name]()))) program.addCommand(command);
  // addCommand() does not pass settings down: every subcommand must throw instead of exiting, and
  // leave the one-line error message to main().
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({ outputError: () => {} }).showSuggestionAfterError(true);
  }
  return program;
}

/** Runs the CLI; resolves to the process exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const program = await createProgram(argv);
    await program.parseAsync([...argv], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0; // e.g. 130 after Ctrl-C
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      if (error.code === 'commander.help') return error.exitCode; // no command: the help is already out, on stderr
      process.stderr.write(`onnx-lenet: ${error.message.replace(/^error: /, '')}\n`);
      return error.exitCode || 2;
    }
    process.stderr.write(`onnx-lenet: ${oneLine(error instanceof Error ? error.message : String(error))}\n`);
    return 1;
  }
}

/** The first non-empty line of a message, without ANSI colour codes (native libraries add both). */
export function oneLine(message: string): string {
  const plain = message.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
  return (plain.split('\n').find((l) => l.trim() !== '') ?? plain).trim();
}

const isEntry = process.argv[1] !== undefined && /onnx-lenet(\.js)?$|cli[\\/]index\.js$/.test(process.argv[1]);
if (isEntry) {
  // `onnx-lenet … | head`: a closed pipe ends the output quietly, as for any Unix tool. Any other write
  // failure (`> /dev/full`: ENOSPC) is one line on stderr and exit 1, not a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(0);
      const name = stream === process.stdout ? 'standard output' : 'standard error';
      if (stream !== process.stderr) process.stderr.write(`onnx-lenet: cannot write to ${name} (${error.code ?? error.message}${error.code === 'ENOSPC' ? ': no space left on device' : ''})\n`);
      process.exit(1);
    });
  }
  // A command line of ~30 KB or more crashes onnxruntime-node: run it in a child with a short one (relaunch.ts).
  const fromParent = receiveArgv();
  const run = fromParent
    ? fromParent.then((argv) => main(argv))
    : isLongCommandLine() ? relaunch(process.argv[1]!, process.argv.slice(2)) : main(process.argv.slice(2));
  run.then((code) => {
    process.exitCode = code;
  });
}
