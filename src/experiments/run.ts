// Owns running an experiment: prepare each evaluation unit once through the one pipeline (src/prepare:
// read, split, one vocabulary, one frozen alphabet), then run one cell per (dataset, detector, k) and
// derive every (frame, threshold) operating point from the cells.

import { createHash } from 'node:crypto';
import { resolveDataDir } from '../datasets/registry.js';
import { perProgramWarning, prepareDataset, type DatasetSummary } from '../prepare/index.js';
import { runCell, type Cell } from '../eval/cell.js';
import type { CellTask } from '../eval/cell-worker.js';
import { packTraces, type PackedTraces } from '../eval/packed.js';
import { cellKey, type CellCache } from '../eval/cache.js';
import { makePool } from '../eval/pool.js';
import { convergence, convergenceCurve, type ConvergencePoint } from '../eval/analysis.js';
import { expandScores, extrasFor } from '../eval/score-analysis.js';
import type { TraceScoreSpec } from '../eval/trace-scores.js';
import { operatingPoint, type OperatingPointMetrics } from '../eval/metrics.js';
import { countThreshold, ratioThreshold, type ThresholdPolicy } from '../eval/threshold.js';
import type { ScoreExtras } from '../eval/score.js';
import type { Experiment } from './schema.js';
import type { DetectorSpec } from '../detectors/registry.js';
import type { CallArray, Trace } from '../traces/trace.js';

export { manifestChecksum, mapTable, type DatasetSummary } from '../prepare/index.js';

export interface ConvergenceCurve {
  dataset: string;
  k: number;
  points: ConvergencePoint[];
  plateauAt: number | null;
}

