// Owns per-program profiles identified at run time (the paper's future work, Maiero & Miculan 2011 §6):
// training keeps one Stide database and one smoothed system-call frequency distribution per program
// (a "profile"); a test process arrives with its calls only (no program name) and is assigned, after
// its first n calls, to one profile by
//   (a) 'mismatch': the lowest Stide mismatch rate of its windows so far against each profile database;
//       ties → the lowest mean Hamming distance (Hofmeyr 1998 d_min, exact, via HammingIndex) of those
//       windows to each tied profile; still tied → the alphabetically first program name; or
//   (b) 'jsd': the profile whose call distribution is nearest by Jensen–Shannon divergence (base 2, so in
//       [0, 1]); ties → the alphabetically first program name.
// The process's windows are then scored against that one profile (ProfileModel, a standard `Model`, so
// frames, thresholds and metrics apply unchanged). The oracle choice uses the trace's true program and
// gives exactly per-program Stide's signal.
//
// Decisions (documented where they matter):
// - Identification sees only calls[0 .. min(n, L)) ('all' = the whole trace). A prefix with fewer than k
//   calls has no window: the mismatch method then has no evidence and picks the alphabetically first
//   profile (decidedBy 'alphabetical').
// - Once identified, the WHOLE trace is scored against the chosen profile, windows inside the
//   identification prefix included (retroactively: an online monitor would buffer the first n calls).
// - Smoothing (jsd): a profile's distribution is add-ε: (count + ε) / (N + ε·bins), ε = 0.01 pseudo-calls
//   per bin by default, so a call the program never made keeps a tiny non-zero probability. The test
//   prefix is NOT smoothed: add-one over a ~300-name alphabet would drown a 10-call prefix in pseudo-
//   counts. JS divergence is finite with zeros on either side, so no smoothing is needed for correctness.
// - Bins: ids 0 .. alphabetSize-1 (the alphabet size at training) plus one last bin for every id the
//   alphabet gained later (calls no profile was trained on).

import { HammingIndex } from './hamming.js';
import { WindowSet, hashWindow } from './window-set.js';
import type { DetectorConfig, Model } from './types.js';
import type { CallArray, Trace } from '../traces/trace.js';

export const IDENTIFY_METHODS = ['mismatch', 'jsd'] as const;
export type IdentifyMethod = (typeof IDENTIFY_METHODS)[number];

/** Calls seen before identification: a positive count, or 'all' (the whole trace). */
export type CallsSeen = number | 'all';

export const DEFAULT_JSD_EPSILON = 0.01;

export interface ProfileSetOptions {
  /** Add-ε pseudo-count per bin in the profiles' distributions (default 0.01). */
  jsdEpsilon?: number;
  /** Alphabet size the distributions cover (default: the largest alphabet size among the training traces). */
  alphabetSize?: number;
}

/** Per-program databases and call distributions, programs in code-unit order. */
export class ProfileSet {
  readonly k: number;
  readonly programs: readonly string[];
  readonly dbs: readonly WindowSet[];
  /** Smoothed call distribution per program over `bins` bins (each sums to 1). */
  readonly dists: readonly Float64Array[];
  /** Training calls per program. */
  readonly calls: readonly number[];
  /** alphabetSize + 1: the last bin holds every id >= alphabetSize. */
  readonly bins: number;
  readonly epsilon: number;
  private readonly index = new Map<string, number>();
  private readonly hamming: (HammingIndex | undefined)[];

  constructor(k: number, programs: readonly string[], dbs: readonly WindowSet[], dists: readonly Float64Array[], calls: readonly number[], epsilon: number) {
    if (programs.length !== dbs.length || programs.length !== dists.length) throw new RangeError('ProfileSet: programs, dbs and dists must align');
    this.k = k;
    this.programs = programs;
    this.dbs = dbs;
    this.dists = dists;
    this.calls = calls;
    this.bins = dists[0]?.length ?? 1;
    this.epsilon = epsilon;
    programs.forEach((p, i) => this.index.set(p, i));
    this.hamming = programs.map(() => undefined);
  }

  get size(): number {
    return this.programs.length;
  }

  /** Index of a program's profile, -1 when it has none. */
  indexOf(program: string): number {
    return this.index.get(program) ?? -1;
  }

  /** Distinct windows over all profiles. */
  get dbSize(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }

  /** Bytes of the window sets plus the distributions (the trie indexes built for tie-breaks are not counted). */
  get dbBytes(): number {
    let n = 0;
    for (const db of this.dbs) n += db.bytes;
    for (const d of this.dists) n += d.byteLength;
    return n;
  }

