// Owns the Hamming-distance detector (Hofmeyr, Forrest & Somayaji 1998, "Intrusion detection using
// sequences of system calls"): the database holds the full normal sequences of length k; a test window's
// anomaly is d_min, the Hamming distance (number of differing positions) to the closest normal window; a
// window is anomalous when d_min >= C (param minDistance, 1 <= C <= k; C = 1 is exactly Stide); the
// trace measure is S_A = max d_min over its windows, normalised Ŝ_A = S_A / k.
//
// Nearest-neighbour search (exact):
// 1. exact lookup in the WindowSet (d = 0, the common case);
// 2. otherwise a branch-and-bound search over tries of the normal windows (Hofmeyr's "forest of trees"),
//    held in typed arrays, with a pigeonhole split (multi-index search): the positions are cut into B
//    contiguous blocks and trie b starts with block b; a window closer than the best distance found so
//    far, `best`, matches some block up to floor((best-1)/B) mismatches, so trie b may spend at most that
//    many inside its block. That cuts the top of the tries, which a plain trie search explores almost
//    entirely to prove d_min >= 3. In each trie the child equal to the query's call is tried first; a
//    branch is cut when mismatches so far + a lower bound for the rest cannot beat `best`; the search
//    stops as soon as it reaches its lower bound (1 after a failed exact lookup). The lower bound counts
//    the query positions whose call never occurs at that position in any normal window (a call unseen
//    in training costs 1 at every position without any search).
// 3. d_min is cached per distinct window within one scoring call (an exactly verified WindowSet, not a
//    hash-keyed map, so hash collisions cannot mix two windows up).
// For the signal with C > 1 the search only has to decide whether some normal window lies closer than
// C, which stops earlier than computing d_min.
// Scope: one database per program, or one shared by all programs (like Stide). A program without
// training data has d_min = k at every window.

import { z } from 'zod';
import { WindowSet, hashWindow } from './window-set.js';
import { loadWindowSets, saveWindowSets, scopeKey, sumOver, trainWindowSets, unionWindowSet } from './scope.js';
import { defineDetector, type DbScope, type DetectorConfig, type Model } from './types.js';
import type { CallArray, Trace } from '../traces/trace.js';

/** Index of the child with value v among the sorted children [lo, hi), or -1. */
function findChild(vals: Int32Array, lo: number, hi: number, v: number): number {
  if (hi - lo <= 8) {
    for (let u = lo; u < hi; u++) {
      const x = vals[u]!;
      if (x >= v) return x === v ? u : -1;
    }
    return -1;
  }
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >>> 1;
    if (vals[m]! < v) a = m + 1;
    else b = m;
  }
  return a < hi && vals[a] === v ? a : -1;
}

/**
 * A trie of distinct windows whose levels follow a permutation of the window positions (level j holds
 * position perm[j]). Held in typed arrays: level by level, node values in sorted order, and the children
 * of node u are the nodes first[u] .. first[u+1]-1 of the next level.
 */
class Trie {
  readonly perm: Int32Array;
  readonly vals: Int32Array;
  readonly first: Int32Array;
  /** Level-0 nodes are 0 .. rootEnd-1. */
  readonly rootEnd: number;
  /** Levels 0 .. blockLen-1 hold this trie's block (the positions a near window must nearly match). */
  readonly blockLen: number;

