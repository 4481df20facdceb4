/**
 * The execution providers this project supports, as names only: no ONNX Runtime import, so the CLI's
 * option parsing, the error classes and the option types can use them without loading any session code.
 */
export const EXECUTION_PROVIDERS = ['cpu', 'cuda', 'webgpu'] as const;
export type ExecutionProvider = (typeof EXECUTION_PROVIDERS)[number];

export function isExecutionProvider(value: string): value is ExecutionProvider {
  return (EXECUTION_PROVIDERS as readonly string[]).includes(value);
}

/** Checks a provider name given by a user; the RangeError lists the valid ones. */
export function parseExecutionProvider(value: string): ExecutionProvider {
  if (isExecutionProvider(value)) return value;
  const valid = EXECUTION_PROVIDERS.map((p) => `'${p}'`).join(', ');
  throw new RangeError(`execution provider must be one of ${valid}; got '${value}'`);
}
