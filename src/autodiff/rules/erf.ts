/**
 * Erf (GELU's exact form is x·½·(1 + erf(x/√2))), recorded in portable operators: Erf is not in the
 * allow-list (src/graph/allowlist.ts). Not bit-exact: two branches, both evaluated, picked by Where —
 *
 *   |x| < 0.75:  erf(x) = x · Σ_{n<10} (2/√π)·(−1)ⁿ x²ⁿ / (n!·(2n+1))            (Maclaurin series)
 *   |x| ≥ 0.75:  erf(x) = sign(x) · (1 − e^(−x²) · R(t)),  t = 1 / (1 + |x|/2),   |x| clamped to 4
 *
 * R a degree-10 least-squares fit of erfc(x)·e^(x²) on [0.75, 4] (float64). Evaluated in float32 (numpy,
 * 10⁶ points in [−4.5, 4.5]) it is within 1.5e−7 of float64 erf, 2.5 ulp at worst (near |x| = 0.75), in
 * line with Abramowitz–Stegun 7.1.26's 1.5e−7 but without that formula's loss of relative accuracy near 0.
 * PyTorch's own float32 erf (Sleef) is within 1 ulp: expect agreement to a few ulp, not bit for bit.
 */
import { add, div, exp, greater, mul, neg, sub, where } from '../../graph/ops.js';
import type { Value } from '../../graph/tape.js';
import type { OpRule } from '../rule.js';

const SMALL = 0.75; // |x| > SMALL takes the tail branch
/** (2/√π)·(−1)ⁿ / (n!·(2n+1)), n = 0…9 */
const SERIES = [
  1.1283791670955126, -0.37612638903183754, 0.11283791670955126, -0.026866170645131252, 0.005223977625442188,
  -0.0008548327023450852, 0.00012055332981789664, -1.492565035840625e-05, 1.6462114365889246e-06, -1.6365844691234924e-07,
];
/** R(t) ≈ erfc(x)·e^(x²), highest power of t first */
const TAIL = [
  0.036046104767189176, -0.26574282929877774, 0.8007368167716553, -1.2263514621736438, 0.9500696975160386,
  -0.43207771149398105, 0.3673091634339264, 0.19857898576400923, 0.2900820829878328, 0.28131164335142395,
  3.454770978162135e-05,
];

/** c₀ + c₁·u + … by Horner, coefficients lowest first. */
function horner(u: Value, lowestFirst: readonly number[]): Value {
  let p: Value | number = lowestFirst[lowestFirst.length - 1];
  for (let i = lowestFirst.length - 2; i >= 0; i--) p = add(typeof p === 'number' ? mul(u, p) : mul(p, u), lowestFirst[i]);
  return p as Value;
}

/** erf(x) from portable operators (see the file's comment for the accuracy). */
export function erfPortable(x: Value): Value {
  const positive = greater(x, 0);
  const ax = where(positive, x, neg(x));
  const small = mul(horner(mul(x, x), SERIES), x);
  const c = where(greater(ax, 4), 4, ax);
  const t = div(1, add(mul(c, 0.5), 1));
  const tail = sub(1, mul(exp(neg(mul(c, c))), horner(t, [...TAIL].reverse())));
  return where(greater(ax, SMALL), where(positive, tail, neg(tail)), small);
}

export const ERF_RULES: Readonly<Record<string, OpRule>> = {
  Erf: {
    forward: (ctx, ins) => [erfPortable(ctx.input(ins, 0, 'input'))],            // y = erf(x)
    backward: (_c, [dy], [x]) => [dy && mul(dy, mul(exp(neg(mul(x!, x!))), 2 / Math.sqrt(Math.PI)))], // dx = dy · 2/√π · e^(−x²)
  },
};
