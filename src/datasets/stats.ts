// Owns dataset statistics: per label, per named subset and per attack family, the files, traces, system
// calls, alphabet size, trace-length summary, single-call traces (reported separately), traces shorter
// than k for the usual window lengths, and exact duplicate sequences within and across labels.
// Sequences are compared by canonical syscall names (dense ids per name), hashed with sha1.

import { createHash } from 'node:crypto';
import { medianSorted } from 'simple-statistics';
import type { RawTrace, SyscallTable } from '../traces/trace.js';
import type { LoadResult } from './load.js';
import type { Manifest } from './manifest.js';
import { compileRegex } from '../safe-regex.js';

/** Window lengths for which "traces shorter than k" (no full window) is counted. */
export const SHORT_K = [2, 3, 4, 5, 6, 8, 10, 15] as const;

export interface LengthSummary {
  min: number;
  median: number;
  mean: number;
  max: number;
}

export interface GroupStats {
  files: number;
  traces: number;
  syscalls: number;
  /** Distinct canonical syscall names. */
  alphabet: number;
  /** Traces with no call at all (readers normally produce none). */
  empty: number;
  /** Traces of exactly one call: they hold no window for any k >= 2. */
  singleCall: number;
  /** Traces of two or more calls, and their calls. */
  multiCall: { traces: number; syscalls: number };
  length: LengthSummary | null;
  /** k -> traces with fewer than k calls. */
  shorterThan: Record<string, number>;
  /** Distinct intrusion groups (attack traces only). */
  intrusions: number;
  /** Distinct call sequences, and traces that repeat an earlier one of the same group. */
  distinct: number;
  redundant: number;
}

export interface FamilyStats {
  traces: number;
  syscalls: number;
  intrusions: number;
}

export interface DatasetStats {
  dataset: string;
  title: string;
  files: number;
  traces: number;
  syscalls: number;
  alphabet: number;
  labels: Record<string, GroupStats>;
  subsets: Record<string, GroupStats>;
  families: Record<string, FamilyStats>;
  duplicates: {
    /** Distinct sequences over the whole dataset, and traces repeating one. */
    distinct: number;
    redundant: number;
    /** Distinct sequences that occur under both labels. */
    sharedAcrossLabels: number;
    /** Attack traces whose exact sequence also occurs as a normal trace (no detector can flag them). */
    attackEqualToNormal: number;
  };
  warnings: string[];
}

class Group {
  readonly sources = new Set<string>();
  traces = 0;
  syscalls = 0;
  empty = 0;
  single = 0;
  multiTraces = 0;
  multiCalls = 0;
  readonly lengths: number[] = [];
  readonly hashes = new Set<string>();
  readonly intrusions = new Set<string>();
  private names = new Uint8Array(64);
  private alphabetSize = 0;

  add(t: RawTrace, hash: string, ids: readonly number[]): void {
    const n = t.calls.length;
    this.sources.add(t.source);
    this.traces++;
    this.syscalls += n;
    this.lengths.push(n);
    if (n === 0) this.empty++;
    else if (n === 1) this.single++;
    else {
      this.multiTraces++;
      this.multiCalls += n;
    }
    this.hashes.add(hash);
    if (t.intrusion !== null) this.intrusions.add(t.intrusion);
    for (const id of ids) {
      if (id >= this.names.length) {
        const grown = new Uint8Array(Math.max(id + 1, this.names.length * 2));
        grown.set(this.names);
        this.names = grown;
      }
      if (this.names[id] === 0) {
        this.names[id] = 1;
        this.alphabetSize++;
      }
    }
  }

  result(): GroupStats {
    const sorted = Float64Array.from(this.lengths).sort();
    const shorterThan: Record<string, number> = {};
    for (const k of SHORT_K) {
      let c = 0;
      for (const len of sorted) {
        if (len < k) c++;
        else break;
      }
      shorterThan[String(k)] = c;
    }
    const length: LengthSummary | null =
      sorted.length === 0
        ? null
        : {
            min: sorted[0]!,
            median: medianSorted(Array.from(sorted)),
            mean: round(this.syscalls / this.traces, 1),
            max: sorted[sorted.length - 1]!,
          };
    return {
      files: this.sources.size,
      traces: this.traces,
      syscalls: this.syscalls,
      alphabet: this.alphabetSize,
      empty: this.empty,
      singleCall: this.single,
      multiCall: { traces: this.multiTraces, syscalls: this.multiCalls },
      length,
      shorterThan,
      intrusions: this.intrusions.size,
      distinct: this.hashes.size,
      redundant: this.traces - this.hashes.size,
    };
  }
}

/** Canonical syscall name -> dense id, with a raw-number cache per syscall table (the hot path). */
class NameEncoder {
  private readonly ids = new Map<string, number>();
  private readonly caches = new Map<string, Int32Array>();

