// Owns running an experiment: load each dataset once, split it, encode it in one dense alphabet, then run
// one cell per (dataset, detector, k) and derive every (frame, threshold) operating point from the cells.

import { createHash } from 'node:crypto';
import { sep } from 'node:path';
import { InputError } from '../errors.js';
import { getDataset, resolveDataDir } from '../datasets/registry.js';
import { loadDatasetAsync } from '../datasets/load.js';
import { Alphabet } from '../traces/alphabet.js';
import { namesNeeded } from '../detectors/registry.js';
import type { Cell } from '../eval/cell.js';
import { runTask, type CellTask } from '../eval/cell-worker.js';
import { packTraces, type PackedTraces } from '../eval/packed.js';
import { cellKey, type CellCache } from '../eval/cache.js';
import { makePool } from '../eval/pool.js';
import { convergence, type ConvergencePoint } from '../eval/analysis.js';
import { operatingPoint, type OperatingPointMetrics } from '../eval/metrics.js';
import { splitTraces } from '../eval/split.js';
import { countThreshold, ratioThreshold, type ThresholdPolicy } from '../eval/threshold.js';
import type { Experiment } from './schema.js';
import type { RawTrace, SyscallTable, Trace } from '../traces/trace.js';
import { sunosToLinux } from '../traces/syscalls/index.js';

export interface DatasetSummary {
  name: string;
  label: string;
  manifest: string;
  /** sha256 over the manifest's sorted (path, sha256) list: identifies the exact data. */
  checksum: string;
  files: number;
  warnings: string[];
  alphabet: number;
  trainTraces: number;
  trainCalls: number;
  calibrateTraces: number;
  testNormalTraces: number;
  testNormalCalls: number;
  attackTraces: number;
  attackCalls: number;
  droppedShort: { normal: number; attack: number };
  /** Programs of test traces that no training trace ran (for summary warnings; not in metrics.json). */
  untrainedPrograms: { program: string; normal: number; attack: number }[];
}

export interface ConvergenceCurve {
  dataset: string;
  k: number;
  points: ConvergencePoint[];
  plateauAt: number | null;
}

export interface ExperimentResult {
  experiment: Experiment;
  datasets: DatasetSummary[];
  cells: Cell[];
  policies: ThresholdPolicy[];
  convergence: ConvergenceCurve[];
}

export interface Progress {
  start(total: number, what: string): void;
  tick(what: string): void;
  stop(): void;
}

export const silentProgress: Progress = { start() {}, tick() {}, stop() {} };

export function experimentPolicies(exp: Experiment): ThresholdPolicy[] {
  return [...(exp.thresholds.count ?? []).map(countThreshold), ...(exp.thresholds.ratio ?? []).map(ratioThreshold)];
}

export function manifestChecksum(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const p of Object.keys(files).sort()) h.update(`${files[p]}  ${p}\n`);
  return h.digest('hex');
}

function sumCalls(ts: readonly { calls: { length: number } }[]): number {
  let n = 0;
  for (const t of ts) n += t.calls.length;
  return n;
}

export interface RunOptions {
  dataDir?: string;
  progress?: Progress;
  /** Worker threads for cells (1 = in this thread). Results are identical for every value. */
  jobs?: number;
  /** Scored-cell cache; undefined = no cache. */
  cache?: CellCache;
}

function dataHash(sets: readonly PackedTraces[], alphabet: readonly string[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(alphabet));
  for (const p of sets) {
    h.update(JSON.stringify(p.metas));
    h.update(new Uint8Array(p.offsets.buffer, p.offsets.byteOffset, p.offsets.byteLength));
    h.update(new Uint8Array(p.calls.buffer, p.calls.byteOffset, p.calls.byteLength));
  }
  return h.digest('hex');
}

type Part = Pick<Experiment['datasets'][number], 'name' | 'split' | 'mapNames'>;