  constructor(k: number, windows: Int32Array, perm: Int32Array, blockLen: number) {
    this.perm = perm;
    this.blockLen = blockLen;
    const n = windows.length / k;
    // Windows rewritten in trie order, then sorted lexicographically.
    const pw = new Int32Array(windows.length);
    for (let w = 0; w < n; w++) for (let j = 0; j < k; j++) pw[w * k + j] = windows[w * k + perm[j]!]!;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    order.sort((a, b) => {
      const ba = a * k;
      const bb = b * k;
      for (let j = 0; j < k; j++) {
        const d = pw[ba + j]! - pw[bb + j]!;
        if (d !== 0) return d;
      }
      return 0;
    });
    // Level j gets a new node wherever the sorted window's prefix [0..j] differs from the previous one's.
    const levelVals: Int32Array[] = [];
    const levelParent: Int32Array[] = [];
    const levelCount = new Int32Array(k);
    for (let j = 0; j < k; j++) {
      levelVals.push(new Int32Array(n));
      levelParent.push(new Int32Array(n));
    }
    for (let s = 0; s < n; s++) {
      const w = order[s]! * k;
      let lcp = 0;
      if (s > 0) {
        const prev = order[s - 1]! * k;
        while (lcp < k && pw[w + lcp] === pw[prev + lcp]) lcp++;
      }
      for (let j = lcp; j < k; j++) {
        const c = levelCount[j]!++;
        levelVals[j]![c] = pw[w + j]!;
        levelParent[j]![c] = j > 0 ? levelCount[j - 1]! - 1 : -1;
      }
    }
    let total = 0;
    const levelBase = new Int32Array(k + 1);
    for (let j = 0; j < k; j++) {
      levelBase[j] = total;
      total += levelCount[j]!;
    }
    levelBase[k] = total;
    const vals = new Int32Array(total);
    const first = new Int32Array(total + 1);
    for (let j = 0; j < k; j++) {
      vals.set(levelVals[j]!.subarray(0, levelCount[j]!), levelBase[j]!);
      const base = levelBase[j]!;
      const cnt = levelCount[j]!;
      if (j === k - 1) {
        for (let c = 0; c <= cnt; c++) first[base + c] = total; // leaves: empty child ranges
        continue;
      }
      // Children of level-j node c: level-(j+1) nodes whose parent is c (contiguous: parents are sorted).
      const par = levelParent[j + 1]!;
      const ccount = levelCount[j + 1]!;
      const cbase = levelBase[j + 1]!;
      let c2 = 0;
      for (let c = 0; c < cnt; c++) {
        first[base + c] = cbase + c2;
        while (c2 < ccount && par[c2] === c) c2++;
      }
      // The last node's end. This slot is also the first node of level j+1, whose first child is the
      // first node of level j+2: the same value, so both readings agree.
      first[base + cnt] = cbase + ccount;
    }
    this.vals = vals;
    this.first = first;
    this.rootEnd = levelCount[0] ?? 0;
  }

  get bytes(): number {
    return this.vals.byteLength + this.first.byteLength + this.perm.byteLength;
  }
}

/**
 * Default number of blocks (tries). Measured on ADFA-LD (distinct foreign validation windows against the
 * training database): at k = 6, 2 blocks enter ~15 M trie nodes, 3 blocks ~16 M, 1 block (a plain trie)
 * ~85 M; at k = 10, 2 and 3 blocks tie and 4-5 are slower. Short windows need no split.
 */
export function defaultBlocks(k: number): number {
  return k >= 4 ? 2 : 1;
}

/**
 * Exact nearest-neighbour index (Hamming distance) over a set of distinct windows: `blocks` tries, trie b
 * starting with block b of a partition of the positions into `blocks` contiguous blocks (pigeonhole /
 * multi-index search), plus the per-position call presence used for lower bounds.
 */
