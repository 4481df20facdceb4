/** ReLU, forward and backward. */
import { greater, relu, where } from '../ops.js';
import type { Value } from '../tape.js';

/** y = max(x, 0) */
export const reluForward = (x: Value): Value => relu(x);

/**
 * In the forward pass this was: y = relu(x).
 * dx = y > 0 ? dy : 0      (PyTorch's threshold_backward: zero where the output is zero)
 */
export const reluBackward = (dy: Value, y: Value): Value => where(greater(y, 0), dy, 0);