  /** Hamming nearest-neighbour index of profile i, built on first use (only tie-breaks need it). */
  hammingIndex(i: number): HammingIndex {
    let h = this.hamming[i];
    if (h === undefined) {
      h = new HammingIndex(this.k, this.dbs[i]!.export().windows);
      this.hamming[i] = h;
    }
    return h;
  }

  /** Bin of a dense call id. */
  bin(id: number): number {
    return id >= 0 && id < this.bins - 1 ? id : this.bins - 1;
  }
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Trains one Stide database and one smoothed call distribution per program (trace.program). */
export function trainProfiles(traces: readonly Trace[], k: number, opts: ProfileSetOptions = {}): ProfileSet {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`window length k must be a positive integer, got ${k}`);
  const epsilon = opts.jsdEpsilon ?? DEFAULT_JSD_EPSILON;
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new RangeError(`jsdEpsilon must be a positive number, got ${epsilon}`);
  let A = opts.alphabetSize ?? 0;
  if (opts.alphabetSize === undefined) for (const t of traces) A = Math.max(A, t.alphabet.size);
  const bins = A + 1;
  const programs = [...new Set(traces.map((t) => t.program))].sort(compareCodeUnits);
  const idx = new Map(programs.map((p, i) => [p, i] as const));
  const dbs = programs.map(() => new WindowSet(k));
  const counts = programs.map(() => new Float64Array(bins));
  const calls = programs.map(() => 0);
  for (const t of traces) {
    const i = idx.get(t.program)!;
    dbs[i]!.addTrace(t.calls);
    const c = counts[i]!;
    const xs = t.calls;
    for (let j = 0; j < xs.length; j++) {
      const id = xs[j]!;
      const b = id >= 0 && id < A ? id : A;
      c[b] = c[b]! + 1;
    }
    calls[i] = calls[i]! + xs.length;
  }
  const dists = counts.map((c, i) => {
    const denom = calls[i]! + epsilon * bins;
    const d = new Float64Array(bins);
    for (let b = 0; b < bins; b++) d[b] = (c[b]! + epsilon) / denom;
    return d;
  });
  return new ProfileSet(k, programs, dbs, dists, calls, epsilon);
}

/**
 * Jensen–Shannon divergence in bits between two distributions over the same bins (each summing to 1):
 * JSD = ½ KL(P‖M) + ½ KL(Q‖M), M = (P+Q)/2. 0 for identical inputs, symmetric, at most 1; terms with a
 * zero probability contribute 0 (the limit), so zeros need no smoothing.
 */
export function jsDivergence(p: ArrayLike<number>, q: ArrayLike<number>): number {
  if (p.length !== q.length) throw new RangeError(`jsDivergence: lengths differ (${p.length} vs ${q.length})`);
  let s = 0;
  for (let i = 0; i < p.length; i++) {
    const a = p[i]!;
    const b = q[i]!;
    if (a === 0 && b === 0) continue;
    const m = (a + b) / 2;
    if (a > 0) s += a * Math.log2(a / m);
    if (b > 0) s += b * Math.log2(b / m);
  }
  // Rounding can leave -1e-17 for identical inputs.
  return Math.max(0, s / 2);
}

/** Empirical call distribution of calls[0..n) in a profile set's bins (unsmoothed). */
export function callDistribution(set: ProfileSet, calls: CallArray, n: number = calls.length): Float64Array {
  const m = Math.min(n, calls.length);
  const d = new Float64Array(set.bins);
  for (let j = 0; j < m; j++) {
    const b = set.bin(calls[j]!);
    d[b] = d[b]! + 1;
  }
  if (m > 0) for (let b = 0; b < d.length; b++) d[b] = d[b]! / m;
  return d;
}

export type DecidedBy = 'score' | 'hamming' | 'alphabetical';

export interface Identification {
  method: IdentifyMethod;
  /** Calls the identification used: min(n, trace length). */
  calls: number;
  /** Windows in that prefix (max(0, calls - k + 1)). */
  windows: number;
  /** Chosen profile index into set.programs (-1 only for an empty profile set). */
  index: number;
  program: string | null;
  /**
   * Per profile, aligned with set.programs: the mismatch rate of the prefix's windows ('mismatch'; NaN
   * when the prefix has no window) or the JS divergence in bits ('jsd').
   */
  scores: number[];
  /** Mean Hamming distance per profile when a mismatch tie was broken by it (NaN for profiles outside the tie). */
  meanHamming?: number[];
  /** What decided: a unique best score, the Hamming tie-break, or the alphabetical fallback. */
  decidedBy: DecidedBy;
}

