/**
 * An opt-in timeline of a process's start-up: with `ONNX_LENET_TRACE=1`, `trace('what')` writes
 * `trace <ms since the process started> what` to stderr (tools/bench/cold-start.ts reads these lines).
 * Off, it costs one boolean test. The clock is `performance.now()`, which counts from the process's
 * time origin, so the first line also shows Node's own start-up and module loading.
 */
const enabled = process.env.ONNX_LENET_TRACE === '1';

export function trace(what: string): void {
  if (enabled) process.stderr.write(`trace ${performance.now().toFixed(1)} ${what}\n`);
}
