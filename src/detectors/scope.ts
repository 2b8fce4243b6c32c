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