/** Loads and splits one dataset (the main one of an entry, or one it is mixed `with`). */
async function loadPart(part: Part, dataDir: string) {
  const manifest = getDataset(part.name);
  const subsets: Record<string, RegExp> = {};
  for (const [name, re] of Object.entries(manifest.subsets ?? {})) subsets[name] = new RegExp(re);
  for (const s of [part.split.train, part.split.calibrate, part.split.test, part.split.attack]) {
    if (s?.subset !== undefined && subsets[s.subset] === undefined) {
      throw new InputError(`dataset ${part.name} has no subset "${s.subset}"`, { expected: `one of ${Object.keys(subsets).sort().join(', ') || '(none)'}` });
    }
  }
  // Inflate on the thread pool while this thread parses (same traces, order and errors as loadDataset).
  const loaded = await loadDatasetAsync(manifest, dataDir);
  const traces = part.mapNames === 'sunos-to-linux' ? loaded.traces.map((t) => ({ ...t, table: mapTable(t.table, sunosToLinux, 'sunos-to-linux') })) : loaded.traces;
  return { name: part.name, manifest, files: loaded.files, warnings: loaded.warnings, split: splitTraces<RawTrace>(traces, part.split, subsets) };
}

/** A syscall table whose names are rewritten by a mapping (e.g. SunOS names to their Linux names). */
export function mapTable(table: SyscallTable, mapping: Readonly<Record<string, string>>, tag: string): SyscallTable {
  return { id: `${table.id}|${tag}`, name: (n) => { const x = table.name(n); return mapping[x] ?? x; } };
}

/** Programs that test traces ran but no training trace did ('unknown' programs are not counted). */
export function untrainedPrograms(train: readonly { program: string }[], normal: readonly { program: string }[], attack: readonly { program: string }[]): DatasetSummary['untrainedPrograms'] {
  const trained = new Set(train.map((t) => t.program));
  const out = new Map<string, { program: string; normal: number; attack: number }>();
  for (const [ts, key] of [[normal, 'normal'], [attack, 'attack']] as const) {
    for (const t of ts) {
      if (trained.has(t.program) || t.program === 'unknown') continue;
      let e = out.get(t.program);
      if (!e) out.set(t.program, (e = { program: t.program, normal: 0, attack: 0 }));
      e[key]++;
    }
  }
  return [...out.values()].sort((a, b) => (a.program < b.program ? -1 : a.program > b.program ? 1 : 0));
}

let runCounter = 0;

