/**
 * Mersenne Twister (MT19937), the generator behind `torch.manual_seed`.
 *
 * One seeded stream drives weight initialisation and data shuffling, so runs are reproducible on every
 * platform (integer arithmetic only; no `Math.random`). `uniformFloat32` follows PyTorch's CPU
 * `uniform_` for float tensors (24 random bits), so `initParameters(seed)` reproduces
 * `torch.manual_seed(seed); LeNet()` bit for bit.
 */
const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;

/** Serializable generator state (see {@link Mt19937.getState}). */
export interface RngState {
  readonly mt: readonly number[];
  readonly index: number;
}

export class Mt19937 {
  private readonly mt = new Uint32Array(N);
  private index = N;

  constructor(seed: number) {
    if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) {
      throw new RangeError(`seed must be an integer in [0, 2^32), got ${seed}`);
    }
    this.mt[0] = seed >>> 0;
    for (let i = 1; i < N; i++) {
      const prev = this.mt[i - 1] ^ (this.mt[i - 1] >>> 30);
      // 1812433253 * prev + i, in 32-bit arithmetic
      this.mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  static fromState(state: RngState): Mt19937 {
    if (state.mt.length !== N || !Number.isInteger(state.index) || state.index < 0 || state.index > N) {
      throw new RangeError(`RNG state must hold ${N} words and an index in [0, ${N}]`);
    }
    const rng = new Mt19937(0);
    rng.mt.set(state.mt);
    rng.index = state.index;
    return rng;
  }

  getState(): RngState {
    return { mt: Array.from(this.mt), index: this.index };
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    if (this.index >= N) this.twist();
    let y = this.mt[this.index++];
    y ^= y >>> 11;
    y = (y ^ ((y << 7) & 0x9d2c5680)) >>> 0;
    y = (y ^ ((y << 15) & 0xefc60000)) >>> 0;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Uniform float32 in [from, to), as PyTorch's CPU `uniform_` draws it for float tensors. */
  uniformFloat32(from: number, to: number): number {
    const lo = Math.fround(from);
    const hi = Math.fround(to);
    const unit = (this.nextUint32() & 0xffffff) * 2 ** -24;
    // PyTorch: x * (to - from) + from with float bounds, rounded once to float32.
    return Math.fround(unit * (hi - lo) + lo);
  }

  /** Uniform integer in [0, n) without modulo bias. */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) throw new RangeError(`n must be an integer in [1, 2^32], got ${n}`);
    const limit = Math.floor(0x100000000 / n) * n;
    for (;;) {
      const r = this.nextUint32();
      if (r < limit) return r % n;
    }
  }

  /** In-place Fisher–Yates shuffle. */
  shuffle<T extends { [i: number]: number; length: number }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  private twist(): void {
    const mt = this.mt;
    for (let i = 0; i < N; i++) {
      const y = (mt[i] & UPPER_MASK) | (mt[(i + 1) % N] & LOWER_MASK);
      let next = mt[(i + M) % N] ^ (y >>> 1);
      if (y & 1) next ^= MATRIX_A;
      mt[i] = next >>> 0;
    }
    this.index = 0;
  }
}
