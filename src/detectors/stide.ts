// Owns Stide (Forrest 1996, Hofmeyr 1998, Warrender 1999): the database of every distinct k-window of the
// training traces, either one per program (classic) or one shared by all programs (the paper's choice),
// and the mismatch signal of a test trace against it.

import { z } from 'zod';
import { WindowSet } from './window-set.js';
import { loadWindowSets, saveWindowSets, scopeKey, sumOver, trainWindowSets, unionWindowSet } from './scope.js';
import { defineDetector, type DbScope, type DetectorConfig, type Model } from './types.js';
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

export function trainStide(traces: readonly Trace[], k: number, scope: DbScope, observe?: (distinctWindows: number) => void): StideModel {
  const dbs = trainWindowSets(traces, scope, k, observe);
  return new StideModel({ kind: 'stide', scope, k, resetOn: [] }, dbs);
}

/** Online form of window-set models: a window is anomalous when the (union) set lacks it. */
export function windowSetTest(k: number, dbs: ReadonlyMap<string, WindowSet>) {
  const db = unionWindowSet(k, dbs.values());
  return {
    k,
    merged: dbs.size,
    test: (w: Int32Array): number => (db.has(w, 0) ? 0 : 1),
    rolling: { lanes: db.lanes, roll: (key: Int32Array, id: number) => db.rollKey(key, id), testKey: (key: Int32Array) => (db.findKey(key) < 0 ? 1 : 0) },
  };
}

export const stideDetector = defineDetector({
  kind: 'stide',
  summary: 'Stide: every distinct k-window of normal traces; an absent window is a mismatch',
  params: z.object({}).strict(),
  scopes: ['per-program', 'shared'],
  train: (traces, o) => trainStide(traces, o.k, o.scope, o.observe),
  save: (m) => saveWindowSets((m as StideModel).dbs),
  load: (parts, config, _params, size) => new StideModel(config, loadWindowSets(parts, config.k, size)),
  online: (m) => windowSetTest(m.config.k, (m as StideModel).dbs),
});