function prefixLength(n: CallsSeen, L: number): number {
  if (n === 'all') return L;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`calls seen must be a positive integer or 'all', got ${String(n)}`);
  return Math.min(n, L);
}

/** Sum over the windows of calls[0..m) of d_min to profile i (0 for windows in its database). */
function hammingSum(set: ProfileSet, i: number, calls: CallArray, m: number): number {
  const k = set.k;
  const nw = Math.max(0, m - k + 1);
  if (nw === 0) return 0;
  const db = set.dbs[i]!;
  const index = set.hammingIndex(i);
  // Distinct foreign windows are searched once (exactly verified cache, like HammingModel's).
  const seen = new WindowSet(k, 64);
  let dist = new Uint8Array(64);
  let sum = 0;
  for (let w = 0; w < nw; w++) {
    const h = hashWindow(calls, w, k);
    if (db.findHashed(calls, w, h) >= 0) continue;
    const c = seen.findHashed(calls, w, h);
    let d: number;
    if (c >= 0) d = dist[c]!;
    else {
      d = index.search(calls, w, 1, k + 1);
      seen.addHashed(calls, w, h);
      const at = seen.size - 1;
      if (at >= dist.length) {
        const g = new Uint8Array(dist.length * 2);
        g.set(dist);
        dist = g;
      }
      dist[at] = d;
    }
    sum += d;
  }
  return sum;
}

/**
 * Identifies a process's profile after each of several prefix lengths in one pass per profile (the
 * accuracy study asks for n = 10, 50, 100, 500, all). Results are aligned with `ns`.
 */
export function identifyAtPrefixes(set: ProfileSet, calls: CallArray, method: IdentifyMethod, ns: readonly CallsSeen[]): Identification[] {
  const L = calls.length;
  const k = set.k;
  const P = set.size;
  const lens = ns.map((n) => prefixLength(n, L));
  if (P === 0) {
    return lens.map((m) => ({ method, calls: m, windows: Math.max(0, m - k + 1), index: -1, program: null, scores: [], decidedBy: 'alphabetical' as const }));
  }
  const maxLen = Math.max(0, ...lens);
  // Prefix boundaries in ascending order, each evaluated once.
  const order = lens.map((_, j) => j).sort((a, b) => lens[a]! - lens[b]!);
  if (method === 'mismatch') {
    const nwMax = Math.max(0, maxLen - k + 1);
    const miss = lens.map(() => new Float64Array(P)); // mismatches in prefix j against profile p
    const sig = new Uint8Array(nwMax);
    const head = calls.subarray(0, maxLen);
    for (let p = 0; p < P; p++) {
      set.dbs[p]!.mismatches(head, sig);
      let acc = 0;
      let w = 0;
      for (const j of order) {
        const nw = Math.max(0, lens[j]! - k + 1);
        for (; w < nw; w++) acc += sig[w]!;
        miss[j]![p] = acc;
      }
    }
    return lens.map((m, j) => decideMismatch(set, calls, m, miss[j]!));
  }
  // jsd: grow the prefix's counts boundary by boundary. The divergence is computed over the prefix's
  // support S only: for a bin with q = 0 the P-side term is p·log2(p / (p/2)) = p, so those bins add
  // ½·(1 − Σ_S p) in total (profiles sum to 1). Same value as jsDivergence(dist, q) up to rounding.
  const counts = new Float64Array(set.bins);
  const support = new Int32Array(set.bins);
  let sn = 0;
  const out: Identification[] = new Array(lens.length);
  let c = 0;
  for (const j of order) {
    const m = lens[j]!;
    for (; c < m; c++) {
      const b = set.bin(calls[c]!);
      if (counts[b] === 0) support[sn++] = b;
      counts[b] = counts[b]! + 1;
    }
    const scores: number[] = [];
    let best = -1;
    for (let p = 0; p < P; p++) {
      let d = NaN;
      if (m > 0) {
        const dist = set.dists[p]!;
        let sum = 0;
        let inS = 0;
        for (let u = 0; u < sn; u++) {
          const b = support[u]!;
          const a = dist[b]!;
          const q = counts[b]! / m;
          const mid = (a + q) / 2;
          inS += a;
          if (a > 0) sum += a * Math.log2(a / mid);
          sum += q * Math.log2(q / mid);
        }
        d = Math.max(0, (sum + Math.max(0, 1 - inS)) / 2);
      }
      scores.push(d);
      if (m > 0 && (best < 0 || d < scores[best]!)) best = p; // strict <: ties keep the alphabetically first
    }
    let decidedBy: DecidedBy = 'score';
    if (best < 0) {
      best = 0;
      decidedBy = 'alphabetical';
    } else if (scores.some((d, p) => p !== best && d === scores[best])) decidedBy = 'alphabetical';
    out[j] = { method, calls: m, windows: Math.max(0, m - k + 1), index: best, program: set.programs[best]!, scores, decidedBy };
  }
  return out;
}

