/**
 * Ctrl-C and SIGTERM for the long commands (train, sweep): the first asks the library to stop at its next
 * safe point (an AbortSignal) and says what will happen; a second one stops the process at once.
 */
export interface StopRequest {
  /** Aborted by the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Removes the handlers; call when the command is done. */
  dispose(): void;
}

/** `onStop`: what the command does before it stops, e.g. "finishing the current step and writing a checkpoint…". */
export function listenForStop(onStop: string): StopRequest {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.kill(process.pid, signal); // second Ctrl-C: stop now
    process.stderr.write(`\n${signal}: ${onStop}\n`);
    controller.abort();
    process.removeAllListeners(signal);
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return {
    signal: controller.signal,
    dispose: () => {
      process.removeListener('SIGINT', handler);
      process.removeListener('SIGTERM', handler);
    },
  };
}
