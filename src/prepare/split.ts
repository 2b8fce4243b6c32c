// Owns train / calibration / test splits: named manifest subsets, then a seeded fraction or count of the
// normal traces. The same seed always gives the same split; calibration and test never overlap training.

import { seededShuffle } from '../eval/random.js';
import type { Selection, Split } from './split-schema.js';
import type { TraceMeta } from '../traces/trace.js';

export interface SplitResult<T> {
  train: T[];
  calibrate: T[];
  testNormal: T[];
  attack: T[];
  /** Traces left out because they are shorter than split.minLength. */
  droppedShort: { normal: number; attack: number };
}

type Lengthed = TraceMeta & { calls: { length: number; subarray(a: number, b?: number): unknown } };

/** The two pieces of a cut trace; the source names the call range so every row still leads to data. */
function cut<T extends Lengthed>(t: T, n: number): [T, T] {
  const head = { ...t, source: `${t.source}@0-${n}`, calls: t.calls.subarray(0, n) } as T;
  const tail = { ...t, source: `${t.source}@${n}-${t.calls.length}`, calls: t.calls.subarray(n) } as T;
  return [head, tail];
}

function inSubset(t: TraceMeta, subset: string | undefined, subsets: Record<string, RegExp>): boolean {
  if (subset === undefined) return true;
  const re = subsets[subset];
  if (re === undefined) throw new Error(`unknown subset ${subset}`);
  return re.test(t.source);
}

/** Picks from `pool` (kept in its given, deterministic order) per the selection; returns [picked, rest]. */
function pick<T extends Lengthed>(pool: T[], sel: Selection | undefined, seed: number, subsets: Record<string, RegExp>): [T[], T[]] {
  if (sel === undefined) return [pool, []];
  const eligible = pool.filter((t) => inSubset(t, sel.subset, subsets));
  const others = pool.filter((t) => !inSubset(t, sel.subset, subsets));
  // Units are single traces, or the groups of traces that share a source file.
  const units: T[][] = [];
  if (sel.unit === 'file') {
    const bySource = new Map<string, T[]>();
    for (const t of eligible) {
      let g = bySource.get(t.source);
      if (!g) bySource.set(t.source, (g = []));
      g.push(t);
    }
    units.push(...bySource.values());
  } else {
    for (const t of eligible) units.push([t]);
  }
  let n = units.length;
  if (sel.count !== undefined) n = Math.min(sel.count, units.length);
  else if (sel.fraction !== undefined) n = Math.round(sel.fraction * units.length);
  if (n === units.length) return [eligible, others];
  const order = sel.ordered ? units : seededShuffle(units, seed);
  const chosen = new Set(order.slice(0, n).flat());
  // Keep file order inside each set so reports list traces stably.
  return [eligible.filter((t) => chosen.has(t)), [...others, ...eligible.filter((t) => !chosen.has(t))].sort(byOrder(pool))];
}

function byOrder<T>(pool: T[]): (a: T, b: T) => number {
  const index = new Map<T, number>();
  pool.forEach((t, i) => index.set(t, i));
  return (a, b) => index.get(a)! - index.get(b)!;
}

export function knownSubsetNames(split: Split): string[] {
  return [split.train?.subset, split.calibrate?.subset, split.test?.subset, split.attack?.subset].filter((s): s is string => s !== undefined);
}

export function splitTraces<T extends Lengthed>(traces: readonly T[], split: Split, subsets: Record<string, RegExp>): SplitResult<T> {
  const droppedShort = { normal: 0, attack: 0 };
  const normal: T[] = [];
  const attackPool: T[] = [];
  const heads: T[] = [];
  const tails: T[] = [];
  for (const t of traces) {
    if (t.calls.length < split.minLength) {
      droppedShort[t.label === 'normal' ? 'normal' : 'attack']++;
      continue;
    }
    if (t.label === 'normal' && split.prefix && t.calls.length >= split.prefix.minLength && t.calls.length > split.prefix.trainCalls) {
      const [h, tl] = cut(t, split.prefix.trainCalls);
      heads.push(h);
      tails.push(tl);
      continue;
    }
    (t.label === 'normal' ? normal : attackPool).push(t);
  }
  // Distinct seeds per draw so changing one selection does not reshuffle the others.
  const [train, afterTrain] = pick(normal, split.train, split.seed, subsets);
  const [calibrate, afterCal] = split.calibrate ? pick(afterTrain, split.calibrate, split.seed + 1, subsets) : [[], afterTrain];
  const [testNormal] = split.test ? pick(afterCal, split.test, split.seed + 2, subsets) : [afterCal];
  const attack = split.attack?.include === false ? [] : attackPool.filter((t) => inSubset(t, split.attack?.subset, subsets));
  return { train: [...train, ...heads], calibrate, testNormal: [...testNormal, ...tails], attack, droppedShort };
}
