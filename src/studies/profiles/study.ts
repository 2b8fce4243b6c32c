// Owns the per-program profile study (the paper's future work, Maiero & Miculan 2011 §6): its config
// file (experiments/profiles.yaml, `study: profiles`; zod schema, errors name the file, line and field),
// the run and the report that `stidebench run experiments/profiles.yaml` writes to results/profiles/.
// A study beside the core: it uses the library (readers, datasets, detectors, eval, report) and nothing
// in the core imports it. For each group of programs (the UNM programs plus sendmail; the recorded
// Linux programs) it measures
//   1. program identification accuracy and confusion matrices after n calls, for the mismatch-rate and
//      Jensen–Shannon methods of src/detectors/profiles.ts;
//   2. trace-level detection / false-positive rates of the shared database (stide/shared and xenids),
//      per-program Stide with the true program (oracle) and with the identified profile;
//   3. scaling as programs are added 1..N: distinct windows and bytes of the shared database vs the
//      profile set, and lookup cost in ns per window (median of several timed runs; a benchmark figure).
// Split: per program (stratum) a seeded fraction of the normal units (traces, or whole recordings for
// 'file' units) trains, the rest tests; test normal and attack traces are then capped per program by a
// seeded sample. All traces of all datasets are encoded into ONE alphabet by canonical syscall name.

import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../../errors.js';
import { parseYamlWith } from '../../experiments/loader.js';
import { getDataset, datasetRoot } from '../../datasets/registry.js';
import { loadDataset } from '../../datasets/load.js';
import { checkVocabulary } from '../../prepare/index.js';
import { Alphabet } from '../../traces/alphabet.js';
import type { CallArray, RawTrace, Trace } from '../../traces/trace.js';
import { trainStide } from '../../detectors/stide.js';
import { trainXenids } from '../../detectors/xenids.js';
import { WindowSet } from '../../detectors/window-set.js';
import {
  IDENTIFY_METHODS,
  ProfileModel,
  ProfileSet,
  identifyAtPrefixes,
  trainProfiles,
  type CallsSeen,
  type DecidedBy,
  type IdentifyMethod,
} from '../../detectors/profiles.js';
import type { Model } from '../../detectors/types.js';
import { scoreTraces, type ScoredTrace } from '../../eval/score.js';
import { operatingPoint, type OperatingPointMetrics } from '../../eval/metrics.js';
import { countThreshold, ratioThreshold, type ThresholdPolicy } from '../../eval/threshold.js';
import { seededSample, seededShuffle } from '../../eval/random.js';
import { markdownTable, formatPercent, formatNumber, stableJson, type Cell } from '../../report/tables.js';
import { barChart, lineChart, renderVegaLite } from '../../report/plots.js';

// ---------------------------------------------------------------------------------------------------
// Config

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lower-case name (letters, digits, -)');
const callsSeenSchema = z.union([z.number().int().min(1), z.literal('all')]);

const datasetEntrySchema = z
  .object({
    /** Registered dataset name. */
    name: slug,
    /** Where a trace's program (profile) comes from: the dataset name, the trace's own program, or the
     *  binary its pid exec'd (strace recordings; falls back to the trace's program). */
    program: z.enum(['dataset', 'trace', 'exec']).default('dataset'),
    /** Profile name instead of the dataset name (program: dataset). */
    rename: slug.optional(),
    /** Split unit: single traces (processes) or whole recordings (all pids of one file). */
    unit: z.enum(['trace', 'file']).default('trace'),
    /** Skip (and say so) when the dataset cannot be loaded. */
    optional: z.boolean().default(false),
  })
  .strict();

const groupSchema = z
  .object({
    name: slug,
    title: z.string().min(1).optional(),
    datasets: z.array(datasetEntrySchema).min(1),
    /** Profiles of the same program (e.g. lpr from two sites): a confusion among them also counts as right in "same-program accuracy". */
    sameProgram: z.array(z.array(slug).min(2)).default([]),
  })
  .strict();

const operatingPointSchema = z.union([
  z.object({ frame: z.number().int().min(1), count: z.number().int().min(1) }).strict(),
  z.object({ frame: z.number().int().min(1), ratio: z.number().min(0).lt(1) }).strict(),
]);

export const profilesConfigSchema = z
  .object({
    /** Marks the file as this study's (`stidebench run` dispatches on it). */
    study: z.literal('profiles').optional(),
    name: slug.default('profiles'),
    description: z.string().optional(),
    k: z.number().int().min(1).max(64),
    seed: z.number().int(),
    /** Fraction of each program's normal units used for training. */
    trainFraction: z.number().gt(0).lt(1).default(0.5),
    /** Calls seen before identification, for the accuracy study. */
    calls: z.array(callsSeenSchema).min(1),
    /** Calls seen before identification, for the detection study. */
    detectionCalls: z.array(callsSeenSchema).min(1),
    operatingPoints: z.array(operatingPointSchema).min(1),
    /** Traces with fewer calls are left out (counted). */
    minLength: z.number().int().min(1).default(10),
    maxTestTracesPerProgram: z.number().int().min(1).default(300),
    maxAttackTracesPerProgram: z.number().int().min(1).default(300),
    jsdEpsilon: z.number().positive().default(0.01),
    scaling: z
      .object({
        /** Windows looked up per timed run (spread evenly over the programs in the set). */
        windows: z.number().int().min(100).default(60000),
        /** Timed runs per point; the median is reported. */
        runs: z.number().int().min(1).default(5),
      })
      .strict()
      .default({ windows: 60000, runs: 5 }),
    groups: z.array(groupSchema).min(1),
  })
  .strict();

export type ProfilesConfig = z.output<typeof profilesConfigSchema>;
export type DatasetEntry = z.output<typeof datasetEntrySchema>;
export type OperatingPointSpec = z.output<typeof operatingPointSchema>;

/** Parses and validates a profiles config; errors are InputErrors naming the file, line and field. */
export function parseProfilesConfig(text: string, file: string): ProfilesConfig {
  const cfg = parseYamlWith(profilesConfigSchema, text, file);
  for (const [gi, g] of cfg.groups.entries()) {
    g.datasets.forEach((d, di) => {
      if (d.rename !== undefined && d.program !== 'dataset') {
        throw new InputError(`field groups.${gi}.datasets.${di}.rename: only valid with program: dataset`, { file });
      }
    });
  }
  return cfg;
}

export function loadProfilesConfig(file: string): ProfilesConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read config file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  return parseProfilesConfig(text, file);
}

export function policyOf(op: OperatingPointSpec): ThresholdPolicy {
  return 'count' in op ? countThreshold(op.count) : ratioThreshold(op.ratio);
}

export function opLabel(op: OperatingPointSpec): string {
  return 'count' in op ? `frame ${op.frame}, LFC >= ${op.count}` : `frame ${op.frame}, LFC/frame > ${formatPercent(op.ratio, 0)}`;
}

