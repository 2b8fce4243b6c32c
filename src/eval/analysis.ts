// Owns the sweep analyses derived from scored cells: the trace-level ROC over all thresholds (score =
// max LFC) with its AUC, detection at target false-positive rates with the threshold calibrated on
// held-out normal traces only, seeded bootstrap confidence intervals, the decision-level curve, and the
// training-convergence curve (distinct windows vs training traces).

import { bootstrapProportionCI, type ConfidenceInterval } from './bootstrap.js';
import { decisionCurve, evaluateThreshold, operatingPoint as calibrate, rocCurve, type DecisionPoint, type RocPoint } from './roc.js';
import { WindowSet } from '../detectors/window-set.js';
import type { Cell } from './cell.js';
import type { Trace } from '../traces/trace.js';

export interface CalibratedPoint {
  targetFpr: number;
  /** Alarm at max LFC >= threshold; null when no threshold meets the target on calibration data. */
  threshold: number | null;
  calibrationFpr: number;
  testFpr: number | null;
  detectionRate: number | null;
  detectionCI: ConfidenceInterval | null;
  fprCI: ConfidenceInterval | null;
}

export interface FrameAnalysis {
  frame: number;
  auc: number | null;
  roc: RocPoint[];
  calibrated: CalibratedPoint[];
  decision: DecisionPoint[];
  /** Detected attack traces at each calibrated point: mean windows to first alarm. */
}

export interface AnalysisOptions {
  targetFprs: readonly number[];
  bootstrap: number;
  seed: number;
}

const maxLfcs = (ts: Cell['normal'], fi: number): Float64Array => Float64Array.from(ts, (s) => s.frames[fi]!.maxLfc);

export function analyseCell(cell: Cell, opts: AnalysisOptions): FrameAnalysis[] {
  return cell.frames.map((frame, fi) => {
    const normal = maxLfcs(cell.normal, fi);
    const attack = maxLfcs(cell.attack, fi);
    const roc = rocCurve(normal, attack);
    const grid = Array.from({ length: frame }, (_, i) => i + 1);
    const calibrated: CalibratedPoint[] = [];
    if (cell.calibrate.length > 0) {
      const cal = maxLfcs(cell.calibrate, fi);
      for (const alpha of opts.targetFprs) {
        const op = calibrate(cal, alpha, { thresholds: grid });
        const threshold = Number.isFinite(op.threshold) ? op.threshold : null;
        const ev = evaluateThreshold(op.threshold, normal, attack);
        const hitsA = Uint8Array.from(attack, (v) => (v >= op.threshold ? 1 : 0));
        const hitsN = Uint8Array.from(normal, (v) => (v >= op.threshold ? 1 : 0));
        calibrated.push({
          targetFpr: alpha,
          threshold,
          calibrationFpr: op.calibrationFpr,
          testFpr: Number.isNaN(ev.fpr) ? null : ev.fpr,
          detectionRate: Number.isNaN(ev.detectionRate) ? null : ev.detectionRate,
          detectionCI: attack.length > 0 && opts.bootstrap > 0 ? bootstrapProportionCI(hitsA, { seed: opts.seed, resamples: opts.bootstrap }) : null,
          fprCI: normal.length > 0 && opts.bootstrap > 0 ? bootstrapProportionCI(hitsN, { seed: opts.seed + 1, resamples: opts.bootstrap }) : null,
        });
      }
    }
    return {
      frame,
      auc: roc?.auc ?? null,
      roc: roc?.points ?? [],
      calibrated,
      decision: cell.normal.length > 0 ? decisionCurve(cell.normal.map((s) => s.frames[fi]!.hist), cell.attack.length > 0 ? cell.attack.map((s) => s.frames[fi]!.hist) : undefined, frame) : [],
    };
  });
}

export interface ConvergencePoint {
  traces: number;
  distinctWindows: number;
}

/**
 * Distinct windows after each training trace, in training order. The plateau is the first trace count
 * after which the database grows by fewer than one window per 10 traces for 10 traces (Warrender's
 * rule), or null when it never settles.
 */
export function convergence(train: readonly Trace[], k: number): { points: ConvergencePoint[]; plateauAt: number | null } {
  const set = new WindowSet(k);
  const sizes: number[] = [];
  for (let i = 0; i < train.length; i++) {
    set.addTrace(train[i]!.calls);
    sizes.push(set.size);
  }
  return convergenceCurve(sizes);
}

/** The convergence curve from the distinct windows after each training trace (e.g. recorded by a cell's own training). */
export function convergenceCurve(sizes: readonly number[]): { points: ConvergencePoint[]; plateauAt: number | null } {
  const points: ConvergencePoint[] = sizes.map((distinctWindows, i) => ({ traces: i + 1, distinctWindows }));
  let plateauAt: number | null = null;
  for (let i = 0; i + 10 < points.length; i++) {
    if (points[i + 10]!.distinctWindows - points[i]!.distinctWindows < 1) {
      plateauAt = points[i]!.traces;
      break;
    }
  }
  return { points, plateauAt };
}

/** Thins a curve to at most n points (always keeping the last), for plots and JSON. */
export function thin<T>(points: readonly T[], n: number): T[] {
  if (points.length <= n) return [...points];
  const step = points.length / n;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(points[Math.floor(i * step)]!);
  out.push(points[points.length - 1]!);
  return out;
}
