// Naive reference implementations for the value tests: written from the definitions (Warrender 1999,
// the paper, the schema comments), deliberately slow and simple, sharing no code with src/eval. A value
// test compares src/eval against these (or against numbers worked out by hand in the test itself).

/** LFC at window i = mismatches among windows max(0, i-frame+1)..i, recounted from scratch. */
export function naiveLfcs(signal: readonly number[], frame: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < signal.length; i++) {
    let c = 0;
    for (let j = Math.max(0, i - frame + 1); j <= i; j++) c += signal[j]!;
    out.push(c);
  }
  return out;
}

/**
 * Smallest LFC that alarms. Count t: LFC >= t. Ratio p: LFC / frame > p, found by walking L upward and
 * dividing (not multiplying), so 29/100 > 0.29 is false exactly as a reader would expect.
 */
export function naiveMinAlarm(policy: { kind: 'count' | 'ratio'; value: number }, frame: number): number {
  if (policy.kind === 'count') return policy.value;
  let L = 0;
  while (!(L / frame > policy.value)) L++;
  return L;
}

/** mulberry32 written from the reference C code with BigInt arithmetic mod 2^32. */
export function naiveMulberry32(seed: number): () => number {
  const M = 0xffffffffn;
  let a = BigInt(seed) & M;
  const mul = (x: bigint, y: bigint): bigint => (x * y) & M;
  return () => {
    a = (a + 0x6d2b79f5n) & M;
    let t = a;
    t = mul(t ^ (t >> 15n), t | 1n);
    t = (t ^ ((t + mul(t ^ (t >> 7n), t | 61n)) & M)) & M;
    const r = (t ^ (t >> 14n)) & M;
    return Number(r) / 4294967296;
  };
}

/** Fisher–Yates from the last element down, j uniform in 0..i. */
export function naiveShuffle<T>(items: readonly T[], seed: number): T[] {
  const rng = naiveMulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Windows of a call sequence as strings, in order. */
export function naiveWindows(calls: ArrayLike<number>, k: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + k <= calls.length; i++) out.push(Array.prototype.slice.call(calls, i, i + k).join(','));
  return out;
}