  cacheFor(table: SyscallTable, maxRaw: number): Int32Array {
    let c = this.caches.get(table.id);
    if (c === undefined || c.length <= maxRaw) {
      const grown = new Int32Array(Math.max(maxRaw + 1, 512, c ? c.length * 2 : 0)).fill(-1);
      if (c) grown.set(c);
      c = grown;
      this.caches.set(table.id, c);
    }
    return c;
  }

  intern(table: SyscallTable, raw: number): number {
    const name = table.name(raw);
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(name, id);
    }
    this.caches.get(table.id)![raw] = id;
    return id;
  }
}

function maxOf(a: Int32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) if (a[i]! > m) m = a[i]!;
  return m;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

const LABEL_ORDER = ['normal', 'attack'];

function sortedRecord<T>(m: Map<string, T>, order?: readonly string[]): Record<string, T> {
  const keys = [...m.keys()].sort((a, b) => {
    const ia = order ? order.indexOf(a) : -1;
    const ib = order ? order.indexOf(b) : -1;
    if (ia !== ib) return (ia < 0 ? Infinity : ia) - (ib < 0 ? Infinity : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const out: Record<string, T> = {};
  for (const k of keys) out[k] = m.get(k)!;
  return out;
}

export function computeStats(m: Manifest, loaded: LoadResult): DatasetStats {
  const all = new Group();
  const labels = new Map<string, Group>();
  const subsets = new Map<string, Group>();
  const subsetRes = Object.entries(m.subsets).map(([name, src]) => [name, compileRegex(src)] as const);
  const families = new Map<string, { traces: number; syscalls: number; intrusions: Set<string> }>();
  const labelsBySequence = new Map<string, number>(); // hash -> bit 1 normal, bit 2 attack
  const attackHashes: string[] = [];

  const encoder = new NameEncoder();
  let scratch = new Int32Array(1024);
  let stamp = new Int32Array(512);
  let generation = 0;
  const ids: number[] = [];

  for (const t of loaded.traces) {
    const n = t.calls.length;
    if (n > scratch.length) scratch = new Int32Array(Math.max(n, scratch.length * 2));
    const cache = encoder.cacheFor(t.table, maxOf(t.calls));
    generation++;
    ids.length = 0;
    for (let i = 0; i < n; i++) {
      let id = cache[t.calls[i]!]!;
      if (id < 0) id = encoder.intern(t.table, t.calls[i]!);
      scratch[i] = id;
      if (id >= stamp.length) {
        const grown = new Int32Array(Math.max(id + 1, stamp.length * 2));
        grown.set(stamp);
        stamp = grown;
      }
      if (stamp[id] !== generation) {
        stamp[id] = generation;
        ids.push(id);
      }
    }
    const hash = createHash('sha1').update(new Uint8Array(scratch.buffer, 0, n * 4)).digest('base64');

    all.add(t, hash, ids);
    let g = labels.get(t.label);
    if (g === undefined) labels.set(t.label, (g = new Group()));
    g.add(t, hash, ids);
    for (const [name, re] of subsetRes) {
      if (!re.test(t.source)) continue;
      let sg = subsets.get(name);
      if (sg === undefined) subsets.set(name, (sg = new Group()));
      sg.add(t, hash, ids);
    }
    if (t.label === 'attack') {
      const fam = t.family ?? '(none)';
      let f = families.get(fam);
      if (f === undefined) families.set(fam, (f = { traces: 0, syscalls: 0, intrusions: new Set() }));
      f.traces++;
      f.syscalls += t.calls.length;
      if (t.intrusion !== null) f.intrusions.add(t.intrusion);
      attackHashes.push(hash);
    }
    labelsBySequence.set(hash, (labelsBySequence.get(hash) ?? 0) | (t.label === 'normal' ? 1 : 2));
  }
  // Subsets with no trace still appear (with zeros), so a typo in a regex is visible.
  for (const [name] of subsetRes) if (!subsets.has(name)) subsets.set(name, new Group());

  let shared = 0;
  for (const bits of labelsBySequence.values()) if (bits === 3) shared++;
  let attackEqualToNormal = 0;
  for (const h of attackHashes) if (labelsBySequence.get(h) === 3) attackEqualToNormal++;

  const total = all.result();
  const fam = new Map<string, FamilyStats>();
  for (const [k, v] of families) fam.set(k, { traces: v.traces, syscalls: v.syscalls, intrusions: v.intrusions.size });
  return {
    dataset: m.name,
    title: m.title,
    files: loaded.files,
    traces: total.traces,
    syscalls: total.syscalls,
    alphabet: total.alphabet,
    labels: sortedRecord(new Map([...labels].map(([k, v]) => [k, v.result()])), LABEL_ORDER),
    subsets: sortedRecord(new Map([...subsets].map(([k, v]) => [k, v.result()]))),
    families: sortedRecord(fam),
    duplicates: { distinct: total.distinct, redundant: total.redundant, sharedAcrossLabels: shared, attackEqualToNormal },
    warnings: [...loaded.warnings],
  };
}
