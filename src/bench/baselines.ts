// Owns the yardsticks `stidebench bench` measures detectors against, in the same run (issue 11):
// - naive: a JS Set<string> of comma-joined windows (what a first prototype does);
// - careful: a Set<number> of windows packed into one exact integer (sum of x_j * A^(k-1-j), rolled
//   forward per call), what a careful JS author writes first; exact while A^k <= 2^53, else unavailable;
// - floor: one summing pass over the same test calls held in one contiguous typed array, the memory
//   bandwidth limit no detector that reads every call can beat (in the element type the traces use).

import type { CallArray, Trace } from '../traces/trace.js';

export function naiveTrain(traces: readonly Trace[], k: number): Set<string> {
  const set = new Set<string>();
  for (const t of traces) {
    const c = t.calls;
    for (let i = 0; i + k <= c.length; i++) set.add(c.slice(i, i + k).join(','));
  }
  return set;
}

export function naiveScore(set: Set<string>, calls: CallArray, k: number): Uint8Array {
  const nw = calls.length >= k ? calls.length - k + 1 : 0;
  const out = new Uint8Array(nw);
  for (let i = 0; i < nw; i++) out[i] = set.has(calls.slice(i, i + k).join(',')) ? 0 : 1;
  return out;
}

/** Radix of the careful baseline's packed key (ids 0 .. A-1), or null when A^k exceeds 2^53. */
export function carefulRadix(alphabetSize: number, k: number): number | null {
  const A = Math.max(2, alphabetSize);
  return A ** k <= 2 ** 53 ? A : null;
}

export function carefulTrain(traces: readonly Trace[], k: number, A: number): Set<number> {
  const set = new Set<number>();
  const P = A ** (k - 1);
  for (const t of traces) {
    const c = t.calls;
    if (c.length < k) continue;
    let key = 0;
    for (let j = 0; j < k; j++) key = key * A + c[j]!;
    set.add(key);
    for (let i = k; i < c.length; i++) {
      key = (key - c[i - k]! * P) * A + c[i]!;
      set.add(key);
    }
  }
  return set;
}

/** Mismatch signal into out (reused); returns the number of windows. Ids must be in 0 .. A-1. */
export function carefulScore(set: Set<number>, calls: CallArray, k: number, A: number, out: Uint8Array): number {
  const L = calls.length;
  if (L < k) return 0;
  const P = A ** (k - 1);
  let key = 0;
  for (let j = 0; j < k; j++) key = key * A + calls[j]!;
  out[0] = set.has(key) ? 0 : 1;
  for (let i = k; i < L; i++) {
    key = (key - calls[i - k]! * P) * A + calls[i]!;
    out[i - k + 1] = set.has(key) ? 0 : 1;
  }
  return L - k + 1;
}

/** Every test call in one contiguous array of the traces' own element type (built once, untimed). */
export function concatCalls(traces: readonly Trace[]): CallArray {
  let n = 0;
  for (const t of traces) n += t.calls.length;
  const types = new Set(traces.map((t) => t.calls.constructor));
  const all = types.size === 1 && traces[0]!.calls instanceof Uint8Array ? new Uint8Array(n) : types.size === 1 && traces[0]!.calls instanceof Uint16Array ? new Uint16Array(n) : new Int32Array(n);
  let o = 0;
  for (const t of traces) {
    all.set(t.calls, o);
    o += t.calls.length;
  }
  return all;
}

/** The floor: one summing pass. */
export function sumPass(all: CallArray): number {
  let s = 0;
  for (let i = 0; i < all.length; i++) s = (s + all[i]!) | 0;
  return s;
}
