// Owns Stide (Forrest 1996, Hofmeyr 1998, Warrender 1999): the database of every distinct k-window of the
// training traces, either one per program (classic) or one shared by all programs (the paper's choice),
// and the mismatch signal of a test trace against it.

import { WindowSet } from './window-set.js';
import { buildScoped, scopeKey, sumOver } from './scope.js';
import type { DbScope, DetectorConfig, Model } from './types.js';
import type { Trace } from '../traces/trace.js';

export class StideModel implements Model {
  readonly config: DetectorConfig;
  /** Program -> database (scope per-program) or '*' -> the one shared database. */
  readonly dbs: Map<string, WindowSet>;

  constructor(config: DetectorConfig, dbs: Map<string, WindowSet>) {
    this.config = config;
    this.dbs = dbs;
  }

  get dbSize(): number {
    return sumOver(this.dbs.values(), (db) => db.size);
  }

  get dbBytes(): number {
    return sumOver(this.dbs.values(), (db) => db.bytes);
  }

  /** The database a trace is checked against; undefined when its program had no training data. */
  dbFor(trace: Pick<Trace, 'program'>): WindowSet | undefined {
    return this.dbs.get(scopeKey(this.config.scope, trace.program));
  }

  score(trace: Trace): Uint8Array {
    const db = this.dbFor(trace);
    const k = this.config.k;
    if (db === undefined) {
      // No normal behaviour known for this program: every window is foreign.
      return new Uint8Array(Math.max(0, trace.calls.length - k + 1)).fill(1);
    }
    return db.mismatches(trace.calls);
  }

  scoreInto(trace: Trace, out: Uint8Array): number {
    const db = this.dbFor(trace);
    const L = trace.calls.length;
    if (db !== undefined) return db.signalInto(trace.calls, 0, L, out, 0);
    const nw = Math.max(0, L - this.config.k + 1);
    out.fill(1, 0, nw);
    return nw;
  }
}

export function trainStide(traces: readonly Trace[], k: number, scope: DbScope): StideModel {
  const dbs = buildScoped(traces, scope, () => new WindowSet(k), (db, t) => db.addTrace(t.calls));
  return new StideModel({ kind: 'stide', scope, k, resetOn: [] }, dbs);
}
