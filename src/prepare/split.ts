// Owns train / calibration / test splits: named manifest subsets, then a seeded fraction or count of the
// normal traces (or the first ones in file or chronological order), or an explicit file list (TSV of
// ROLE<TAB>PATH). The same seed always gives the same split; calibration and test never overlap training.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import { InputError } from '../errors.js';
import { seededShuffle } from '../eval/random.js';
import type { Selection, Split } from './split-schema.js';
import type { TraceMeta } from '../traces/trace.js';
import type { SafeRegex } from '../safe-regex.js';

export interface SplitResult<T> {
  train: T[];
  calibrate: T[];
  testNormal: T[];
  attack: T[];
  /** Traces left out because they are shorter than split.minLength. */
  droppedShort: { normal: number; attack: number };
  /** File-list splits: normal traces of files the list does not name (left out of every set). */
  unlisted?: number;
}

type Lengthed = TraceMeta & { calls: { length: number; subarray(a: number, b?: number): unknown } };

/** The two pieces of a cut trace; the source names the call range so every row still leads to data. */
function cut<T extends Lengthed>(t: T, n: number): [T, T] {
  const head = { ...t, source: `${t.source}@0-${n}`, calls: t.calls.subarray(0, n) } as T;
  const tail = { ...t, source: `${t.source}@${n}-${t.calls.length}`, calls: t.calls.subarray(n) } as T;
  return [head, tail];
}

function inSubset(t: TraceMeta, subset: string | undefined, subsets: Record<string, SafeRegex>): boolean {
  if (subset === undefined) return true;
  const re = subsets[subset];
  if (re === undefined) throw new Error(`unknown subset ${subset}`);
  return re.test(t.source);
}

/** Picks from `pool` (kept in its given, deterministic order) per the selection; returns [picked, rest]. */
function pick<T extends Lengthed>(pool: T[], sel: Selection | undefined, seed: number, subsets: Record<string, SafeRegex>): [T[], T[]] {
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
    for (const u of bySource.values()) units.push(u);
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

// ---------------------------------------------------------------------------------------------------
// File-list splits

export const SPLIT_ROLES = ['training', 'calibration', 'test'] as const;
export type SplitRole = (typeof SPLIT_ROLES)[number];

export interface SplitFile {
  /** Path as read (for messages). */
  file: string;
  sha256: string;
  entries: { role: SplitRole; path: string; line: number }[];
}

/** The folder of published split files: $STIDEBENCH_SPLITS, else `splits` beside the data directory. */
export function splitsDir(dataDir: string): string {
  return process.env.STIDEBENCH_SPLITS ?? join(dirname(dataDir), 'splits');
}

/** Parses a split file: ROLE<TAB>PATH per line, '#' comments and blank lines skipped. */
export function parseSplitFile(text: string, file: string): SplitFile {
  const entries: SplitFile['entries'] = [];
  const seen = new Map<string, { role: SplitRole; line: number }>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.replace(/\r$/, '');
    const line = i + 1;
    if (raw.trim() === '' || raw.startsWith('#')) continue;
    const parts = raw.split('\t');
    if (parts.length !== 2 || parts[1]!.trim() === '') throw new InputError('malformed split line', { file, line, text: raw, expected: 'ROLE<TAB>PATH' });
    const role = parts[0]!.trim();
    const path = parts[1]!.trim();
    if (!(SPLIT_ROLES as readonly string[]).includes(role)) throw new InputError(`unknown role ${JSON.stringify(role)}`, { file, line, expected: SPLIT_ROLES.join(', ') });
    const prev = seen.get(path);
    if (prev) {
      throw new InputError(prev.role === role ? `${path} is listed twice (also line ${prev.line})` : `${path} is in two roles: ${prev.role} (line ${prev.line}) and ${role}`, { file, line });
    }
    seen.set(path, { role: role as SplitRole, line });
    entries.push({ role: role as SplitRole, path, line });
  }
  if (entries.length === 0) throw new InputError('split file lists no traces', { file, expected: 'ROLE<TAB>PATH lines' });
  return { file, sha256: createHash('sha256').update(text).digest('hex'), entries };
}

/** Reads a split file by bare name from the splits folder, or by absolute path. */
export function readSplitFile(name: string, dataDir: string): SplitFile {
  const path = isAbsolute(name) ? name : join(splitsDir(dataDir), name);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read split file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file: path, expected: 'a TSV of ROLE<TAB>PATH in $STIDEBENCH_SPLITS or the splits folder beside the data directory' });
  }
  return parseSplitFile(text, path);
}

/**
 * Splits by an explicit file list. Every listed path must be a file of the dataset; its traces take the
 * listed role (attack traces only as `test`). Attack traces of files not listed follow split.attack
 * (default: all) unless the list names attack files, in which case only those are attack test traces.
 * Normal traces of unlisted files join training / calibration / test only through split.train /
 * calibrate / test selections (e.g. { subset: training }); the others are left out and counted.
 */
