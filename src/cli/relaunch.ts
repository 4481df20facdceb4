/**
 * A long command line, run from a short one. onnxruntime-node 1.30 crashes with a segmentation fault
 * (exit 139, no output) when it creates a session in a process whose command line is about 30 KB or
 * longer — `predict model.onnx dir/*.png` with 2,500 files — on the main thread and in worker threads
 * alike; the environment's size does not matter. So such a command runs in a child process started with
 * no arguments, which receives them over an IPC channel.
 */
import { spawn } from 'node:child_process';

/** Command lines at least this long (bytes of all arguments) are relaunched. */
export const LONG_COMMAND_LINE = 16 * 1024;
const CHILD_ENV = 'ONNX_LENET_ARGV_OVER_IPC';

export function isLongCommandLine(argv: readonly string[] = process.argv): boolean {
  return argv.reduce((n, a) => n + Buffer.byteLength(a) + 1, 0) >= LONG_COMMAND_LINE;
}

/** In the relaunched child: the arguments its parent sent. Undefined in an ordinary process. */
export function receiveArgv(): Promise<string[]> | undefined {
  if (process.env[CHILD_ENV] !== '1' || !process.send) return undefined;
  delete process.env[CHILD_ENV];
  return new Promise((resolve) => {
    process.once('message', (argv: string[]) => {
      setImmediate(() => process.disconnect()); // not inside the 'message' event: Node 20 trips over it
      resolve(argv);
    });
  });
}

/**
 * Runs `script` in a child with `argv` sent over IPC and resolves to the exit code to use. Ctrl-C reaches
 * the child from the terminal directly (same process group); SIGTERM and SIGHUP are passed on.
 */
export function relaunch(script: string, argv: readonly string[]): Promise<number> {
  const child = spawn(process.execPath, [...process.execArgv, script], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'], env: { ...process.env, [CHILD_ENV]: '1' },
  });
  const pass = (signal: NodeJS.Signals): void => void child.kill(signal);
  const ignore = (): void => {};
  process.on('SIGTERM', pass).on('SIGHUP', pass).on('SIGINT', ignore);
  child.send([...argv]);
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      process.off('SIGTERM', pass).off('SIGHUP', pass).off('SIGINT', ignore);
      resolve(code ?? (signal === 'SIGINT' ? 130 : 128 + 15));
    });
  });
}