function decideMismatch(set: ProfileSet, calls: CallArray, m: number, miss: Float64Array): Identification {
  const k = set.k;
  const P = set.size;
  const nw = Math.max(0, m - k + 1);
  const scores = Array.from(miss, (x) => (nw > 0 ? x / nw : NaN));
  const base = { method: 'mismatch' as const, calls: m, windows: nw, scores };
  if (nw === 0) return { ...base, index: 0, program: set.programs[0]!, decidedBy: 'alphabetical' };
  let min = Infinity;
  for (let p = 0; p < P; p++) if (miss[p]! < min) min = miss[p]!;
  const tied: number[] = [];
  for (let p = 0; p < P; p++) if (miss[p] === min) tied.push(p);
  if (tied.length === 1) return { ...base, index: tied[0]!, program: set.programs[tied[0]!]!, decidedBy: 'score' };
  // Zero mismatches: every tied profile is at Hamming distance 0 everywhere, so the tie-break cannot help.
  if (min === 0) return { ...base, index: tied[0]!, program: set.programs[tied[0]!]!, decidedBy: 'alphabetical' };
  const meanHamming = new Array<number>(P).fill(NaN);
  let best = -1;
  let bestSum = Infinity;
  let stillTied = false;
  for (const p of tied) {
    const s = hammingSum(set, p, calls, m);
    meanHamming[p] = s / nw;
    if (s < bestSum) {
      bestSum = s;
      best = p;
      stillTied = false;
    } else if (s === bestSum) stillTied = true;
  }
  return { ...base, index: best, program: set.programs[best]!, meanHamming, decidedBy: stillTied ? 'alphabetical' : 'hamming' };
}

/** Identifies a process's profile from its first n calls ('all': every call). */
export function identifyProfile(set: ProfileSet, calls: CallArray, method: IdentifyMethod, n: CallsSeen = 'all'): Identification {
  return identifyAtPrefixes(set, calls, method, [n])[0]!;
}

/** How a ProfileModel picks the database a trace is scored against. */
export type ProfileChoice = { kind: 'oracle' } | { kind: 'identify'; method: IdentifyMethod; calls: CallsSeen };

export function profileChoiceLabel(c: ProfileChoice): string {
  return c.kind === 'oracle' ? 'profiles/oracle' : `profiles/${c.method}@${c.calls === 'all' ? 'all' : `n=${c.calls}`}`;
}

/**
 * Per-program Stide whose program is identified at run time. score(trace) identifies the profile from
 * the first n calls (or takes trace.program for the oracle) and returns the whole trace's mismatch
 * signal against that profile. A program without a profile (oracle only) mismatches everywhere, like
 * StideModel.
 */
export class ProfileModel implements Model {
  readonly config: DetectorConfig;
  readonly set: ProfileSet;
  readonly choice: ProfileChoice;

  constructor(set: ProfileSet, choice: ProfileChoice) {
    if (choice.kind === 'identify') prefixLength(choice.calls, 0);
    this.set = set;
    this.choice = choice;
    this.config = { kind: 'profiles', scope: 'per-program', k: set.k, resetOn: [] };
  }

  get dbSize(): number {
    return this.set.dbSize;
  }

  get dbBytes(): number {
    return this.set.dbBytes;
  }

  /** The identification for a trace (null for the oracle). */
  identify(trace: Pick<Trace, 'calls'>): Identification | null {
    if (this.choice.kind === 'oracle') return null;
    return identifyProfile(this.set, trace.calls, this.choice.method, this.choice.calls);
  }

  /** Index of the profile a trace is scored against; -1 when the oracle's program has none. */
  profileIndex(trace: Pick<Trace, 'calls' | 'program'>): number {
    if (this.choice.kind === 'oracle') return this.set.indexOf(trace.program);
    return this.identify(trace)!.index;
  }

  score(trace: Trace): Uint8Array {
    const i = this.profileIndex(trace);
    if (i < 0) return new Uint8Array(Math.max(0, trace.calls.length - this.set.k + 1)).fill(1);
    return this.set.dbs[i]!.mismatches(trace.calls);
  }
}

export function trainProfileModel(traces: readonly Trace[], k: number, choice: ProfileChoice, opts: ProfileSetOptions = {}): ProfileModel {
  return new ProfileModel(trainProfiles(traces, k, opts), choice);
}
