// Owns lookahead pairs (Forrest, Hofmeyr, Somayaji & Longstaff 1996, "A sense of self for Unix
// processes"): the database records, for every call c and offset d = 1..k-1, which calls were seen d
// positions after c in training; a test window mismatches when one of its pairs is missing.
//
// Conventions (window size k = Forrest's "window of size k+1", i.e. Forrest's lookahead is our k-1):
// - Training records every pair (calls[i], d, calls[i+d]) with 1 <= d <= k-1 and i+d < L, i.e. every
//   position of a trace is the first call of a window, the last k-1 positions with a shortened lookahead.
// - Test window i is calls[i .. i+k); its missing pairs are the pairs of its FIRST call with each later
//   call, (w[0], d, w[d]) for d = 1..k-1. The signal (one entry per window, L-k+1 of them, aligned with
//   Stide's) is 1 when the window has at least one missing pair.
// - The trace measure counts the missing pairs of every position, the tail included (the last k-1
//   positions, which begin no full window), and divides by the maximum possible number of pairs:
//   Forrest's k'(L - (k'+1)/2) with k' = k-1 lookahead offsets, i.e. (k-1)(L - k/2) for L >= k-1
//   (for shorter traces, the exact count L(L-1)/2).
// - The database is a bitset per (c, d) over the alphabet: Uint32Array of A*(k-1)*ceil(A/32) words, with
//   A = alphabet size seen at training. Ids >= A (or negative) are foreign: every pair holding one is missing.
// Scope: one bitset per program, or one shared by all programs (like Stide).

import { z } from 'zod';
import { buildScoped, scopeKey, sumOver } from './scope.js';
import { defineDetector, type DbScope, type DetectorConfig, type Model } from './types.js';
import type { CallArray, Trace } from '../traces/trace.js';

/** Pair bitsets of one database. Bit (c, d, x) is set when x was seen d positions after c. */
export class PairSet {
  readonly k: number;
  /** Alphabet size at training: ids 0..A-1 are known. */
  readonly A: number;
  /** Words per (c, d) row: ceil(A / 32). */
  readonly W: number;
  readonly bits: Uint32Array;

  constructor(k: number, A: number) {
    if (!Number.isInteger(k) || k < 2) throw new RangeError(`lookahead pairs need a window k >= 2, got ${k}`);
    this.k = k;
    this.A = A;
    this.W = Math.max(1, Math.ceil(A / 32));
    this.bits = new Uint32Array(A * (k - 1) * this.W);
  }

  /** Records every pair of a training trace. */
  addTrace(calls: CallArray): void {
    const k = this.k;
    const A = this.A;
    const W = this.W;
    const L = calls.length;
    const bits = this.bits;
    for (let i = 0; i < L; i++) {
      const c = calls[i]!;
      if (c < 0 || c >= A) throw new RangeError(`syscall id ${c} is outside the training alphabet (size ${A})`);
      const rowBase = c * (k - 1);
      const dMax = Math.min(k - 1, L - 1 - i);
      for (let d = 1; d <= dMax; d++) {
        const x = calls[i + d]!;
        bits[(rowBase + d - 1) * W + (x >>> 5)]! |= 1 << (x & 31);
      }
    }
  }

  /** True when x was seen d positions after c in training (false for foreign ids). */
  has(c: number, d: number, x: number): boolean {
    const A = this.A;
    if (c < 0 || c >= A || x < 0 || x >= A || d < 1 || d >= this.k) return false;
    return (this.bits[(c * (this.k - 1) + d - 1) * this.W + (x >>> 5)]! & (1 << (x & 31))) !== 0;
  }

  /** Missing pairs of the call at position i with the calls after it, up to offset k-1 (or the end). */
  missingAt(calls: CallArray, i: number): number {
    const k = this.k;
    const A = this.A;
    const W = this.W;
    const bits = this.bits;
    const dMax = Math.min(k - 1, calls.length - 1 - i);
    const c = calls[i]!;
    if (c < 0 || c >= A) return dMax;
    const rowBase = c * (k - 1);
    let miss = 0;
    for (let d = 1; d <= dMax; d++) {
      const x = calls[i + d]!;
      if (x < 0 || x >= A || (bits[(rowBase + d - 1) * W + (x >>> 5)]! & (1 << (x & 31))) === 0) miss++;
    }
    return miss;
  }