export async function runExperiment(exp: Experiment, opts: RunOptions): Promise<ExperimentResult> {
  const progress = opts.progress ?? silentProgress;
  const jobs = Math.max(1, opts.jobs ?? 1);
  const pool = jobs > 1 ? await makePool(jobs) : undefined;
  const pending: Promise<void>[] = [];
  const dataDir = resolveDataDir(opts.dataDir);
  const cells: Cell[] = [];
  const datasets: DatasetSummary[] = [];
  const curves: ConvergenceCurve[] = [];
  const total = exp.datasets.length * exp.detectors.length * exp.k.length;
  progress.start(total, 'cells');
  try {
    for (const entry of exp.datasets) {
      const parts = [];
      for (const part of [entry, ...entry.with]) parts.push(await loadPart(part, dataDir));
      const manifest = parts[0]!.manifest;
      const loaded = { files: parts.reduce((n, p) => n + p.files, 0), warnings: parts.flatMap((p) => p.warnings.map((w) => (p.name === entry.name ? w : `${p.name}: ${w}`))) };
      const split = {
        train: parts.flatMap((p) => p.split.train),
        calibrate: parts.flatMap((p) => p.split.calibrate),
        testNormal: parts.flatMap((p) => p.split.testNormal),
        attack: parts.flatMap((p) => p.split.attack),
        droppedShort: { normal: parts.reduce((n, p) => n + p.split.droppedShort.normal, 0), attack: parts.reduce((n, p) => n + p.split.droppedShort.attack, 0) },
      };
      // One dense alphabet per dataset: training first, then frozen so unseen calls share one id.
      const alphabet = new Alphabet();
      const train = split.train.map((t) => alphabet.encode(t));
      for (const d of exp.detectors) for (const n of namesNeeded(d)) alphabet.intern(n);
      alphabet.freeze();
      const enc = (ts: RawTrace[]): Trace[] => ts.map((t) => alphabet.encode(t));
      const calibrate = enc(split.calibrate);
      const testNormal = enc(split.testNormal);
      const attack = enc(split.attack);
      const label = entry.as ?? entry.name;
      datasets.push({
        name: entry.name,
        label,
        manifest: `datasets/${manifest.name}/manifest.json`,
        checksum: parts.length === 1 ? manifestChecksum(manifest.files ?? {}) : manifestChecksum(Object.fromEntries(parts.map((p) => [p.name, manifestChecksum(p.manifest.files ?? {})]))),
        files: loaded.files,
        // Paths relative to the data directory, so summaries do not depend on where the data lives.
        warnings: loaded.warnings.map((w) => w.split(dataDir + sep).join('')),
        alphabet: alphabet.size,
        trainTraces: train.length,
        trainCalls: sumCalls(train),
        calibrateTraces: calibrate.length,
        testNormalTraces: testNormal.length,
        testNormalCalls: sumCalls(testNormal),
        attackTraces: attack.length,
        attackCalls: sumCalls(attack),
        droppedShort: split.droppedShort,
        untrainedPrograms: untrainedPrograms(split.train, split.testNormal, split.attack),
      });
      const packed = { train: packTraces(train), calibrate: packTraces(calibrate), testNormal: packTraces(testNormal), attack: packTraces(attack) };
      const names = [...alphabet.allNames()];
      const dataKey = `${process.pid}/${++runCounter}/${label}`;
      const data = opts.cache ? dataHash(Object.values(packed), names) : '';
      for (const det of exp.detectors) {
        for (const k of exp.k) {
          const slot = cells.length;
          cells.push(undefined as unknown as Cell);
          const what = `${label} ${det.label} k=${k}`;
          const spec = { kind: det.kind, scope: det.scope, resetOn: [...det.resetOn], params: { ...det.params } };
          const key = opts.cache ? cellKey({ data, label, spec, k, frames: exp.frames }) : '';
          const cached = opts.cache?.get(key);
          if (cached) {
            cells[slot] = cached;
            progress.tick(`${what} (cached)`);
            continue;
          }
          const task: CellTask = { dataKey, dataset: label, detectorLabel: det.label, detector: spec, k, frames: [...exp.frames], alphabet: names, ...packed };
          const done = (cell: Cell): void => {
            cells[slot] = cell;
            opts.cache?.put(key, cell);
            progress.tick(what);
          };
          if (pool) pending.push(pool.run(task).then(done));
          else {
            done(runTask(task));
            // Let signals (Ctrl-C) and I/O through between cells.
            await new Promise((r) => setImmediate(r));
          }
        }
      }
      // Computed here, after this dataset's cells are dispatched, so it overlaps the workers' scoring.
      if (exp.analysis?.convergence) {
        for (const k of exp.k) curves.push({ dataset: label, k, ...convergence(train, k) });
      }
    }
    await Promise.all(pending);
  } finally {
    progress.stop();
    await pool?.destroy();
  }
  return { experiment: exp, datasets, cells, policies: experimentPolicies(exp), convergence: curves };
}

const pointsMemo = new WeakMap<Cell, Map<string, OperatingPointMetrics[]>>();

/** Every operating point of a cell: frames x thresholds, in experiment order (memoised per cell). */
export function cellPoints(cell: Cell, policies: readonly ThresholdPolicy[]): OperatingPointMetrics[] {
  if (cell.normal.length === 0 && cell.attack.length === 0) return [];
  let memo = pointsMemo.get(cell);
  if (!memo) pointsMemo.set(cell, (memo = new Map()));
  const key = JSON.stringify(policies);
  const hit = memo.get(key);
  if (hit) return hit;
  const out: OperatingPointMetrics[] = [];
  memo.set(key, out);
  cell.frames.forEach((_, fi) => {
    for (const p of policies) out.push(operatingPoint(cell.normal, cell.attack, fi, p));
  });
  return out;
}
