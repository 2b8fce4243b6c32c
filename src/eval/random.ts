// Owns seeded pseudo-randomness for the evaluation code: a small 32-bit PRNG (mulberry32) and the
// shuffle / sample helpers built on it. Nothing in stidebench's evaluation may use Math.random: the
// same seed must always give the same split, the same bootstrap resamples and the same report.

/** A generator of uniform doubles in [0, 1). */
export type Rng = () => number;

/** A seed is a 32-bit integer (any safe integer is accepted and reduced mod 2^32) or a ready Rng. */
export type SeedOrRng = number | Rng;

/**
 * mulberry32 (Tommy Ettinger's 32-bit generator): period 2^32, passes the usual small-state tests,
 * more than good enough for resampling. Returns doubles in [0, 1) with 32 bits of randomness.
 * Throws RangeError unless `seed` is an integer (1.5 and 1 would otherwise silently collide).
 */
export function mulberry32(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) throw new RangeError(`seed must be a safe integer, got ${seed}`);
  let a = seed >>> 0; // ToUint32 is exact reduction mod 2^32 for any integer; negatives wrap
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An Rng from a seed, or the Rng itself when one is passed (so callers can chain draws). */
export function toRng(seed: SeedOrRng): Rng {
  return typeof seed === 'function' ? seed : mulberry32(seed);
}

/** Uniform integer in [0, n) for 1 ≤ n ≤ 2^32. */
export function randomInt(rng: Rng, n: number): number {
  if (!Number.isInteger(n) || n < 1 || n > 4294967296) throw new RangeError(`randomInt: n must be an integer in [1, 2^32], got ${n}`);
  return Math.floor(rng() * n);
}

/** A shuffled copy of `array` (Fisher–Yates); the input is not modified. */
export function seededShuffle<T>(array: ArrayLike<T>, seed: SeedOrRng): T[] {
  const rng = toRng(seed);
  const out = Array.from(array);
  for (let i = out.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    const tmp = out[i]!;
    out[i] = out[j]!;
    out[j] = tmp;
  }
  return out;
}

/**
 * `k` distinct elements of `array` drawn without replacement (partial Fisher–Yates), in draw order.
 * Throws RangeError when k is not an integer in [0, array.length].
 */
export function seededSample<T>(array: ArrayLike<T>, k: number, seed: SeedOrRng): T[] {
  if (!Number.isInteger(k) || k < 0 || k > array.length) {
    throw new RangeError(`seededSample: k must be an integer in [0, ${array.length}], got ${k}`);
  }
  const rng = toRng(seed);
  const pool = Array.from(array);
  for (let i = 0; i < k; i++) {
    const j = i + randomInt(rng, pool.length - i);
    const tmp = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = tmp;
  }
  return pool.slice(0, k);
}