  /** Number of distinct (c, d, x) pairs stored. */
  get pairs(): number {
    let n = 0;
    const bits = this.bits;
    for (let i = 0; i < bits.length; i++) {
      let v = bits[i]!;
      v = v - ((v >>> 1) & 0x55555555);
      v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
      n += (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
    }
    return n;
  }
}

/** Maximum number of pairs a trace of length L can miss with window k: sum_i min(k-1, L-1-i). */
export function maxLookaheadPairs(L: number, k: number): number {
  if (L <= 1) return 0;
  const la = k - 1; // Forrest's k
  if (L - 1 < la) return (L * (L - 1)) / 2;
  return la * (L - (la + 1) / 2); // = (k-1)(L - k/2)
}

/** Forrest 1996 trace measure: missing pairs over the maximum possible, 0 for traces of 0 or 1 call. */
export function lookaheadMeasure(missingTotal: number, L: number, k: number): number {
  const max = maxLookaheadPairs(L, k);
  return max > 0 ? missingTotal / max : 0;
}

export class LookaheadModel implements Model {
  readonly config: DetectorConfig;
  /** Program -> pair set (scope per-program) or '*' -> the one shared set. */
  readonly dbs: Map<string, PairSet>;
  /** Alphabet size at training (every set uses it). */
  readonly A: number;

  constructor(config: DetectorConfig, A: number, dbs: Map<string, PairSet>) {
    this.config = config;
    this.A = A;
    this.dbs = dbs;
  }

  /** Distinct (c, d, x) pairs over all databases. */
  get dbSize(): number {
    return sumOver(this.dbs.values(), (db) => db.pairs);
  }

  get dbBytes(): number {
    return sumOver(this.dbs.values(), (db) => db.bits.byteLength);
  }

  dbFor(trace: Pick<Trace, 'program'>): PairSet | undefined {
    return this.dbs.get(scopeKey(this.config.scope, trace.program));
  }

  /** Missing pairs of each window (its first call with each later call); length max(0, L-k+1). */
  missingPairs(trace: Trace): Int32Array {
    const k = this.config.k;
    const L = trace.calls.length;
    const nw = Math.max(0, L - k + 1);
    const out = new Int32Array(nw);
    const db = this.dbFor(trace);
    if (db === undefined) return out.fill(k - 1);
    for (let i = 0; i < nw; i++) out[i] = db.missingAt(trace.calls, i);
    return out;
  }

  /** Missing pairs of the whole trace: every position, the tail of the last k-1 positions included. */
  missingTotal(trace: Trace): number {
    const L = trace.calls.length;
    const db = this.dbFor(trace);
    if (db === undefined) return maxLookaheadPairs(L, this.config.k);
    let n = 0;
    for (let i = 0; i < L; i++) n += db.missingAt(trace.calls, i);
    return n;
  }

  /** Forrest 1996 normalised anomaly measure of a trace (see lookaheadMeasure). */
  traceMeasure(trace: Trace): number {
    return lookaheadMeasure(this.missingTotal(trace), trace.calls.length, this.config.k);
  }

  /**
   * The signal and Forrest's measure from one pass over the missing pairs of every position: positions
   * 0..L-k begin a window (signal = missing > 0), the last k-1 add to the measure only.
   */
  scoreWithMeasure(trace: Trace): { signal: Uint8Array; measure: 'forrest'; num: number; den: number } {
    const k = this.config.k;
    const L = trace.calls.length;
    const nw = Math.max(0, L - k + 1);
    const den = maxLookaheadPairs(L, k);
    const signal = new Uint8Array(nw);
    const db = this.dbFor(trace);
    if (db === undefined) return { signal: signal.fill(1), measure: 'forrest', num: den, den };
    let num = 0;
    for (let i = 0; i < L; i++) {
      const m = db.missingAt(trace.calls, i);
      num += m;
      if (i < nw) signal[i] = m > 0 ? 1 : 0;
    }
    return { signal, measure: 'forrest', num, den };
  }