function splitByFile<T extends Lengthed>(traces: readonly T[], split: Split, subsets: Record<string, SafeRegex>, list: SplitFile): SplitResult<T> {
  const bySource = new Map<string, T[]>();
  for (const t of traces) {
    let g = bySource.get(t.source);
    if (!g) bySource.set(t.source, (g = []));
    g.push(t);
  }
  const droppedShort = { normal: 0, attack: 0 };
  const out: SplitResult<T> = { train: [], calibrate: [], testNormal: [], attack: [], droppedShort, unlisted: 0 };
  const listed = new Set<string>();
  let listsAttack = false;
  for (const e of list.entries) {
    const g = bySource.get(e.path);
    if (!g) throw new InputError(`${e.path} is not a trace file of the dataset`, { file: list.file, line: e.line, expected: 'a path relative to the dataset root, as in its manifest' });
    listed.add(e.path);
    for (const t of g) {
      if (t.label !== 'normal' && e.role !== 'test') throw new InputError(`${e.path} is an attack trace and cannot be used for ${e.role}`, { file: list.file, line: e.line });
      if (t.calls.length < split.minLength) {
        droppedShort[t.label === 'normal' ? 'normal' : 'attack']++;
        continue;
      }
      if (t.label !== 'normal') {
        listsAttack = true;
        out.attack.push(t);
      } else (e.role === 'training' ? out.train : e.role === 'calibration' ? out.calibrate : out.testNormal).push(t);
    }
  }
  const unlistedNormal: T[] = [];
  for (const t of traces) {
    if (listed.has(t.source)) continue;
    if (t.label === 'normal') {
      if (t.calls.length < split.minLength) droppedShort.normal++;
      else unlistedNormal.push(t);
    } else if (!listsAttack && split.attack?.include !== false && inSubset(t, split.attack?.subset, subsets)) {
      if (t.calls.length < split.minLength) droppedShort.attack++;
      else out.attack.push(t);
    }
  }
  // Normal traces the list does not name join a set only through that set's selection (e.g. sidsb lists
  // calibration and test files and trains on all of Training_Data_Master: train: { subset: training }).
  let rest = unlistedNormal;
  if (split.train) {
    const [picked, left] = pick(rest, split.train, split.seed, subsets);
    out.train.push(...picked);
    rest = left;
  }
  if (split.calibrate) {
    const [picked, left] = pick(rest, split.calibrate, split.seed + 1, subsets);
    out.calibrate.push(...picked);
    rest = left;
  }
  if (split.test) {
    const [picked, left] = pick(rest, split.test, split.seed + 2, subsets);
    out.testNormal.push(...picked);
    rest = left;
  }
  out.unlisted = rest.length;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Chronological order (UNM file names carry the trace start time)

const MONTHS: Record<string, number> = { Jan: 0, Feb: 1, Mar: 2, Apr: 3, May: 4, Jun: 5, Jul: 6, Aug: 7, Sep: 8, Oct: 9, Nov: 10, Dec: 11 };

/**
 * Start time (ms since 1970, UTC) from a UNM file name: a leading Unix time (`856306174-venus-...`),
 * `-18Feb1997-172840-`, `_9809181415.` (YYMMDDhhmm) or `-07.24.97-` (MM.DD.YY); null when none.
 */
export function startTimeFromName(source: string): number | null {
  const base = source.slice(source.lastIndexOf('/') + 1);
  let m = /^(\d{9,10})-/.exec(base);
  if (m) return Number(m[1]) * 1000;
  m = /(\d{2})([A-Z][a-z]{2})(\d{4})-(\d{2})(\d{2})(\d{2})/.exec(base);
  if (m && MONTHS[m[2]!] !== undefined) return Date.UTC(Number(m[3]), MONTHS[m[2]!]!, Number(m[1]), Number(m[4]), Number(m[5]), Number(m[6]));
  m = /[_-](\d{2})(\d{2})(\d{2})(\d{2})(\d{2})\./.exec(base);
  if (m) return Date.UTC(1900 + Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]));
  m = /-(\d{2})\.(\d{2})\.(\d{2})-/.exec(base);
  if (m) return Date.UTC(1900 + Number(m[3]), Number(m[1]) - 1, Number(m[2]));
  return null;
}

/** Traces sorted by the start time in their file names (stable: file order breaks ties). */
export function chronological<T extends TraceMeta>(traces: readonly T[]): T[] {
  const keyed = traces.map((t, i) => {
    const time = startTimeFromName(t.source);
    if (time === null) throw new InputError(`split order chronological: no start time in the file name ${t.source}`, { expected: 'a UNM name with a Unix time prefix, DDMonYYYY-HHMMSS, _YYMMDDhhmm or MM.DD.YY' });
    return { t, i, time };
  });
  keyed.sort((a, b) => a.time - b.time || a.i - b.i);
  return keyed.map((k) => k.t);
}

export function splitTraces<T extends Lengthed>(traces: readonly T[], split: Split, subsets: Record<string, SafeRegex>, list?: SplitFile): SplitResult<T> {
  if (list) return splitByFile(traces, split, subsets, list);
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
  // Chronological: the pool in start-time order, so an ordered draw takes the earliest traces.
  const pool = split.order === 'chronological' ? chronological(normal) : normal;
  // Distinct seeds per draw so changing one selection does not reshuffle the others.
  const trainSel = split.order === 'chronological' && split.train ? { ...split.train, ordered: true } : split.train;
  const [train, afterTrain] = pick(pool, trainSel, split.seed, subsets);
  const [calibrate, afterCal] = split.calibrate ? pick(afterTrain, split.calibrate, split.seed + 1, subsets) : [[], afterTrain];
  const [testNormal] = split.test ? pick(afterCal, split.test, split.seed + 2, subsets) : [afterCal];
  const attack = split.attack?.include === false ? [] : attackPool.filter((t) => inSubset(t, split.attack?.subset, subsets));
  return { train: [...train, ...heads], calibrate, testNormal: [...testNormal, ...tails], attack, droppedShort };
}