export interface ExperimentResult {
  experiment: Experiment;
  /** The trace scores of analysis.scores, expanded (one per frame for LFC scores without a frame). */
  scores: TraceScoreSpec[];
  datasets: DatasetSummary[];
  cells: Cell[];
  policies: ThresholdPolicy[];
  convergence: ConvergenceCurve[];
  /** Run-level data warnings (checksums, foreign calls, programs without training data), each once; not in metrics.json. */
  notes: string[];
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

type DatasetEntry = Experiment['datasets'][number];

/**
 * One cell described as data: what a worker on another machine needs to prepare the dataset with the
 * same code (prepareEntry on the same entry and detectors) and to check its data are the same (manifest
 * checksum, hash of the prepared traces and alphabet) before scoring.
 */
export interface RemoteCell {
  entry: DatasetEntry;
  /** The experiment's detectors (they decide which names the alphabet holds before it freezes). */
  detectors: Experiment['detectors'];
  dataHash: string;
  checksum: string;
  dataset: string;
  detectorLabel: string;
  detector: DetectorSpec;
  k: number;
  frames: number[];
  /** What the analysis needs beyond frame summaries (syscall-level runs, detector measures). */
  extras?: ScoreExtras;
  /** The run's --lenient: the worker prepares the data the same way (dataHash tells it apart). */
  lenient?: boolean;
}

/** Computes cells somewhere else (a job queue); resolves to the same Cell runCell gives. */
export interface RemoteRunner {
  run(cell: RemoteCell): Promise<Cell>;
}

export interface RunOptions {
  /** Cells are computed by this runner (e.g. BullMQ workers) instead of threads here. */
  remote?: RemoteRunner;
  dataDir?: string;
  progress?: Progress;
  /** Worker threads for cells (1 = in this thread). Results are identical for every value. */
  jobs?: number;
  /** Scored-cell cache; undefined = no cache. */
  cache?: CellCache;
  /** Refuse registered data that fails its manifest checksums (default: a warning in notes). */
  strict?: boolean;
  /** Skip malformed trace lines, counted in each dataset's warnings (default: the first one stops the run). */
  lenient?: boolean;
}

/**
 * sha256 over the alphabet and the traces, byte for byte what it would be over their packed form
 * (packTraces: metadata JSON, n + 1 offsets, the calls end to end, at least one int), without packing.
 */
function dataHash(sets: readonly (readonly Trace[])[], alphabet: readonly string[]): string {
  const h = createHash('sha256');
  h.update(JSON.stringify(alphabet));
  const bytes = (a: Int32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  // Calls as 4-byte ids whatever array holds them (the packed form's bytes: cache keys stay valid).
  const ids = (c: CallArray): Int32Array => (c instanceof Int32Array ? c : Int32Array.from(c));
  for (const traces of sets) {
    h.update(JSON.stringify(JSON.stringify(traces.map(({ calls: _c, alphabet: _a, ...meta }) => meta))));
    const offsets = new Int32Array(traces.length + 1);
    let o = 0;
    traces.forEach((t, i) => {
      offsets[i] = o;
      o += t.calls.length;
    });
    offsets[traces.length] = o;
    h.update(bytes(offsets));
    for (const t of traces) h.update(bytes(ids(t.calls)));
    if (o === 0) h.update(new Uint8Array(4));
  }
  return h.digest('hex');
}

/** One dataset entry through the preparation pipeline, packed: what every cell of it reads. */
export interface PreparedEntry {
  label: string;
  summary: DatasetSummary;
  notes: string[];
  train: Trace[];
  calibrate: Trace[];
  testNormal: Trace[];
  attack: Trace[];
  /** The four sets packed into shared memory for worker threads: built on first use (runs without workers never pack). */
  readonly packed: { train: PackedTraces; calibrate: PackedTraces; testNormal: PackedTraces; attack: PackedTraces };
  names: string[];
  /** sha256 over the alphabet and the packed traces (computed on demand). */
  dataHash(): string;
}

/** prepareDataset (src/prepare) plus packing; used by local runs and by queue workers alike. */
export async function prepareEntry(entry: DatasetEntry, detectors: Experiment['detectors'], dataDir: string, strict?: boolean, lenient?: boolean): Promise<PreparedEntry> {
  const prepared = await prepareDataset(entry, detectors, { dataDir, strict, ...(lenient ? { lenient: true } : {}) });
  const { alphabet, train, calibrate, testNormal, attack } = prepared;
  const names = [...alphabet.allNames()];
  let hash: string | undefined;
  let packed: PreparedEntry['packed'] | undefined;
  return {
    label: prepared.summary.label,
    summary: prepared.summary,
    notes: prepared.notes,
    train,
    calibrate,
    testNormal,
    attack,
    get packed() {
      return (packed ??= { train: packTraces(train), calibrate: packTraces(calibrate), testNormal: packTraces(testNormal), attack: packTraces(attack) });
    },
    names,
    dataHash: () => (hash ??= dataHash([train, calibrate, testNormal, attack], names)),
  };
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
  const convergenceWanted: { label: string; train: readonly Trace[]; slots: Map<number, number> }[] = [];
  const notes: string[] = [];
  const total = exp.datasets.length * exp.detectors.length * exp.k.length;
  const scores = expandScores(exp.analysis?.scores ?? [], exp.frames);
  const extras = extrasFor({ scores, syscallMetrics: exp.analysis?.syscallMetrics ?? false, alarmExport: exp.analysis?.alarmExport ?? false });
  const hasExtras = Object.keys(extras).length > 0;
  progress.start(total, 'cells');
  try {
    for (const entry of exp.datasets) {
      const prepared = await prepareEntry(entry, exp.detectors, dataDir, opts.strict, opts.lenient);
      const { label, train, calibrate, testNormal, attack, names } = prepared;
      datasets.push(prepared.summary);
      for (const n of prepared.notes) notes.push(n);
      const scopeNote = perProgramWarning(exp.detectors, train, [...calibrate, ...testNormal, ...attack], 'scope: shared on the detector');
      if (scopeNote !== undefined) notes.push(`${label}: ${scopeNote}`);
      const dataKey = `${process.pid}/${++runCounter}/${label}`;
      const data = opts.cache || opts.remote ? prepared.dataHash() : '';
      // The convergence curve (one shared database of the training windows per k) is recorded during the
      // training of the first detector whose databases add up to it: shared scope, or one program.
      const oneProgram = new Set(train.map((t) => t.program)).size <= 1;
      const recorder = exp.analysis?.convergence ? exp.detectors.find((d) => d.scope === 'shared' || oneProgram) : undefined;
      const curveSlots = new Map<number, number>();
      if (exp.analysis?.convergence) convergenceWanted.push({ label, train, slots: curveSlots });
      for (const det of exp.detectors) {
        for (const k of exp.k) {
          const slot = cells.length;
          cells.push(undefined as unknown as Cell);
          const what = `${label} ${det.label} k=${k}`;
          const recordCurve = det === recorder;
          if (recordCurve) curveSlots.set(k, slot);
          const spec = { kind: det.kind, scope: det.scope, resetOn: [...det.resetOn], params: { ...det.params } };
          const key = opts.cache ? cellKey({ data, label, spec, k, frames: exp.frames, ...(hasExtras ? { extras } : {}) }) : '';
          const cached = opts.cache?.get(key);
          if (cached) {
            cells[slot] = cached.timings ? { ...cached, timings: { ...cached.timings, where: 'cached' } } : cached;
            progress.tick(`${what} (cached)`);
            continue;
          }
          const done = (cell: Cell): void => {
            cells[slot] = cell;
            opts.cache?.put(key, cell);
            progress.tick(what);
          };
          if (opts.remote) {
            const job: RemoteCell = { entry, detectors: exp.detectors, dataHash: data, checksum: prepared.summary.checksum, dataset: label, detectorLabel: det.label, detector: spec, k, frames: [...exp.frames], ...(hasExtras ? { extras } : {}), ...(opts.lenient ? { lenient: true } : {}) };
            pending.push(opts.remote.run(job).then(done));
            continue;
          }
          const base = { dataset: label, detectorLabel: det.label, detector: spec, k, frames: [...exp.frames], ...(hasExtras ? { extras } : {}), ...(recordCurve ? { convergence: true } : {}) };
          if (pool) pending.push(pool.run({ ...base, dataKey, alphabet: names, ...prepared.packed } satisfies CellTask).then(done));
          else {
            // In this thread: the prepared traces as they are (no packing into shared memory).
            done(runCell({ ...base, train, calibrate, testNormal, attack }));
            // Let signals (Ctrl-C) and I/O through between cells.
            await new Promise((r) => setImmediate(r));
          }
        }
      }
    }
    await Promise.all(pending);
    for (const { label, train, slots } of convergenceWanted) {
      for (const k of exp.k) {
        const slot = slots.get(k);
        const sizes = slot !== undefined ? cells[slot]?.convergence : undefined;
        // A second training only when no cell recorded it (no eligible detector, a cached or remote cell).
        const curve = sizes !== undefined && sizes.length === train.length ? convergenceCurve(sizes) : convergence(train, k);
        curves.push({ dataset: label, k, ...curve });
      }
    }
  } finally {
    progress.stop();
    await pool?.destroy();
  }
  return { experiment: exp, scores, datasets, cells, policies: experimentPolicies(exp), convergence: curves, notes };
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