  score(trace: Trace): Uint8Array {
    const k = this.config.k;
    const nw = Math.max(0, trace.calls.length - k + 1);
    const sig = new Uint8Array(nw);
    const db = this.dbFor(trace);
    if (db === undefined) return sig.fill(1);
    for (let i = 0; i < nw; i++) sig[i] = db.missingAt(trace.calls, i) > 0 ? 1 : 0;
    return sig;
  }
}

/** Alphabet size a model covers: the largest alphabet of the training traces (and every id they hold). */
function trainingAlphabetSize(traces: readonly Trace[]): number {
  let A = 0;
  const seen = new Set<object>();
  for (const t of traces) {
    if (!seen.has(t.alphabet)) {
      seen.add(t.alphabet);
      A = Math.max(A, t.alphabet.size);
    }
    const c = t.calls;
    for (let i = 0; i < c.length; i++) if (c[i]! >= A) A = c[i]! + 1;
  }
  return A;
}

export function trainLookahead(traces: readonly Trace[], k: number, scope: DbScope): LookaheadModel {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`lookahead pairs need a window k >= 2, got ${k}`);
  const A = trainingAlphabetSize(traces);
  const dbs = buildScoped(traces, scope, () => new PairSet(k, A), (db, t) => db.addTrace(t.calls));
  return new LookaheadModel({ kind: 'lookahead', scope, k, resetOn: [] }, A, dbs);
}

export const lookaheadDetector = defineDetector({
  kind: 'lookahead',
  summary: 'lookahead pairs (Forrest 1996): a window mismatches when a (call, offset, call) pair of its first call is new',
  params: z.object({}).strict(),
  scopes: ['per-program', 'shared'],
  check: (_params, k) => (k < 2 ? `detector lookahead needs k >= 2 (found k = ${k}): a window of one call has no pairs` : undefined),
  train: (traces, o) => trainLookahead(traces, o.k, o.scope),
  save: (m) => {
    const model = m as LookaheadModel;
    return { state: { A: model.A, programs: [...model.dbs.keys()] }, arrays: [...model.dbs.values()].map((d) => d.bits) };
  },
  load: (parts, config, _params, size) => {
    const st = parts.state as { A?: unknown; programs?: unknown } | null;
    const A = st?.A;
    const programs = st?.programs;
    if (!Number.isInteger(A) || (A as number) < 0 || (A as number) > size) throw new Error(`state.A must be an integer in 0..${size} (the alphabet size)`);
    if (!Array.isArray(programs) || !programs.every((p) => typeof p === 'string') || programs.length !== parts.arrays.length) {
      throw new Error('state.programs must name one bitset array per database');
    }
    const dbs = new Map<string, PairSet>();
    programs.forEach((p: string, i) => {
      const db = new PairSet(config.k, A as number);
      const bits = parts.arrays[i];
      if (!(bits instanceof Uint32Array) || bits.length !== db.bits.length) throw new Error(`database ${p}: expected ${db.bits.length} uint32 words`);
      db.bits.set(bits);
      dbs.set(p, db);
    });
    return new LookaheadModel(config, A as number, dbs);
  },
  online: (m) => {
    // Per-program models: the union (bitwise or) of the pair sets, what a shared model of the same data holds.
    const model = m as LookaheadModel;
    const k = model.config.k;
    const sets = [...model.dbs.values()];
    let db = sets[0] ?? new PairSet(k, model.A);
    if (sets.length > 1) {
      db = new PairSet(k, model.A);
      for (const s of sets) for (let i = 0; i < s.bits.length; i++) db.bits[i]! |= s.bits[i]!;
    }
    return { k, merged: sets.length, test: (w: Int32Array): number => (db.missingAt(w, 0) > 0 ? 1 : 0) };
  },
});
