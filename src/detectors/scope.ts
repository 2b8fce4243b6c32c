// Owns database scope: which database a trace trains and is checked against. Per-program scope keeps
// one database per program name; shared scope keeps one database ('*') for every program.

import type { DbScope } from './types.js';
import type { Trace } from '../traces/trace.js';

export const SHARED_KEY = '*';

export function scopeKey(scope: DbScope, program: string): string {
  return scope === 'shared' ? SHARED_KEY : program;
}

/** Builds one database per scope key from the training traces (shared scope always has '*'). */
export function buildScoped<D>(traces: readonly Trace[], scope: DbScope, make: () => D, add: (db: D, t: Trace) => void): Map<string, D> {
  const dbs = new Map<string, D>();
  for (const t of traces) {
    const key = scopeKey(scope, t.program);
    let db = dbs.get(key);
    if (db === undefined) {
      db = make();
      dbs.set(key, db);
    }
    add(db, t);
  }
  if (scope === 'shared' && !dbs.has(SHARED_KEY)) dbs.set(SHARED_KEY, make());
  return dbs;
}

/** Sum of a per-database figure (windows, bytes) over every database of a model. */
export function sumOver<D>(dbs: Iterable<D>, f: (db: D) => number): number {
  let n = 0;
  for (const db of dbs) n += f(db);
  return n;
}
