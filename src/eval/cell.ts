// Owns one scored cell of an experiment: a model trained for (dataset, detector, k) and the scored test,
// calibration and attack traces, plus how fast training and scoring ran (timings: never part of
// metrics.json, which must be byte-identical for the same inputs). Everything in a report derives from cells.

import { isMainThread } from 'node:worker_threads';
import { mismatchSummary, type MismatchSummary } from './metrics.js';
import { scoreTraces, type ScoreExtras, type ScoredTrace } from './score.js';
import { trainModel, type DetectorSpec } from '../detectors/registry.js';
import type { Trace } from '../traces/trace.js';

export interface CellInput {
  dataset: string;
  detectorLabel: string;
  detector: DetectorSpec;
  k: number;
  frames: readonly number[];
  train: readonly Trace[];
  calibrate: readonly Trace[];
  testNormal: readonly Trace[];
  attack: readonly Trace[];
  /** What the scoring pass keeps beyond frame summaries (alarm runs, detector measure). */
  extras?: ScoreExtras;
  /** Record the training-convergence curve during this cell's training (kinds that report it: stide, t-stide). */
  convergence?: boolean;
}

export interface Cell {
  dataset: string;
  detector: string;
  k: number;
  frames: readonly number[];
  dbSize: number;
  dbBytes: number;
  trainTraces: number;
  trainCalls: number;
  calibrate: ScoredTrace[];
  normal: ScoredTrace[];
  attack: ScoredTrace[];
  /** How fast this cell ran (absent for cells built by hand or by an older queue worker). */
  timings?: CellTimings;
  /**
   * Distinct windows over the model's databases after each training trace, recorded during this cell's
   * training when asked for (CellInput.convergence) and the kind reports it; else absent.
   */
  convergence?: number[];
}

/** Throughput of one cell's training and scoring (wall clock, and CPU clock where it is the cell's own). */
export interface CellTimings {
  trainMs: number;
  /**
   * Process CPU time (user + system) during training, ms; null when the cell ran in a worker thread,
   * where the process clock also counts the other threads' work (Node 20 has no per-thread clock).
   */
  trainCpuMs: number | null;
  /** Scoring of the calibration, normal test and attack traces, with every frame's summaries. */
  scoreMs: number;
  scoreCpuMs: number | null;
  /** Calls scored (all three test sets). */
  scoreCalls: number;
  /** 'main' (in the run's thread) or 'worker'; 'cached' when the cell came from the cache (timings of the run that computed it). */
  where: 'main' | 'worker' | 'cached';
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export function runCell(input: CellInput): Cell {
  const w0 = performance.now();
  const c0 = cpuMs();
  const sizes: number[] | undefined = input.convergence ? [] : undefined;
  const model = trainModel(input.detector, input.train, input.k, sizes && ((d) => sizes.push(d)));
  const w1 = performance.now();
  const c1 = cpuMs();
  const calibrate = scoreTraces(model, input.calibrate, input.frames, input.extras);
  const normal = scoreTraces(model, input.testNormal, input.frames, input.extras);
  const attack = scoreTraces(model, input.attack, input.frames, input.extras);
  const w2 = performance.now();
  const c2 = cpuMs();
  let trainCalls = 0;
  for (const t of input.train) trainCalls += t.calls.length;
  let scoreCalls = 0;
  for (const set of [input.calibrate, input.testNormal, input.attack]) for (const t of set) scoreCalls += t.calls.length;
  const main = isMainThread;
  return {
    dataset: input.dataset,
    detector: input.detectorLabel,
    k: input.k,
    frames: input.frames,
    dbSize: model.dbSize,
    dbBytes: model.dbBytes,
    trainTraces: input.train.length,
    trainCalls,
    calibrate,
    normal,
    attack,
    timings: {
      trainMs: w1 - w0,
      trainCpuMs: main ? c1 - c0 : null,
      scoreMs: w2 - w1,
      scoreCpuMs: main ? c2 - c1 : null,
      scoreCalls,
      where: main ? 'main' : 'worker',
    },
    ...(sizes !== undefined && sizes.length === input.train.length ? { convergence: sizes } : {}),
  };
}

export interface IntrusionRow {
  intrusion: string;
  family: string | null;
  traces: number;
  windows: number;
  mismatches: number;
  /** Highest per-trace mismatch rate among the intrusion's traces (the paper's "mismatch" column). */
  maxTraceMismatchRate: number | null;
  /** Max LFC over the intrusion's traces, per frame. */
  maxLfc: number[];
}

export function intrusionRows(cell: Cell): IntrusionRow[] {
  const groups = new Map<string, ScoredTrace[]>();
  for (const s of cell.attack) {
    const key = s.meta.intrusion ?? s.meta.source;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(s);
  }
  return [...groups.keys()].sort().map((key) => {
    const g = groups.get(key)!;
    const ms: MismatchSummary = mismatchSummary(g);
    return {
      intrusion: key,
      family: g[0]!.meta.family,
      traces: g.length,
      windows: ms.windows,
      mismatches: ms.mismatches,
      maxTraceMismatchRate: ms.maxTraceRate,
      maxLfc: cell.frames.map((_, fi) => Math.max(0, ...g.map((s) => s.frames[fi]!.maxLfc))),
    };
  });
}