export class HammingIndex {
  readonly k: number;
  /** Distinct windows. */
  readonly n: number;
  /** Alphabet bound: ids 0..A-1 may occur in normal windows. */
  readonly A: number;
  readonly blocks: number;
  private readonly tries: Trie[];
  /** presence[p*A + c] = 1 when call c occurs at position p in some normal window. */
  private readonly presence: Uint8Array;
  /** budget[b] = floor((b - 1) / blocks): mismatches a trie may spend in its block while best = b. */
  private readonly budget: Int32Array;
  // Per-query search state (reused; never allocated per query).
  /** forb[p] = 1 when the query's call at position p never occurs there in a normal window. */
  private readonly forb: Uint8Array;
  /** The query in the current trie's level order. */
  private readonly q: Int32Array;
  /** sLB[j] = forbidden query positions at levels >= j of the current trie: a lower bound on their mismatches. */
  private readonly sLB: Int32Array;
  /** DFS stack, one frame per level: child range, next child to try (-1: the match first), match, mismatches. */
  private readonly sLo: Int32Array;
  private readonly sHi: Int32Array;
  private readonly sCur: Int32Array;
  private readonly sMatch: Int32Array;
  private readonly sMm: Int32Array;
  /** Trie nodes entered by searches so far (diagnostics for the benchmark). */
  visited = 0;

  constructor(k: number, windows: Int32Array, blocks: number = defaultBlocks(k)) {
    this.k = k;
    const n = windows.length / k;
    if (!Number.isInteger(n)) throw new RangeError(`window array holds ${windows.length} ints, not a multiple of k = ${k}`);
    if (!Number.isInteger(blocks) || blocks < 1 || blocks > k) throw new RangeError(`blocks must be an integer in 1..k, got ${blocks}`);
    this.n = n;
    this.blocks = blocks;
    let A = 0;
    for (let i = 0; i < windows.length; i++) if (windows[i]! >= A) A = windows[i]! + 1;
    this.A = A;
    const presence = new Uint8Array(k * A);
    for (let w = 0; w < n; w++) for (let p = 0; p < k; p++) presence[p * A + windows[w * k + p]!] = 1;
    this.presence = presence;
    this.budget = new Int32Array(k + 2);
    for (let b = 1; b <= k + 1; b++) this.budget[b] = Math.floor((b - 1) / blocks);
    this.tries = [];
    for (let b = 0; b < blocks; b++) {
      const lo = Math.floor((b * k) / blocks);
      const hi = Math.floor(((b + 1) * k) / blocks);
      const perm = new Int32Array(k);
      let j = 0;
      for (let p = lo; p < hi; p++) perm[j++] = p;
      for (let p = 0; p < k; p++) if (p < lo || p >= hi) perm[j++] = p;
      this.tries.push(new Trie(k, windows, perm, blocks === 1 ? 0 : hi - lo));
    }
    this.forb = new Uint8Array(k);
    this.q = new Int32Array(k);
    this.sLB = new Int32Array(k + 1);
    this.sLo = new Int32Array(k);
    this.sHi = new Int32Array(k);
    this.sCur = new Int32Array(k);
    this.sMatch = new Int32Array(k);
    this.sMm = new Int32Array(k);
  }

  /** Trie nodes over all tries. */
  get nodes(): number {
    let n = 0;
    for (const t of this.tries) n += t.vals.length;
    return n;
  }

  get bytes(): number {
    let n = this.presence.byteLength + this.budget.byteLength + this.forb.byteLength + this.q.byteLength + this.sLB.byteLength;
    n += 5 * this.sLo.byteLength;
    for (const t of this.tries) n += t.bytes;
    return n;
  }

  /**
   * Smallest Hamming distance below `best` from calls[start..start+k) to a normal window, or `best` when
   * none is closer. The search stops as soon as it finds a distance <= stopAt (a known lower bound, or
   * "close enough" for a threshold decision).
   *
   * Exactness: a window w with d(w) < best (the final one) has, by pigeonhole, a block with at most
   * floor((d(w)) / blocks) <= budget[best] mismatches; the trie of that block allows that many there, so
   * its branch-and-bound reaches w. Budgets only tighten as best falls, never excluding such a w.
   */
  search(calls: ArrayLike<number>, start: number, stopAt: number, best: number): number {
    const k = this.k;
    const A = this.A;
    const presence = this.presence;
    const forb = this.forb;
    let lb = 0;
    for (let p = 0; p < k; p++) {
      const c = calls[start + p]!;
      const f = c >= 0 && c < A && presence[p * A + c] === 1 ? 0 : 1;
      forb[p] = f;
      lb += f;
    }
    if (this.n === 0) return Math.min(best, k);
    if (lb >= best) return best;
    if (lb === k) return k; // every position is foreign: every normal window is at distance k
    const stop = Math.max(stopAt, lb);
    const q = this.q;
    const sLB = this.sLB;
    for (const t of this.tries) {
      const perm = t.perm;
      sLB[k] = 0;
      for (let j = k - 1; j >= 0; j--) {
        q[j] = calls[start + perm[j]!]!;
        sLB[j] = sLB[j + 1]! + forb[perm[j]!]!;
      }
      best = this.dfs(t, best, stop);
      if (best <= stop) break;
    }
    return best;
  }

