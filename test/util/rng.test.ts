/**
 * Known answers for MT19937 (src/util/rng.ts) of its own, not through the PyTorch init check:
 *   - seed 5489 (the reference implementation's default): the first five outputs, as
 *     numpy.random.MT19937()._legacy_seeding(5489).random_raw(5) gives them (= RandomState(5489), the
 *     reference init_genrand), and the 10,000th output, 4123659995, which C++ requires of std::mt19937;
 *   - seeds 0 and 2^32−1 (init_genrand's edge cases), from numpy the same way;
 *   - uniformFloat32: torch.manual_seed(5489); torch.empty(4).uniform_(-0.5, 0.5).
 */
import { describe, expect, it } from 'vitest';
import { Mt19937 } from '../../src/util/rng.js';

const draw = (rng: Mt19937, n: number): number[] => Array.from({ length: n }, () => rng.nextUint32());

describe('Mt19937', () => {
  it('seed 5489: the reference outputs, and the 10,000th is 4123659995', () => {
    const rng = new Mt19937(5489);
    expect(draw(rng, 5)).toEqual([3499211612, 581869302, 3890346734, 3586334585, 545404204]);
    expect(draw(rng, 9995).at(-1)).toBe(4123659995); // outputs 6 … 10,000
  });

  it('seeds 0 and 2^32 − 1', () => {
    expect(draw(new Mt19937(0), 3)).toEqual([2357136044, 2546248239, 3071714933]);
    expect(draw(new Mt19937(4_294_967_295), 3)).toEqual([419326371, 479346978, 3918654476]);
  });

  it('uniformFloat32 is torch\'s uniform_ for float tensors (seed 5489, [−0.5, 0.5))', () => {
    const rng = new Mt19937(5489);
    const got = Array.from({ length: 4 }, () => rng.uniformFloat32(-0.5, 0.5));
    expect(got).toEqual([0.06926512718200684, 0.18211305141448975, 0.38273513317108154, 0.2621989846229553]);
  });

  it('getState / fromState continue the same stream across a twist', () => {
    const a = new Mt19937(42);
    draw(a, 620);
    const b = Mt19937.fromState(a.getState());
    expect(draw(b, 10)).toEqual(draw(a, 10));
  });

  it('rejects seeds outside [0, 2^32)', () => {
    for (const seed of [-1, 2 ** 32, 0.5]) expect(() => new Mt19937(seed)).toThrow(RangeError);
  });
});
