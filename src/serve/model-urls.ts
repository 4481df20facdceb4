/**
 * Where the page finds the models its Web Workers train with (the data-parallel step, src/train/step/parallel):
 * LeNet's gradient model and the flat Adam model for one slice of the parameters. The server builds them
 * on request (step-models.ts); the page asks for them (web/src/worker-runner.ts). Pure code: the page
 * loads this file too.
 */

export const GRADIENT_MODEL_URL = '/models/lenet.grad.onnx';
const FLAT_ADAM_PREFIX = '/models/flat-adam/';

/** The flat Adam model over `length` parameters whose gradient comes in `parts` shares. */
export const flatAdamUrl = (length: number, parts: number): string => `${FLAT_ADAM_PREFIX}${length}x${parts}.onnx`;

/** `length` and `parts` of a flatAdamUrl path, or undefined when the path is not one. */
export function parseFlatAdamUrl(pathname: string): { readonly length: number; readonly parts: number } | undefined {
  if (!pathname.startsWith(FLAT_ADAM_PREFIX)) return undefined;
  const match = /^([1-9]\d{0,8})x([1-9]\d{0,3})\.onnx$/.exec(pathname.slice(FLAT_ADAM_PREFIX.length));
  return match ? { length: Number(match[1]), parts: Number(match[2]) } : undefined;
}