  /**
   * Branch-and-bound over one trie, iterative (an explicit stack of one frame per level). At each level
   * the child equal to the query's call is tried first, then the other children with one more mismatch,
   * as long as mismatches + the lower bound of the remaining levels can beat `best`, and, inside the
   * trie's block, as long as the block's mismatch budget allows.
   */
  private dfs(t: Trie, best: number, stopAt: number): number {
    const k = this.k;
    const vals = t.vals;
    const first = t.first;
    const blockLen = t.blockLen;
    const budget = this.budget;
    const q = this.q;
    const sLB = this.sLB;
    const lo = this.sLo;
    const hi = this.sHi;
    const cur = this.sCur;
    const mt = this.sMatch;
    const mmv = this.sMm;
    let visited = 0;
    let p = 0;
    lo[0] = 0;
    hi[0] = t.rootEnd;
    mmv[0] = 0;
    cur[0] = -1;
    mt[0] = findChild(vals, 0, t.rootEnd, q[0]!);
    while (p >= 0) {
      const mm = mmv[p]!;
      const rest = sLB[p + 1]!;
      let next = -1;
      let nmm = mm;
      if (cur[p] === -1) {
        cur[p] = lo[p]!;
        const m = mt[p]!;
        if (m >= 0 && mm + rest < best) next = m;
      }
      if (next < 0) {
        // Other children cost one more mismatch: within the bound, and within the block's budget.
        if (mm + 1 + rest >= best || (p < blockLen && mm + 1 > budget[best]!)) {
          p--;
          continue;
        }
        let u = cur[p]!;
        if (u === mt[p]) u++;
        if (u >= hi[p]!) {
          p--;
          continue;
        }
        if (p === k - 1) {
          // Any non-matching leaf completes a window at distance mm + 1; no other leaf here does better.
          best = mm + 1;
          if (best <= stopAt) break;
          p--;
          continue;
        }
        cur[p] = u + 1;
        next = u;
        nmm = mm + 1;
      }
      if (p === k - 1) {
        best = nmm; // the matching leaf: a window at distance mm
        if (best <= stopAt) break;
        continue; // then this level's other leaves (pruned unless they can still help)
      }
      visited++;
      const l = first[next]!;
      const h = first[next + 1]!;
      p++;
      lo[p] = l;
      hi[p] = h;
      mmv[p] = nmm;
      cur[p] = -1;
      mt[p] = findChild(vals, l, h, q[p]!);
    }
    this.visited += visited;
    return best;
  }

  /** Reference scan over every window (tests): the exact d_min of calls[start..start+k). */
  static bruteForce(windows: Int32Array, k: number, calls: ArrayLike<number>, start: number): number {
    const n = windows.length / k;
    let best = k;
    for (let w = 0; w < n && best > 0; w++) {
      let d = 0;
      for (let p = 0; p < k && d < best; p++) if (windows[w * k + p] !== calls[start + p]) d++;
      if (d < best) best = d;
    }
    return best;
  }
}

/** One database: the exact window set and the trie index over the same windows. */
export interface HammingDb {
  readonly set: WindowSet;
  readonly index: HammingIndex;
}

