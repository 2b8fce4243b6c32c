// Owns t-stide (Warrender, Forrest & Pearlmutter 1999): Stide whose database also treats rare windows as
// mismatches. A test window is anomalous when it is absent from the database, or when it was seen in
// less than `rareFraction` of all training windows (count / total < rareFraction; default 0.00001, i.e.
// 0.001%). A window whose frequency equals the fraction exactly is not rare. Rarity is decided once per
// stored window at training (a Uint8Array flag per window index), so scoring is one WindowSet lookup per
// window plus one flag read. Scope: one database per program, or one shared by all programs (like Stide);
// the frequency is relative to the training windows of the database the window belongs to (per program:
// that program's windows, as in Warrender's per-program experiments; shared: all training windows).

import { z } from 'zod';
import { WindowSet, hashWindow } from './window-set.js';
import { loadWindowSets, saveWindowSets, scopeKey, sumOver, trainWindowSets, unionWindowSet } from './scope.js';
import { defineDetector, type DbScope, type DetectorConfig, type Model } from './types.js';
import type { Trace } from '../traces/trace.js';

/** Warrender 1999: "sequences seen in less than 0.001% of training windows". */
export const DEFAULT_RARE_FRACTION = 0.00001;

/** One database: the window set and, per stored window index, 1 when the window is rare. */
export interface TstideDb {
  readonly set: WindowSet;
  readonly rare: Uint8Array;
}

/** Rarity flags of every stored window of a set: countAt(i) / totalAdded < fraction. */
export function rareFlags(set: WindowSet, fraction: number): Uint8Array {
  const n = set.size;
  const total = set.totalAdded;
  const rare = new Uint8Array(n);
  // Division, not count < fraction * total: count / total is the correctly rounded ratio, so a window
  // whose frequency is exactly the (decimal) fraction compares equal and stays normal.
  for (let i = 0; i < n; i++) rare[i] = set.countAt(i) / total < fraction ? 1 : 0;
  return rare;
}

export class TstideModel implements Model {
  readonly config: DetectorConfig;
  readonly rareFraction: number;
  /** Program -> database (scope per-program) or '*' -> the one shared database. */
  readonly dbs: Map<string, TstideDb>;

  constructor(config: DetectorConfig, rareFraction: number, dbs: Map<string, TstideDb>) {
    this.config = config;
    this.rareFraction = rareFraction;
    this.dbs = dbs;
  }

  get dbSize(): number {
    return sumOver(this.dbs.values(), (db) => db.set.size);
  }

  get dbBytes(): number {
    return sumOver(this.dbs.values(), (db) => db.set.bytes + db.rare.byteLength);
  }

  /** Number of stored windows flagged rare (over all databases). */
  get rareCount(): number {
    let n = 0;
    for (const db of this.dbs.values()) for (let i = 0; i < db.rare.length; i++) n += db.rare[i]!;
    return n;
  }

  dbFor(trace: Pick<Trace, 'program'>): TstideDb | undefined {
    return this.dbs.get(scopeKey(this.config.scope, trace.program));
  }

  score(trace: Trace): Uint8Array {
    const db = this.dbFor(trace);
    const k = this.config.k;
    const nw = Math.max(0, trace.calls.length - k + 1);
    if (db === undefined) return new Uint8Array(nw).fill(1);
    const idx = db.set.lookupAll(trace.calls);
    const rare = db.rare;
    const sig = new Uint8Array(idx.length);
    for (let i = 0; i < idx.length; i++) {
      const j = idx[i]!;
      sig[i] = j < 0 ? 1 : rare[j]!;
    }
    return sig;
  }

  /** Scratch window indices for scoreInto, grown to the longest trace. */
  private idxBuf = new Int32Array(0);

  scoreInto(trace: Trace, out: Uint8Array): number {
    const db = this.dbFor(trace);
    const nw = Math.max(0, trace.calls.length - this.config.k + 1);
    if (db === undefined) {
      out.fill(1, 0, nw);
      return nw;
    }
    if (this.idxBuf.length < nw) this.idxBuf = new Int32Array(Math.max(nw, this.idxBuf.length * 2));
    const idx = db.set.lookupAll(trace.calls, this.idxBuf);
    const rare = db.rare;
    for (let i = 0; i < nw; i++) {
      const j = idx[i]!;
      out[i] = j < 0 ? 1 : rare[j]!;
    }
    return nw;
  }
}

export function trainTstide(
  traces: readonly Trace[],
  k: number,
  scope: DbScope,
  rareFraction: number = DEFAULT_RARE_FRACTION,
  observe?: (distinctWindows: number) => void,
): TstideModel {
  if (!(rareFraction > 0 && rareFraction < 1)) throw new RangeError(`t-stide rareFraction must be in (0, 1), got ${rareFraction}`);
  const sets = trainWindowSets(traces, scope, k, observe);
  return new TstideModel({ kind: 'tstide', scope, k, resetOn: [] }, rareFraction, tstideDbs(sets, rareFraction));
}

function tstideDbs(sets: ReadonlyMap<string, WindowSet>, fraction: number): Map<string, TstideDb> {
  const dbs = new Map<string, TstideDb>();
  for (const [key, set] of sets) dbs.set(key, { set, rare: rareFlags(set, fraction) });
  return dbs;
}

export const tstideDetector = defineDetector({
  kind: 'tstide',
  summary: 't-stide: Stide that also flags windows seen in less than rareFraction of the training windows',
  params: z.object({ rareFraction: z.number().gt(0).lt(1).default(DEFAULT_RARE_FRACTION) }).strict(),
  scopes: ['per-program', 'shared'],
  train: (traces, o) => trainTstide(traces, o.k, o.scope, o.params.rareFraction, o.observe),
  save: (m) => saveWindowSets(new Map([...(m as TstideModel).dbs].map(([p, db]) => [p, db.set]))),
  load: (parts, config, params, size) => new TstideModel(config, params.rareFraction, tstideDbs(loadWindowSets(parts, config.k, size), params.rareFraction)),
  online: (m) => {
    // Per-program models are watched against the union of their databases with rarity recomputed over
    // the union (what a shared t-stide model trained on the same data holds).
    const model = m as TstideModel;
    const k = model.config.k;
    const single = model.dbs.size === 1 ? [...model.dbs.values()][0]! : undefined;
    const set = single?.set ?? unionWindowSet(k, [...model.dbs.values()].map((d) => d.set));
    const rare = single?.rare ?? rareFlags(set, model.rareFraction);
    return {
      k,
      merged: model.dbs.size,
      test: (w: Int32Array): number => {
        const j = set.findHashed(w, 0, hashWindow(w, 0, k));
        return j < 0 ? 1 : rare[j]!;
      },
      rolling: {
        lanes: set.lanes,
        roll: (key: Int32Array, id: number) => set.rollKey(key, id),
        testKey: (key: Int32Array) => {
          const j = set.findKey(key);
          return j < 0 ? 1 : rare[j]!;
        },
      },
    };
  },
});
