// Owns database scope: which database a trace trains and is checked against. Per-program scope keeps
// one database per program name; shared scope keeps one database ('*') for every program. Also the
// window-set helpers the detectors share for model files (save/load) and online forms (the union of a
// per-program model's databases, what a shared model trained on the same data holds).

import { WindowSet } from './window-set.js';
import type { DbScope, SavedArray, SavedParts } from './types.js';
import type { Trace } from '../traces/trace.js';

export const SHARED_KEY = '*';

export function scopeKey(scope: DbScope, program: string): string {
  return scope === 'shared' ? SHARED_KEY : program;
}

/** Builds one database per scope key from the training traces (shared scope always has '*'). */
export function buildScoped<D>(
  traces: readonly Trace[],
  scope: DbScope,
  make: (key: string) => D,
  add: (db: D, t: Trace) => void,
  observe?: { size: (db: D) => number; report: (distinct: number) => void },
): Map<string, D> {
  const dbs = new Map<string, D>();
  let distinct = 0;
  for (const t of traces) {
    const key = scopeKey(scope, t.program);
    let db = dbs.get(key);
    if (db === undefined) {
      db = make(key);
      dbs.set(key, db);
    }
    if (observe === undefined) add(db, t);
    else {
      const before = observe.size(db);
      add(db, t);
      distinct += observe.size(db) - before;
      observe.report(distinct);
    }
  }
  if (scope === 'shared' && !dbs.has(SHARED_KEY)) dbs.set(SHARED_KEY, make(SHARED_KEY));
  return dbs;
}

/**
 * Largest window count a database is pre-sized for: 2^16 windows (a 1 MiB table at two lanes, about the
 * L2 cache). The training length overestimates the distinct windows (ADFA-LD k = 6: 304,000 training
 * windows, 59,885 distinct), and a table sized from it trained 1.5-2x slower than growing (cache misses
 * over a 8 MiB table, zeroing 23 MiB), while a start at 2^16 trained about 1.2x faster (measured
 * interleaved on ADFA-LD, issue 11). Sets that need more grow by doubling from there.
 */
const MAX_PRESIZE = 1 << 16;

/** What training puts in one database: windows added (an upper bound on distinct ones) and the largest id of a trace that forms one. */
export interface TrainingShape {
  windows: number;
  maxId: number;
}

/** The training shape of every database of a scope (traces shorter than k add no window and widen no key). */
export function trainingShapes(traces: readonly Trace[], scope: DbScope, k: number): Map<string, TrainingShape> {
  const shapes = new Map<string, TrainingShape>();
  for (const t of traces) {
    const c = t.calls;
    if (c.length < k) continue;
    const key = scopeKey(scope, t.program);
    let s = shapes.get(key);
    if (s === undefined) shapes.set(key, (s = { windows: 0, maxId: 0 }));
    s.windows += c.length - k + 1;
    let m = s.maxId;
    for (let i = 0; i < c.length; i++) if (c[i]! > m) m = c[i]!;
    s.maxId = m;
  }
  return shapes;
}

/**
 * A WindowSet sized for its training (issue 11): room for every training window (at most (maxId+1)^k
 * distinct, and at most MAX_PRESIZE up front, so sets of up to 2^16 distinct windows never rehash while
 * training) and keys as wide as the largest id needs (no re-encoding as wider ids arrive). Call fit()
 * after training.
 */
export function sizedWindowSet(k: number, shape: TrainingShape | undefined): WindowSet {
  if (shape === undefined) return new WindowSet(k);
  const distinctMax = (shape.maxId + 1) ** k;
  return new WindowSet(k, Math.max(16, Math.min(shape.windows, distinctMax, MAX_PRESIZE)), shape.maxId);
}

/** Windows sets of one scope trained on every window of their traces, each pre-sized and then fitted. */
export function trainWindowSets(
  traces: readonly Trace[],
  scope: DbScope,
  k: number,
  observe?: (distinctWindows: number) => void,
): Map<string, WindowSet> {
  const shapes = trainingShapes(traces, scope, k);
  const sets = buildScoped(traces, scope, (key) => sizedWindowSet(k, shapes.get(key)), (db, t) => db.addTrace(t.calls), observe && { size: (db) => db.size, report: observe });
  for (const db of sets.values()) db.fit();
  return sets;
}

/** Sum of a per-database figure (windows, bytes) over every database of a model. */
export function sumOver<D>(dbs: Iterable<D>, f: (db: D) => number): number {
  let n = 0;
  for (const db of dbs) n += f(db);
  return n;
}

/** Every window of several sets in one set (counts summed): what a shared model of the same data holds. */
export function unionWindowSet(k: number, sets: Iterable<WindowSet>): WindowSet {
  const all = [...sets];
  if (all.length === 1) return all[0]!;
  const union = new WindowSet(k);
  for (const db of all) {
    const { windows, counts } = db.export();
    for (let i = 0; i < counts.length; i++) union.add(windows, i * k, counts[i]!);
  }
  return union;
}

/** Model-file parts of scoped window sets: the program keys as state, windows and counts per database. */
export function saveWindowSets(dbs: ReadonlyMap<string, WindowSet>): SavedParts {
  const arrays: SavedArray[] = [];
  for (const db of dbs.values()) {
    const e = db.export();
    arrays.push(e.windows, e.counts);
  }
  return { state: { programs: [...dbs.keys()] }, arrays };
}

/** Inverse of saveWindowSets; checks shapes and that every id is inside the model's alphabet. */
export function loadWindowSets(parts: SavedParts, k: number, alphabetSize: number): Map<string, WindowSet> {
  const programs = (parts.state as { programs?: unknown } | null)?.programs;
  if (!Array.isArray(programs) || !programs.every((p) => typeof p === 'string')) throw new Error('state.programs must be a list of program names');
  if (parts.arrays.length !== programs.length * 2) throw new Error(`expected ${programs.length * 2} arrays (windows, counts per database), found ${parts.arrays.length}`);
  const dbs = new Map<string, WindowSet>();
  programs.forEach((p: string, i) => {
    const windows = parts.arrays[2 * i];
    const counts = parts.arrays[2 * i + 1];
    if (!(windows instanceof Int32Array) || !(counts instanceof Float64Array)) throw new Error(`database ${p}: expected int32 windows and float64 counts`);
    if (windows.length !== counts.length * k) throw new Error(`database ${p}: ${windows.length} window ints for ${counts.length} windows of k = ${k}`);
    for (let j = 0; j < windows.length; j++) {
      const w = windows[j]!;
      if (w < 0 || w >= alphabetSize) throw new Error(`database ${p} holds syscall id ${w} outside the alphabet (size ${alphabetSize})`);
    }
    dbs.set(p, WindowSet.fromExport(k, windows, counts));
  });
  return dbs;
}