function opKey(op: OperatingPointSpec): string {
  return 'count' in op ? `f${op.frame}-count${op.count}` : `f${op.frame}-ratio${op.ratio}`;
}

export function callsLabel(n: CallsSeen): string {
  return n === 'all' ? 'all' : `n=${n}`;
}

// ---------------------------------------------------------------------------------------------------
// Data

/** pid -> basename of the binary it last exec'd successfully, from an strace -f text file. */
export function execPrograms(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const pending = new Map<number, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+)\s+execve\("((?:[^"\\]|\\.)*)"/.exec(line);
    if (m) {
      const pid = Number(m[1]);
      const path = m[2]!;
      if (/<unfinished \.\.\.>\s*$/.test(line)) pending.set(pid, path);
      else if (/=\s*0(\s|$)/.test(line)) out.set(pid, basename(path));
      continue;
    }
    const r = /^(\d+)\s+<\.\.\. execve resumed>.*=\s*(-?\d+)/.exec(line);
    if (r) {
      const pid = Number(r[1]);
      const path = pending.get(pid);
      pending.delete(pid);
      if (path !== undefined && r[2] === '0') out.set(pid, basename(path));
    }
  }
  return out;
}

/** A deterministic 32-bit seed from a base seed and a name (FNV-1a). */
function subSeed(seed: number, name: string): number {
  let h = 0x811c9dc5 ^ (seed >>> 0);
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export interface ProgramData {
  program: string;
  trainTraces: number;
  trainCalls: number;
  testNormalTotal: number;
  testNormal: number;
  attackTotal: number;
  attack: number;
  dbWindows: number;
}

interface GroupData {
  train: Trace[];
  testNormal: Trace[];
  attack: Trace[];
  /** Test normal / attack traces before the per-program cap. */
  testPool: Trace[];
  attackPool: Trace[];
  /** Test normal traces left out because their program has no profile (exec relabelling can do that). */
  droppedNoProfile: number;
  droppedShort: number;
  loaded: { dataset: string; traces: number; files: number; warnings: number; table: string }[];
  skipped: { dataset: string; reason: string }[];
  /** Canonical names used per syscall table (to show how little SunOS and Linux names overlap). */
  namesByTable: Map<string, Set<string>>;
}

interface Unit {
  stratum: string;
  traces: Trace[];
}

function loadGroup(group: ProfilesConfig['groups'][number], cfg: ProfilesConfig, dataDir: string, alphabet: Alphabet, log: (s: string) => void): GroupData {
  const train: Trace[] = [];
  const testPool: Trace[] = [];
  const attackPool: Trace[] = [];
  const loaded: GroupData['loaded'] = [];
  const skipped: GroupData['skipped'] = [];
  const namesByTable = new Map<string, Set<string>>();
  const vocab: RawTrace[] = [];
  let droppedShort = 0;
  for (const entry of group.datasets) {
    let raws: RawTrace[];
    let root: string;
    try {
      const m = getDataset(entry.name);
      root = datasetRoot(m, dataDir);
      const t0 = performance.now();
      const r = loadDataset(m, dataDir);
      // One vocabulary for the whole group, as in every command (src/prepare): one trace per table.
      for (const t of r.traces) if (!vocab.some((v) => v.table.id === t.table.id)) vocab.push(t);
      checkVocabulary(vocab);
      raws = r.traces;
      loaded.push({ dataset: entry.name, traces: r.traces.length, files: r.files, warnings: r.warnings.length, table: r.traces[0]?.table.id ?? '-' });
      log(`  ${entry.name}: ${r.traces.length} traces from ${r.files} files in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    } catch (e) {
      if (!entry.optional) throw e;
      const reason = (e as Error).message;
      skipped.push({ dataset: entry.name, reason });
      log(`  ${entry.name}: skipped (${reason})`);
      continue;
    }
    const execCache = new Map<string, Map<number, string>>();
    const units = new Map<string, Unit>();
    for (const raw of raws) {
      if (raw.calls.length < cfg.minLength) {
        droppedShort++;
        continue;
      }
      let names = namesByTable.get(raw.table.id);
      if (names === undefined) namesByTable.set(raw.table.id, (names = new Set()));
      const t = alphabet.encode(raw);
      for (let i = 0; i < t.calls.length; i++) names.add(alphabet.nameOf(t.calls[i]!));
      const original = raw.program;
      if (entry.program === 'dataset') t.program = entry.rename ?? entry.name;
      else if (entry.program === 'exec' && raw.pid !== null) {
        let ex = execCache.get(raw.source);
        if (ex === undefined) {
          ex = execPrograms(readFileSync(join(root, raw.source), 'utf8'));
          execCache.set(raw.source, ex);
        }
        t.program = ex.get(raw.pid) ?? original;
      }
      if (t.label === 'attack') {
        attackPool.push(t);
        continue;
      }
      // Units are stratified by the program the recording was made for (the sidecar's / dataset's).
      const stratum = entry.program === 'exec' ? original : t.program;
      const key = entry.unit === 'file' ? `${stratum}\u0000${raw.source}` : `${stratum}\u0000${raw.source}#${raw.pid}#${units.size}`;
      let u = units.get(key);
      if (u === undefined) units.set(key, (u = { stratum, traces: [] }));
      u.traces.push(t);
    }
    const byStratum = new Map<string, Unit[]>();
    for (const u of units.values()) {
      let l = byStratum.get(u.stratum);
      if (l === undefined) byStratum.set(u.stratum, (l = []));
      l.push(u);
    }
    for (const [stratum, list] of [...byStratum].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      const shuffled = seededShuffle(list, subSeed(cfg.seed, `${entry.name}/${stratum}`));
      let nTrain = Math.round(cfg.trainFraction * shuffled.length);
      nTrain = Math.max(1, Math.min(nTrain, shuffled.length > 1 ? shuffled.length - 1 : 1));
      shuffled.forEach((u, i) => (i < nTrain ? train : testPool).push(...u.traces));
    }
  }
  const profiled = new Set(train.map((t) => t.program));
  const testKept = testPool.filter((t) => profiled.has(t.program));
  const droppedNoProfile = testPool.length - testKept.length;
  const capped = (pool: Trace[], cap: number, tag: string): Trace[] => {
    const byProg = new Map<string, Trace[]>();
    for (const t of pool) {
      let l = byProg.get(t.program);
      if (l === undefined) byProg.set(t.program, (l = []));
      l.push(t);
    }
    const out: Trace[] = [];
    for (const [p, l] of [...byProg].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      out.push(...(l.length > cap ? seededSample(l, cap, subSeed(cfg.seed, `${tag}/${p}`)) : l));
    }
    return out;
  };
  return {
    train,
    testNormal: capped(testKept, cfg.maxTestTracesPerProgram, 'test'),
    attack: capped(attackPool, cfg.maxAttackTracesPerProgram, 'attack'),
    droppedNoProfile,
    droppedShort,
    loaded,
    skipped,
    namesByTable,
    testPool: testKept,
    attackPool,
  };
}

// ---------------------------------------------------------------------------------------------------
// Result types

export interface IdentificationPoint {
  calls: CallsSeen;
  traces: number;
  /** Traces with more calls than n (for which the prefix is a strict prefix). */
  longerThanN: number;
  correct: number;
  accuracy: number | null;
  /** Mean over programs of per-program recall. */
  macroAccuracy: number | null;
  /** Accuracy when confusions within a sameProgram class count as right. */
  sameProgramAccuracy: number | null;
  decidedBy: Record<DecidedBy, number>;
  /** Per true program: traces, correct, recall. */
  perProgram: Record<string, { traces: number; correct: number; recall: number | null }>;
  /** confusion[true][identified] = traces (only non-zero cells). */
  confusion: Record<string, Record<string, number>>;
  /** Attack traces (of programs with a profile) identified as their own program. */
  attackOwnProgram: { traces: number; own: number; rate: number | null };
}

export interface DetectionRow {
  model: string;
  operatingPoint: string;
  pooled: OperatingPointMetrics;
  perProgram: Record<string, { detectionRate: number | null; attackTraces: number; falsePositiveRate: number | null; normalTraces: number }>;
  /** Identified models: share of the traces whose program has a profile that were scored against another profile. */
  misidentifiedNormal: number | null;
  misidentifiedAttack: number | null;
  dbWindows: number;
  dbBytes: number;
}

export interface ScalingRow {
  programs: number;
  added: string;
  sharedWindows: number;
  profileWindows: number;
  /** profileWindows - sharedWindows: windows stored in more than one profile. */
  overlapWindows: number;
  sharedBytes: number;
  profileBytes: number;
  sharedPayloadBytes: number;
  profilePayloadBytes: number;
  workloadWindows: number;
  /** CPU ns per window, median of runs: shared database lookup. */
  sharedNsPerWindow: number;
  /** ns per window for identification: one lookup in each profile. */
  identifyNsPerWindow: number;
  /** ns per window after identification: one lookup in the process's own profile. */
  ownProfileNsPerWindow: number;
  /** µs per process for the JS-divergence identification at n = 100 (counting + divergences). */
  jsdMicrosPerIdentification: number;
}

export interface GroupResult {
  name: string;
  title: string;
  loaded: GroupData['loaded'];
  skipped: GroupData['skipped'];
  droppedShort: number;
  droppedNoProfile: number;
  programs: ProgramData[];
  alphabet: { names: number; byTable: Record<string, number>; sharedAcrossTables: Record<string, number> };
  identification: Record<IdentifyMethod, IdentificationPoint[]>;
  detection: DetectionRow[];
  scaling: ScalingRow[];
  seconds: { load: number; identification: number; detection: number; scaling: number };
}

export interface ProfilesResult {
  config: ProfilesConfig;
  groups: GroupResult[];
}

// ---------------------------------------------------------------------------------------------------
// Run

const rate = (a: number, b: number): number | null => (b > 0 ? a / b : null);

function sameClass(cfg: ProfilesConfig['groups'][number]): (a: string, b: string) => boolean {
  const cls = new Map<string, number>();
  cfg.sameProgram.forEach((c, i) => c.forEach((p) => cls.set(p, i)));
  return (a, b) => a === b || (cls.has(a) && cls.get(a) === cls.get(b));
}

function identificationStudy(
  set: ProfileSet,
  test: readonly Trace[],
  attack: readonly Trace[],
  ns: readonly CallsSeen[],
  same: (a: string, b: string) => boolean,
): Record<IdentifyMethod, IdentificationPoint[]> {
  const out = {} as Record<IdentifyMethod, IdentificationPoint[]>;
  for (const method of IDENTIFY_METHODS) {
    const pts: IdentificationPoint[] = ns.map((n) => ({
      calls: n,
      traces: 0,
      longerThanN: 0,
      correct: 0,
      accuracy: null,
      macroAccuracy: null,
      sameProgramAccuracy: null,
      decidedBy: { score: 0, hamming: 0, alphabetical: 0 },
      perProgram: {},
      confusion: {},
      attackOwnProgram: { traces: 0, own: 0, rate: null },
    }));
    const sameCorrect = ns.map(() => 0);
    for (const t of test) {
      const ids = identifyAtPrefixes(set, t.calls, method, ns);
      ids.forEach((id, j) => {
        const p = pts[j]!;
        const n = ns[j]!;
        p.traces++;
        if (n !== 'all' && t.calls.length > n) p.longerThanN++;
        const got = id.program ?? '(none)';
        const ok = got === t.program;
        if (ok) p.correct++;
        if (same(got, t.program)) sameCorrect[j]!++;
        p.decidedBy[id.decidedBy]++;
        const pp = (p.perProgram[t.program] ??= { traces: 0, correct: 0, recall: null });
        pp.traces++;
        if (ok) pp.correct++;
        const row = (p.confusion[t.program] ??= {});
        row[got] = (row[got] ?? 0) + 1;
      });
    }
    for (const t of attack) {
      if (set.indexOf(t.program) < 0) continue; // attack-only programs have no profile to find
      const ids = identifyAtPrefixes(set, t.calls, method, ns);
      ids.forEach((id, j) => {
        const a = pts[j]!.attackOwnProgram;
        a.traces++;
        if (id.program === t.program) a.own++;
      });
    }
    pts.forEach((p, j) => {
      p.accuracy = rate(p.correct, p.traces);
      p.sameProgramAccuracy = rate(sameCorrect[j]!, p.traces);
      const recalls: number[] = [];
      for (const pp of Object.values(p.perProgram)) {
        pp.recall = rate(pp.correct, pp.traces);
        if (pp.recall !== null) recalls.push(pp.recall);
      }
      p.macroAccuracy = recalls.length > 0 ? recalls.reduce((s, x) => s + x, 0) / recalls.length : null;
      p.attackOwnProgram.rate = rate(p.attackOwnProgram.own, p.attackOwnProgram.traces);
    });
    out[method] = pts;
  }
  return out;
}

function byProgram(scored: readonly ScoredTrace[]): Map<string, ScoredTrace[]> {
  const m = new Map<string, ScoredTrace[]>();
  for (const s of scored) {
    let l = m.get(s.meta.program);
    if (l === undefined) m.set(s.meta.program, (l = []));
    l.push(s);
  }
  return m;
}

function detectionStudy(cfg: ProfilesConfig, data: GroupData, set: ProfileSet, log: (s: string) => void): DetectionRow[] {
  const k = cfg.k;
  const frames = [...new Set(cfg.operatingPoints.map((o) => o.frame))];
  const models: { label: string; model: Model; profiles?: ProfileModel }[] = [
    { label: 'shared (stide/shared)', model: trainStide(data.train, k, 'shared') },
    { label: 'shared + exec reset (xenids)', model: trainXenids(data.train, k) },
    { label: 'per-program, true program (oracle)', model: new ProfileModel(set, { kind: 'oracle' }) },
  ];
  for (const method of IDENTIFY_METHODS) {
    for (const n of cfg.detectionCalls) {
      const pm = new ProfileModel(set, { kind: 'identify', method, calls: n });
      models.push({ label: `per-program, identified by ${method === 'mismatch' ? 'mismatch rate' : 'JS divergence'} @ ${callsLabel(n)}`, model: pm, profiles: pm });
    }
  }
  const rows: DetectionRow[] = [];
  for (const { label, model, profiles } of models) {
    const t0 = performance.now();
    const normal = scoreTraces(model, data.testNormal, frames);
    const attack = scoreTraces(model, data.attack, frames);
    let misN: number | null = null;
    let misA: number | null = null;
    if (profiles !== undefined) {
      // Only traces whose program has a profile can be identified right (attack-only programs cannot).
      const mis = (ts: readonly Trace[]): number | null => {
        const own = ts.filter((t) => profiles.set.indexOf(t.program) >= 0);
        return rate(own.filter((t) => profiles.set.programs[profiles.profileIndex(t)] !== t.program).length, own.length);
      };
      misN = mis(data.testNormal);
      misA = mis(data.attack);
    }
    const nBy = byProgram(normal);
    const aBy = byProgram(attack);
    const progs = [...new Set([...nBy.keys(), ...aBy.keys()])].sort();
    for (const op of cfg.operatingPoints) {
      const fi = frames.indexOf(op.frame);
      const policy = policyOf(op);
      const pooled = operatingPoint(normal, attack, fi, policy);
      const perProgram: DetectionRow['perProgram'] = {};
      for (const p of progs) {
        const n = nBy.get(p) ?? [];
        const a = aBy.get(p) ?? [];
        const m = operatingPoint(n, a, fi, policy);
        perProgram[p] = { detectionRate: m.detectionRate, attackTraces: m.attackTraces, falsePositiveRate: m.falsePositiveRate, normalTraces: m.normalTraces };
      }
      rows.push({ model: label, operatingPoint: opKey(op), pooled, perProgram, misidentifiedNormal: misN, misidentifiedAttack: misA, dbWindows: model.dbSize, dbBytes: model.dbBytes });
    }
    log(`    ${label}: scored in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  return rows;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Workload chunks of about `perProgram` windows from a program's test traces (training traces when it has none). */
function workloadOf(program: string, data: GroupData, k: number, perProgram: number): CallArray[] {
  const pool = data.testNormal.filter((t) => t.program === program);
  const src = pool.length > 0 ? pool : data.train.filter((t) => t.program === program);
  const out: CallArray[] = [];
  let windows = 0;
  for (const t of src) {
    if (windows >= perProgram) break;
    const nw = t.calls.length - k + 1;
    if (nw <= 0) continue;
    const take = Math.min(nw, perProgram - windows);
    out.push(t.calls.subarray(0, take + k - 1));
    windows += take;
  }
  return out;
}

function scalingStudy(cfg: ProfilesConfig, data: GroupData, set: ProfileSet): ScalingRow[] {
  const k = cfg.k;
  // Programs in order of first appearance in the training data (the config's dataset order).
  const order: string[] = [];
  for (const t of data.train) if (!order.includes(t.program)) order.push(t.program);
  const trainBy = new Map<string, Trace[]>();
  for (const t of data.train) {
    let l = trainBy.get(t.program);
    if (l === undefined) trainBy.set(t.program, (l = []));
    l.push(t);
  }
  let buf = new Uint8Array(1024);
  const lookup = (db: WindowSet, chunks: readonly CallArray[]): void => {
    for (const c of chunks) {
      if (c.length > buf.length) buf = new Uint8Array(c.length);
      db.mismatches(c, buf);
    }
  };
  // One point per set size m: the shared database of the first m programs (built from scratch), the
  // first m profiles, and a workload of test windows spread evenly over those m programs.
  interface Point {
    added: string;
    shared: WindowSet;
    dbs: WindowSet[];
    sub: ProfileSet;
    work: CallArray[][];
    all: CallArray[];
    windows: number;
  }
  const points: Point[] = [];
  let prev: WindowSet | undefined;
  for (let m = 1; m <= order.length; m++) {
    // A copy of the previous shared database (distinct windows and counts) plus the added program.
    // (Copied window by window into a default-capacity set: WindowSet.fromExport sizes its table from n,
    // and a set whose capacity is not a power of two can loop forever when it grows later.)
    const shared = new WindowSet(k);
    if (prev !== undefined) {
      const ex = prev.export();
      for (let i = 0; i < ex.counts.length; i++) shared.add(ex.windows, i * k, ex.counts[i]!);
    }
    for (const t of trainBy.get(order[m - 1]!)!) shared.addTrace(t.calls);
    prev = shared;
    const idx = order.slice(0, m).map((p) => set.indexOf(p));
    const dbs = idx.map((i) => set.dbs[i]!);
    const sub = new ProfileSet(k, idx.map((i) => set.programs[i]!), dbs, idx.map((i) => set.dists[i]!), idx.map((i) => set.calls[i]!), set.epsilon);
    const per = Math.max(1, Math.floor(cfg.scaling.windows / m));
    const work = order.slice(0, m).map((p) => workloadOf(p, data, k, per));
    const all = work.flat();
    let windows = 0;
    for (const c of all) windows += c.length - k + 1;
    points.push({ added: order[m - 1]!, shared, dbs, sub, work, all, windows });
  }
  const measures: ((pt: Point) => void)[] = [
    (pt) => lookup(pt.shared, pt.all),
    (pt) => {
      for (const db of pt.dbs) lookup(db, pt.all);
    },
    (pt) => pt.work.forEach((chunks, i) => lookup(pt.dbs[i]!, chunks)),
    (pt) => {
      for (const c of pt.all) identifyAtPrefixes(pt.sub, c, 'jsd', [100]);
    },
  ];
  // Runs are interleaved over the points (run r times every point before run r+1 starts), so a burst of
  // load on the machine spreads over all points instead of spoiling one; one untimed warm-up run first.
  const times = points.map(() => measures.map(() => [] as number[]));
  for (let r = -1; r < cfg.scaling.runs; r++) {
    points.forEach((pt, i) =>
      measures.forEach((fn, j) => {
        // CPU time (user + system, µs resolution) rather than wall clock: on a shared machine the wall
        // clock also counts the time spent waiting for a CPU.
        const c0 = process.cpuUsage();
        fn(pt);
        const c = process.cpuUsage(c0);
        if (r >= 0) times[i]![j]!.push((c.user + c.system) * 1000);
      }),
    );
  }
  return points.map((pt, i) => {
    const [sharedNs, identNs, ownNs, jsdNs] = times[i]!.map(median) as [number, number, number, number];
    let profileWindows = 0;
    let profileBytes = 0;
    let profilePayload = 0;
    for (const db of pt.dbs) {
      profileWindows += db.size;
      profileBytes += db.bytes;
      profilePayload += db.payloadBytes;
    }
    const w = pt.windows;
    return {
      programs: i + 1,
      added: pt.added,
      sharedWindows: pt.shared.size,
      profileWindows,
      overlapWindows: profileWindows - pt.shared.size,
      sharedBytes: pt.shared.bytes,
      profileBytes,
      sharedPayloadBytes: pt.shared.payloadBytes,
      profilePayloadBytes: profilePayload,
      workloadWindows: w,
      sharedNsPerWindow: w > 0 ? sharedNs / w : NaN,
      identifyNsPerWindow: w > 0 ? identNs / w : NaN,
      ownProfileNsPerWindow: w > 0 ? ownNs / w : NaN,
      jsdMicrosPerIdentification: pt.all.length > 0 ? jsdNs / pt.all.length / 1000 : NaN,
    };
  });
}

export interface RunOptions {
  dataDir: string;
  log?: (s: string) => void;
}

export function runProfiles(cfg: ProfilesConfig, opts: RunOptions): ProfilesResult {
  const log = opts.log ?? (() => {});
  const alphabet = new Alphabet();
  const groups: GroupResult[] = [];
  for (const g of cfg.groups) {
    log(`group ${g.name}`);
    let t0 = performance.now();
    const data = loadGroup(g, cfg, opts.dataDir, alphabet, log);
    const set = trainProfiles(data.train, cfg.k, { jsdEpsilon: cfg.jsdEpsilon, alphabetSize: alphabet.size });
    const load = (performance.now() - t0) / 1000;
    const count = (ts: readonly Trace[], p: string): number => ts.reduce((s, t) => s + (t.program === p ? 1 : 0), 0);
    const programs: ProgramData[] = set.programs.map((p, i) => ({
      program: p,
      trainTraces: count(data.train, p),
      trainCalls: set.calls[i]!,
      testNormalTotal: count(data.testPool, p),
      testNormal: count(data.testNormal, p),
      attackTotal: count(data.attackPool, p),
      attack: count(data.attack, p),
      dbWindows: set.dbs[i]!.size,
    }));
    // Attack-only programs (no profile): listed too, so the reader sees them.
    for (const p of [...new Set(data.attack.map((t) => t.program))].filter((p) => set.indexOf(p) < 0).sort()) {
      programs.push({ program: p, trainTraces: 0, trainCalls: 0, testNormalTotal: 0, testNormal: 0, attackTotal: count(data.attackPool, p), attack: count(data.attack, p), dbWindows: 0 });
    }
    const byTable: Record<string, number> = {};
    for (const [id, names] of data.namesByTable) byTable[id] = names.size;
    const sharedAcross: Record<string, number> = {};
    const tables = [...data.namesByTable.keys()].sort();
    for (let i = 0; i < tables.length; i++) {
      for (let j = i + 1; j < tables.length; j++) {
        const a = data.namesByTable.get(tables[i]!)!;
        const b = data.namesByTable.get(tables[j]!)!;
        let n = 0;
        for (const x of a) if (b.has(x)) n++;
        sharedAcross[`${tables[i]} & ${tables[j]}`] = n;
      }
    }
    const allNames = new Set<string>();
    for (const s of data.namesByTable.values()) for (const x of s) allNames.add(x);
    log(`  ${data.train.length} training traces, ${data.testNormal.length} test normal, ${data.attack.length} attack; ${set.size} profiles`);

    t0 = performance.now();
    const identification = identificationStudy(set, data.testNormal, data.attack, cfg.calls, sameClass(g));
    const identSec = (performance.now() - t0) / 1000;
    log(`  identification: ${identSec.toFixed(1)} s`);

    t0 = performance.now();
    const detection = detectionStudy(cfg, data, set, log);
    const detSec = (performance.now() - t0) / 1000;
    log(`  detection: ${detSec.toFixed(1)} s`);

    t0 = performance.now();
    const scaling = scalingStudy(cfg, data, set);
    const scaleSec = (performance.now() - t0) / 1000;
    log(`  scaling: ${scaleSec.toFixed(1)} s`);

    groups.push({
      name: g.name,
      title: g.title ?? g.name,
      loaded: data.loaded,
      skipped: data.skipped,
      droppedShort: data.droppedShort,
      droppedNoProfile: data.droppedNoProfile,
      programs,
      alphabet: { names: allNames.size, byTable, sharedAcrossTables: sharedAcross },
      identification,
      detection,
      scaling,
      seconds: { load, identification: identSec, detection: detSec, scaling: scaleSec },
    });
  }
  return { config: cfg, groups };
}

// ---------------------------------------------------------------------------------------------------
// Report

const pct = (x: number | null | undefined): string => formatPercent(x ?? null, 1);

async function confusionHeatmap(p: IdentificationPoint, programs: readonly string[], title: string): Promise<string> {
  const values: { truth: string; got: string; count: number; share: number }[] = [];
  const cols = [...new Set([...programs, ...Object.values(p.confusion).flatMap((r) => Object.keys(r))])];
  for (const truth of programs) {
    const row = p.confusion[truth];
    if (row === undefined) continue;
    const total = Object.values(row).reduce((s, x) => s + x, 0);
    for (const got of cols) {
      const c = row[got] ?? 0;
      values.push({ truth, got, count: c, share: total > 0 ? c / total : 0 });
    }
  }
  const rows = programs.filter((pr) => p.confusion[pr] !== undefined);
  const side = Math.max(320, 60 + 26 * cols.length);
  return renderVegaLite({
    width: side + 120,
    height: Math.max(300, 60 + 26 * rows.length + 100),
    autosize: { type: 'fit', contains: 'padding' },
    padding: 8,
    background: 'white',
    title,
    data: { values },
    encoding: {
      x: { field: 'got', type: 'nominal', title: 'identified profile', sort: cols, axis: { labelAngle: -45 } },
      y: { field: 'truth', type: 'nominal', title: 'true program', sort: rows },
    },
    layer: [
      { mark: { type: 'rect' }, encoding: { color: { field: 'share', type: 'quantitative', title: 'row share', scale: { scheme: 'blues', domain: [0, 1] } } } },
      {
        transform: [{ filter: 'datum.count > 0' }],
        mark: { type: 'text', fontSize: 9 },
        encoding: { text: { field: 'count', type: 'quantitative' }, color: { condition: { test: 'datum.share > 0.5', value: 'white' }, value: 'black' } },
      },
    ],
  });
}

function topConfusions(p: IdentificationPoint, limit: number): string {
  const items: { truth: string; got: string; n: number; of: number }[] = [];
  for (const [truth, row] of Object.entries(p.confusion)) {
    const total = Object.values(row).reduce((s, x) => s + x, 0);
    for (const [got, n] of Object.entries(row)) if (got !== truth) items.push({ truth, got, n, of: total });
  }
  items.sort((a, b) => b.n - a.n || (a.truth < b.truth ? -1 : 1));
  if (items.length === 0) return 'none';
  return items
    .slice(0, limit)
    .map((i) => `${i.truth} → ${i.got} (${i.n}/${i.of})`)
    .join('; ');
}

/** Short model name for table columns and chart axes: shared, xenids, oracle, mm @ n=100, jsd @ all, ... */
function short(m: string): string {
  return m.startsWith('shared (') ? 'shared' : m.startsWith('shared +') ? 'xenids' : m.includes('oracle') ? 'oracle' : m.replace('per-program, identified by ', '').replace('mismatch rate', 'mm').replace('JS divergence', 'jsd');
}

function groupMarkdown(cfg: ProfilesConfig, g: GroupResult, files: string[]): string {
  const L: string[] = [];
  L.push(`## ${g.title}`, '');
  L.push(`Datasets: ${g.loaded.map((d) => `\`${d.dataset}\` (${d.traces} traces, table ${d.table})`).join(', ')}.`);
  if (g.skipped.length > 0) L.push('', `Skipped: ${g.skipped.map((s) => `\`${s.dataset}\` — ${s.reason}`).join('; ')}.`);
  L.push(
    '',
    `Traces shorter than ${cfg.minLength} calls left out: ${g.droppedShort}. Test normal traces left out because their program has no training profile: ${g.droppedNoProfile}.`,
    `Alphabet: ${g.alphabet.names} canonical names used in this group; per syscall table: ${Object.entries(g.alphabet.byTable).map(([t, n]) => `${t} ${n}`).join(', ')}` +
      (Object.keys(g.alphabet.sharedAcrossTables).length > 0
        ? `; names shared between tables: ${Object.entries(g.alphabet.sharedAcrossTables).map(([t, n]) => `${t}: ${n}`).join(', ')}.`
        : '.'),
    '',
  );
  L.push('### Data and profiles', '');
  L.push(
    markdownTable(
      ['program', 'train traces', 'train calls', 'test normal (sampled / all)', 'attack (sampled / all)', 'profile windows'],
      g.programs.map((p) => [p.program, p.trainTraces, formatNumber(p.trainCalls), `${p.testNormal} / ${p.testNormalTotal}`, `${p.attack} / ${p.attackTotal}`, formatNumber(p.dbWindows)]),
      ['l', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  L.push('### Program identification', '');
  L.push(
    `Test normal traces identified among ${g.programs.filter((p) => p.trainTraces > 0).length} profiles after n calls (n capped at the trace length; "longer than n" counts the traces for which the prefix is strictly shorter than the trace). Accuracy = correct / traces (dominated by the largest programs); macro = mean per-program recall.`,
    '',
  );
  const hasSame = cfg.groups.find((x) => x.name === g.name)!.sameProgram.length > 0;
  const head = ['calls seen', 'traces (longer than n)', 'mismatch: accuracy', 'mismatch: macro', 'JSD: accuracy', 'JSD: macro'];
  if (hasSame) head.push('mismatch: same-program acc.', 'JSD: same-program acc.');
  head.push('mismatch ties (hamming / alphabetical)');
  L.push(
    markdownTable(
      head,
      g.identification.mismatch.map((m, j) => {
        const s = g.identification.jsd[j]!;
        const row: Cell[] = [callsLabel(m.calls), `${m.traces} (${m.calls === 'all' ? '-' : m.longerThanN})`, pct(m.accuracy), pct(m.macroAccuracy), pct(s.accuracy), pct(s.macroAccuracy)];
        if (hasSame) row.push(pct(m.sameProgramAccuracy), pct(s.sameProgramAccuracy));
        row.push(`${m.decidedBy.hamming} / ${m.decidedBy.alphabetical}`);
        return row;
      }),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'].slice(0, head.length) as ('l' | 'r')[],
    ),
  );
  const progs = Object.keys(g.identification.mismatch[0]!.perProgram).sort();
  const shown = g.identification.mismatch.map((p, j) => j).filter((j) => [100, 'all'].includes(g.identification.mismatch[j]!.calls as number | 'all'));
  if (shown.length > 0) {
    L.push('Per-program recall:', '');
    L.push(
      markdownTable(
        ['program', ...shown.flatMap((j) => [`mismatch ${callsLabel(g.identification.mismatch[j]!.calls)}`, `JSD ${callsLabel(g.identification.jsd[j]!.calls)}`])],
        progs.map((p) => [
          `${p} (${g.identification.mismatch[0]!.perProgram[p]!.traces})`,
          ...shown.flatMap((j) => [pct(g.identification.mismatch[j]!.perProgram[p]!.recall), pct(g.identification.jsd[j]!.perProgram[p]!.recall)]),
        ]),
        ['l', ...shown.flatMap(() => ['r', 'r'] as const)],
      ),
    );
    for (const j of shown) {
      for (const method of IDENTIFY_METHODS) {
        const p = g.identification[method][j]!;
        L.push(`- Most frequent confusions, ${method === 'mismatch' ? 'mismatch rate' : 'JS divergence'} at ${callsLabel(p.calls)}: ${topConfusions(p, 6)}.`);
      }
    }
    L.push('');
  }
  const att = g.identification.mismatch.map((m, j) => [callsLabel(m.calls), `${m.attackOwnProgram.own}/${m.attackOwnProgram.traces}`, `${g.identification.jsd[j]!.attackOwnProgram.own}/${g.identification.jsd[j]!.attackOwnProgram.traces}`] as Cell[]);
  if ((g.identification.mismatch[0]?.attackOwnProgram.traces ?? 0) > 0) {
    L.push('Attack traces identified as their own program (mismatch / JSD):', '');
    L.push(markdownTable(['calls seen', 'mismatch', 'JSD'], att, ['l', 'r', 'r']));
  }
  L.push('### Detection', '');
  L.push(
    `Trace-level rates at k = ${cfg.k}: a trace is flagged when its locality frame count reaches the threshold anywhere. DR = flagged attack traces / attack traces; FPR = flagged test normal traces / test normal traces; decision FPR = alarming windows / normal windows (Warrender). "misidentified" = traces scored against another program's profile.`,
    '',
  );
  for (const op of cfg.operatingPoints) {
    const rows = g.detection.filter((r) => r.operatingPoint === opKey(op));
    L.push(`**${opLabel(op)}**`, '');
    L.push(
      markdownTable(
        ['model', 'DR', 'intrusions', 'FPR', 'decision FPR', 'misidentified normal', 'misidentified attack', 'DB windows'],
        rows.map((r) => [
          r.model,
          `${pct(r.pooled.detectionRate)} (${r.pooled.detectedTraces}/${r.pooled.attackTraces})`,
          `${r.pooled.detectedIntrusions}/${r.pooled.intrusions}`,
          `${pct(r.pooled.falsePositiveRate)} (${r.pooled.falsePositiveTraces}/${r.pooled.normalTraces})`,
          formatPercent(r.pooled.decisionFalsePositiveRate, 3),
          r.misidentifiedNormal === null ? '-' : pct(r.misidentifiedNormal),
          r.misidentifiedAttack === null ? '-' : pct(r.misidentifiedAttack),
          formatNumber(r.dbWindows),
        ]),
        ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
  }
  const op0 = cfg.operatingPoints[0]!;
  const rows0 = g.detection.filter((r) => r.operatingPoint === opKey(op0));
  const dprogs = Object.keys(rows0[0]?.perProgram ?? {}).sort();
  L.push(`Per program at ${opLabel(op0)} (cells: DR / FPR; "-" = no traces of that kind):`, '');
  L.push(
    markdownTable(
      ['program', ...rows0.map((r) => short(r.model))],
      dprogs.map((p) => [
        p,
        ...rows0.map((r) => {
          const c = r.perProgram[p]!;
          return `${c.attackTraces > 0 ? pct(c.detectionRate) : '-'} / ${c.normalTraces > 0 ? pct(c.falsePositiveRate) : '-'}`;
        }),
      ]),
      ['l', ...rows0.map(() => 'r' as const)],
    ),
  );
  L.push('### Scaling', '');
  L.push(
    `Programs added one at a time (config order). Distinct windows: the shared database vs the sum over profiles (overlap = windows stored in more than one profile). Payload bytes = distinct windows × k × 4; table bytes = the typed arrays' capacity. Lookup cost: CPU ns (user + system) per window, median of ${cfg.scaling.runs} timed runs interleaved over the set sizes over about ${formatNumber(cfg.scaling.windows)} test windows spread evenly over the programs in the set; identification = one lookup in every profile per window; own profile = one lookup after identification. JSD identification: µs per process at n = 100 (counting 100 calls + one divergence per profile). Machine-dependent benchmark figures.`,
    '',
  );
  L.push(
    markdownTable(
      ['programs', 'added', 'shared windows', 'profile windows', 'overlap', 'shared payload', 'profile payload', 'shared table bytes', 'profile table bytes', 'shared ns/win', 'identify ns/win', 'own profile ns/win', 'JSD µs/id'],
      g.scaling.map((s) => [
        s.programs,
        s.added,
        formatNumber(s.sharedWindows),
        formatNumber(s.profileWindows),
        formatNumber(s.overlapWindows),
        formatNumber(s.sharedPayloadBytes),
        formatNumber(s.profilePayloadBytes),
        formatNumber(s.sharedBytes),
        formatNumber(s.profileBytes),
        formatNumber(s.sharedNsPerWindow, 1),
        formatNumber(s.identifyNsPerWindow, 1),
        formatNumber(s.ownProfileNsPerWindow, 1),
        formatNumber(s.jsdMicrosPerIdentification, 2),
      ]),
      ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  L.push(`Figures: ${files.map((f) => `[${f}](${f})`).join(', ')}.`, '');
  return L.join('\n');
}

/** The headline tables: identification accuracy per n, detection per model, growth at N programs. */
function headline(res: ProfilesResult): string[] {
  const cfg = res.config;
  const L: string[] = ['## Headline', ''];
  L.push('Identification accuracy on test normal traces (micro / macro over programs):', '');
  L.push(
    markdownTable(
      ['group', 'method', ...cfg.calls.map(callsLabel)],
      res.groups.flatMap((g) =>
        IDENTIFY_METHODS.map((m) => [g.name, m === 'mismatch' ? 'mismatch rate' : 'JS divergence', ...g.identification[m].map((p) => `${pct(p.accuracy)} / ${pct(p.macroAccuracy)}`)] as Cell[]),
      ),
      ['l', 'l', ...cfg.calls.map(() => 'r' as const)],
    ),
  );
  L.push('Trace-level detection rate / false-positive rate (pooled over programs; intrusion-level detection in the group sections):', '');
  const models = res.groups[0]?.detection.filter((r) => r.operatingPoint === opKey(cfg.operatingPoints[0]!)).map((r) => r.model) ?? [];
  L.push(
    markdownTable(
      ['model', ...res.groups.flatMap((g) => cfg.operatingPoints.map((op) => `${g.name}: ${opLabel(op)}`))],
      models.map((model) => [
        model,
        ...res.groups.flatMap((g) =>
          cfg.operatingPoints.map((op) => {
            const r = g.detection.find((x) => x.model === model && x.operatingPoint === opKey(op));
            return r === undefined ? 'n/a' : `${pct(r.pooled.detectionRate)} / ${pct(r.pooled.falsePositiveRate)}`;
          }),
        ),
      ]),
      ['l', ...res.groups.flatMap(() => cfg.operatingPoints.map(() => 'r' as const))],
    ),
  );
  L.push('Database growth from 1 to N programs (distinct windows; lookup ns per window at N):', '');
  L.push(
    markdownTable(
      ['group', 'N', 'shared @1', 'shared @N', 'profiles @N (sum)', 'overlap @N', 'shared ns/win @N', 'identify ns/win @N', 'own profile ns/win @N'],
      res.groups.map((g) => {
        const a = g.scaling[0];
        const z = g.scaling[g.scaling.length - 1];
        return [
          g.name,
          g.scaling.length,
          formatNumber(a?.sharedWindows),
          formatNumber(z?.sharedWindows),
          formatNumber(z?.profileWindows),
          formatNumber(z?.overlapWindows),
          formatNumber(z?.sharedNsPerWindow, 1),
          formatNumber(z?.identifyNsPerWindow, 1),
          formatNumber(z?.ownProfileNsPerWindow, 1),
        ];
      }),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
  );
  return L;
}

export async function renderProfiles(res: ProfilesResult, runtime: { seconds: number; when: string; node: string }): Promise<Record<string, string>> {
  const cfg = res.config;
  const files: Record<string, string> = {};
  const sections: string[] = [];
  for (const g of res.groups) {
    const figs: string[] = [];
    const add = (name: string, svg: string): void => {
      files[name] = svg;
      figs.push(name);
    };
    add(
      `${g.name}-identification.svg`,
      await barChart({
        title: `${g.title}: identification accuracy`,
        xTitle: 'calls seen',
        yTitle: 'accuracy',
        bars: IDENTIFY_METHODS.flatMap((m) => g.identification[m].map((p) => ({ group: callsLabel(p.calls), series: m === 'mismatch' ? 'mismatch rate' : 'JS divergence', value: p.accuracy ?? 0 }))),
      }),
    );
    const progs = g.programs.filter((p) => p.trainTraces > 0).map((p) => p.program);
    for (const m of IDENTIFY_METHODS) {
      for (const p of g.identification[m]) {
        if (p.calls !== 100 && p.calls !== 'all') continue;
        add(`${g.name}-confusion-${m}-${p.calls === 'all' ? 'all' : `n${p.calls}`}.svg`, await confusionHeatmap(p, progs, `${g.title}: ${m === 'mismatch' ? 'mismatch rate' : 'JS divergence'}, ${callsLabel(p.calls)}`));
      }
    }
    for (const op of cfg.operatingPoints) {
      const rows = g.detection.filter((r) => r.operatingPoint === opKey(op));
      add(
        `${g.name}-detection-${opKey(op)}.svg`,
        await barChart({
          title: `${g.title}: ${opLabel(op)}`,
          xTitle: 'model (shared, xenids = shared + exec reset, oracle = true program, mm / jsd = identified by mismatch rate / JS divergence)',
          yTitle: 'trace-level rate',
          width: 900,
          bars: rows.flatMap((r) => {
            const label = short(r.model);
            return [
              { group: label, series: 'detection rate', value: r.pooled.detectionRate ?? 0 },
              { group: label, series: 'false-positive rate', value: r.pooled.falsePositiveRate ?? 0 },
            ];
          }),
        }),
      );
    }
    add(
      `${g.name}-scaling-windows.svg`,
      await lineChart({
        title: `${g.title}: database size as programs are added`,
        xTitle: 'programs',
        yTitle: 'distinct windows',
        series: g.scaling.flatMap((s) => [
          { label: 'shared database', x: s.programs, y: s.sharedWindows },
          { label: 'profile set (sum)', x: s.programs, y: s.profileWindows },
        ]),
      }),
    );
    add(
      `${g.name}-scaling-lookup.svg`,
      await lineChart({
        title: `${g.title}: lookup cost per window`,
        xTitle: 'programs',
        yTitle: 'ns per window',
        series: g.scaling.flatMap((s) => [
          { label: 'shared database', x: s.programs, y: s.sharedNsPerWindow },
          { label: 'identify (m lookups)', x: s.programs, y: s.identifyNsPerWindow },
          { label: 'own profile', x: s.programs, y: s.ownProfileNsPerWindow },
        ]),
      }),
    );
    sections.push(groupMarkdown(cfg, g, figs));
  }
  const head = [
    '# Per-program profiles identified at run time',
    '',
    `The paper's future work (Maiero & Miculan 2011 §6): instead of one database for all programs, keep one Stide database per program (a profile) and assign each process to a profile from its own calls — by the lowest mismatch rate of its windows (the paper's "lowest Hamming distance" idea; ties broken by the mean Hamming distance d_min, then alphabetically), or by the nearest syscall distribution (Jensen–Shannon divergence, base 2; profiles smoothed add-ε with ε = ${cfg.jsdEpsilon} pseudo-calls per syscall, the test prefix unsmoothed). Written by \`stidebench run experiments/profiles.yaml\`; numbers in [metrics.json](metrics.json), run and lookup times in [timings.json](timings.json).`,
    '',
    `Setup: k = ${cfg.k}; per program a seeded ${formatPercent(cfg.trainFraction, 0)} of its normal units (seed ${cfg.seed}) trains, the rest is test normal data; attack traces are used for detection only. Subsampling: at most ${cfg.maxTestTracesPerProgram} test normal and ${cfg.maxAttackTracesPerProgram} attack traces per program (seeded sample) to keep the run short. Traces shorter than ${cfg.minLength} calls are left out. All traces are encoded into ONE alphabet by canonical syscall name: SunOS (lpr, sendmail) and Linux names only overlap where the names coincide (open, read, ...), so same-named calls of different OSes share an id and the rest are disjoint — this makes cross-OS identification easy and is stated as such, not hidden.`,
    '',
    'Notes for reading: (1) UNM lpr: each lprcp intrusion is 1001 lpr runs, most of them ordinary print jobs, so the trace-level detection rate of lpr is low for every model and the intrusion-level column is the meaningful one there. (2) Recorded Linux programs: every pid of a `sample` recording is labelled by the binary it exec\'d (a pipeline\'s cat/grep/wc, tar\'s gzip), so attack recordings contain processes of programs that have no normal profile (id, uname, awk, bash, ...); the oracle flags those everywhere by construction (no database, as per-program Stide does), the identified models assign them to the nearest profile, and "misidentified" rates count only traces whose program has a profile. (3) Detection rates of identified profiles are those of an IDS that lets the process choose its profile: an attack process is matched to whichever profile explains its calls best.',
    '',
    'Identification: the first n calls only (capped at the trace length). The identified model scores the whole trace against the identified profile (windows inside the identification prefix included, retroactively). A program without a profile (only possible for the oracle, for exec-relabelled attack processes) mismatches everywhere, like per-program Stide.',
    '',
    `Run: ${formatNumber(runtime.seconds, 1)} s on ${runtime.node}, ${runtime.when}.`,
    '',
    ...headline(res),
  ];
  files['summary.md'] = [...head, ...sections].join('\n');
  files['metrics.json'] = stableJson(metricsOnly(res));
  files['timings.json'] = stableJson(timingsOnly(res, runtime));
  return files;
}

const TIMED_SCALING_FIELDS = ['sharedNsPerWindow', 'identifyNsPerWindow', 'ownProfileNsPerWindow', 'jsdMicrosPerIdentification'] as const;

/** The result without anything measured in time: the same inputs give the same bytes. */
export function metricsOnly(res: ProfilesResult): unknown {
  return {
    config: res.config,
    groups: res.groups.map(({ seconds: _seconds, scaling, ...g }) => ({
      ...g,
      scaling: scaling.map((row) => Object.fromEntries(Object.entries(row).filter(([k]) => !(TIMED_SCALING_FIELDS as readonly string[]).includes(k)))),
    })),
  };
}

/** Run time, per-stage seconds and the lookup-cost benchmark figures (they change from run to run). */
export function timingsOnly(res: ProfilesResult, runtime: { seconds: number; when: string; node: string }): unknown {
  return {
    runtime,
    groups: res.groups.map((g) => ({
      name: g.name,
      seconds: g.seconds,
      scaling: g.scaling.map((row) => ({ programs: row.programs, added: row.added, ...Object.fromEntries(TIMED_SCALING_FIELDS.map((k) => [k, row[k]])) })),
    })),
  };
}
