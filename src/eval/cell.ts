// Owns one scored cell of an experiment: a model trained for (dataset, detector, k) and the scored test,
// calibration and attack traces. Everything in a report derives from cells.

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
}

export function runCell(input: CellInput): Cell {
  const model = trainModel(input.detector, input.train, input.k);
  let trainCalls = 0;
  for (const t of input.train) trainCalls += t.calls.length;
  return {
    dataset: input.dataset,
    detector: input.detectorLabel,
    k: input.k,
    frames: input.frames,
    dbSize: model.dbSize,
    dbBytes: model.dbBytes,
    trainTraces: input.train.length,
    trainCalls,
    calibrate: scoreTraces(model, input.calibrate, input.frames, input.extras),
    normal: scoreTraces(model, input.testNormal, input.frames, input.extras),
    attack: scoreTraces(model, input.attack, input.frames, input.extras),
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