export interface HammingProfile {
  /** d_min of every window (length max(0, L-k+1)); 0 for windows in the database. */
  dMin: Uint8Array;
  /** S_A = max d_min (0 for a trace without windows). */
  sA: number;
  /** Ŝ_A = S_A / k. */
  normalized: number;
}

/** Growable per-call cache: distinct foreign window -> value, verified exactly by a WindowSet. */
class WindowCache {
  readonly set: WindowSet;
  private vals = new Uint8Array(64);

  constructor(k: number) {
    this.set = new WindowSet(k, 64);
  }

  get(calls: CallArray, i: number, h: number): number {
    const idx = this.set.findHashed(calls, i, h);
    return idx < 0 ? -1 : this.vals[idx]!;
  }

  put(calls: CallArray, i: number, h: number, v: number): void {
    this.set.addHashed(calls, i, h);
    const idx = this.set.size - 1;
    if (idx >= this.vals.length) {
      const g = new Uint8Array(this.vals.length * 2);
      g.set(this.vals);
      this.vals = g;
    }
    this.vals[idx] = v;
  }
}

export const DEFAULT_MIN_DISTANCE = 1;

export class HammingModel implements Model {
  readonly config: DetectorConfig;
  /** C: a window is anomalous when d_min >= C. */
  readonly minDistance: number;
  /** Program -> database (scope per-program) or '*' -> the one shared database. */
  readonly dbs: Map<string, HammingDb>;

  constructor(config: DetectorConfig, minDistance: number, dbs: Map<string, HammingDb>) {
    this.config = config;
    this.minDistance = minDistance;
    this.dbs = dbs;
  }

  get dbSize(): number {
    return sumOver(this.dbs.values(), (db) => db.set.size);
  }

  get dbBytes(): number {
    return sumOver(this.dbs.values(), (db) => db.set.bytes + db.index.bytes);
  }

  dbFor(trace: Pick<Trace, 'program'>): HammingDb | undefined {
    return this.dbs.get(scopeKey(this.config.scope, trace.program));
  }

  /**
   * Per window: the exact-lookup result, then (for absent windows) search(stopAt, best) through the
   * per-call cache. Returns values capped at `best`.
   */
  private distances(db: HammingDb, calls: CallArray, stopAt: number, best: number): Uint8Array {
    const k = this.config.k;
    const idx = db.set.lookupAll(calls);
    const out = new Uint8Array(idx.length);
    let cache: WindowCache | undefined;
    for (let i = 0; i < idx.length; i++) {
      if (idx[i]! >= 0) continue; // d = 0
      cache ??= new WindowCache(k);
      const h = hashWindow(calls, i, k);
      let d = cache.get(calls, i, h);
      if (d < 0) {
        d = db.index.search(calls, i, stopAt, best);
        cache.put(calls, i, h, d);
      }
      out[i] = d;
    }
    return out;
  }

  /** d_min of every window of a trace and Hofmeyr's S_A, Ŝ_A. */
  profile(trace: Trace): HammingProfile {
    const k = this.config.k;
    const nw = Math.max(0, trace.calls.length - k + 1);
    const db = this.dbFor(trace);
    const dMin = db === undefined ? new Uint8Array(nw).fill(k) : this.distances(db, trace.calls, 1, k + 1);
    let sA = 0;
    for (let i = 0; i < dMin.length; i++) if (dMin[i]! > sA) sA = dMin[i]!;
    return { dMin, sA, normalized: sA / k };
  }

  /** The signal (d_min >= C) and Hofmeyr's S_A / k from one pass over the exact d_min of every window. */
  scoreWithMeasure(trace: Trace): { signal: Uint8Array; measure: 'hofmeyr'; num: number; den: number } {
    const { dMin, sA } = this.profile(trace);
    const C = this.minDistance;
    const signal = new Uint8Array(dMin.length);
    for (let i = 0; i < dMin.length; i++) signal[i] = dMin[i]! >= C ? 1 : 0;
    return { signal, measure: 'hofmeyr', num: sA, den: this.config.k };
  }

  score(trace: Trace): Uint8Array {
    const k = this.config.k;
    const C = this.minDistance;
    const db = this.dbFor(trace);
    if (db === undefined) return new Uint8Array(Math.max(0, trace.calls.length - k + 1)).fill(1);
    if (C === 1) return db.set.mismatches(trace.calls); // d_min >= 1 <=> absent: Stide
    // Decide d_min >= C: search for a normal window closer than C, stopping at the first one found.
    const d = this.distances(db, trace.calls, C - 1, C);
    for (let i = 0; i < d.length; i++) d[i] = d[i]! >= C ? 1 : 0;
    return d;
  }
}

/** d_min per window and Ŝ_A of a trace (Hofmeyr 1998); see HammingModel.profile. */
export function hammingProfile(model: HammingModel, trace: Trace): HammingProfile {
  return model.profile(trace);
}

export function trainHamming(
  traces: readonly Trace[],
  k: number,
  scope: DbScope,
  minDistance: number = DEFAULT_MIN_DISTANCE,
): HammingModel {
  if (!Number.isInteger(k) || k < 1 || k > 255) throw new RangeError(`Hamming detector needs 1 <= k <= 255, got ${k}`);
  if (!Number.isInteger(minDistance) || minDistance < 1 || minDistance > k) {
    throw new RangeError(`Hamming minDistance must be an integer in 1..k (k = ${k}), got ${minDistance}`);
  }
  const sets = trainWindowSets(traces, scope, k);
  return new HammingModel({ kind: 'hamming', scope, k, resetOn: [] }, minDistance, hammingDbs(k, sets));
}

function hammingDbs(k: number, sets: ReadonlyMap<string, WindowSet>): Map<string, HammingDb> {
  const dbs = new Map<string, HammingDb>();
  for (const [key, set] of sets) dbs.set(key, { set, index: new HammingIndex(k, set.export().windows) });
  return dbs;
}

export const hammingDetector = defineDetector({
  kind: 'hamming',
  summary: 'Hamming distance (Hofmeyr 1998): a window is anomalous when its nearest normal window differs in >= minDistance calls',
  params: z.object({ minDistance: z.number().int().min(1).default(DEFAULT_MIN_DISTANCE) }).strict(),
  scopes: ['per-program', 'shared'],
  check: (p, k) => {
    if (k > 255) return `detector hamming needs k <= 255 (found k = ${k})`;
    if (p.minDistance > k) return `detector hamming: bad param minDistance = ${p.minDistance}; expected an integer in 1..k = 1..${k}`;
    return undefined;
  },
  train: (traces, o) => trainHamming(traces, o.k, o.scope, o.params.minDistance),
  save: (m) => saveWindowSets(new Map([...(m as HammingModel).dbs].map(([p, db]) => [p, db.set]))),
  load: (parts, config, params, size) => new HammingModel(config, params.minDistance, hammingDbs(config.k, loadWindowSets(parts, config.k, size))),
  online: (m) => {
    // Per-program models: the union of the window sets and one index over it.
    const model = m as HammingModel;
    const k = model.config.k;
    const C = model.minDistance;
    const single = model.dbs.size === 1 ? [...model.dbs.values()][0]! : undefined;
    const set = single?.set ?? unionWindowSet(k, [...model.dbs.values()].map((d) => d.set));
    const index = single?.index ?? new HammingIndex(k, set.export().windows);
    return {
      k,
      merged: model.dbs.size,
      test: (w: Int32Array): number => {
        if (set.has(w, 0)) return 0;
        if (C === 1) return 1;
        return index.search(w, 0, C - 1, C) >= C ? 1 : 0;
      },
    };
  },
});
