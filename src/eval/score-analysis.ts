// Owns the per-score analyses of a scored cell: for every trace score chosen in the experiment file, the
// ROC/AUC over test traces and, for every calibrated threshold rule, the threshold (from calibration
// traces only), the comparison used, trace-level detection and false-positive rates with bootstrap CIs,
// detection per attack family, and (LFC scores) the syscall-level metrics of src/eval/syscall-metrics.ts.

import { InputError } from '../errors.js';
import { bootstrapProportionCI, type ConfidenceInterval } from './bootstrap.js';
import { rocCurve } from './roc.js';
import { isLfcScore, lfcScale, MEASURE_DETECTOR, scoreLabel, traceScores, type TraceScoreKind, type TraceScoreSpec } from './trace-scores.js';
import { calibrateRule, minLfcAbove, ruleLabel, type CalibratedRule } from './threshold.js';
import { syscallMetrics, type SyscallMetrics } from './syscall-metrics.js';
import type { Cell } from './cell.js';
import type { ScoreExtras } from './score.js';

export interface FamilyDetection {
  traces: number;
  detected: number;
  rate: number | null;
}

export interface RuleRow {
  rule: string;
  /** Always '>' for calibrated rules: a trace alarms iff its score is strictly above the threshold. */
  comparison: '>';
  threshold: number | null;
  calibrationTraces: number;
  calibrationAlarms: number;
  normalTraces: number;
  falsePositiveTraces: number;
  falsePositiveRate: number | null;
  fprCI: ConfidenceInterval | null;
  attackTraces: number;
  detectedTraces: number;
  detectionRate: number | null;
  detectionCI: ConfidenceInterval | null;
  families: Record<string, FamilyDetection>;
  /** LFC scores with syscallMetrics on: the rule as "LFC >= minAlarmLfc" over every call. */
  syscall?: SyscallMetrics;
}

export interface ScoreAnalysis {
  score: string;
  kind: TraceScoreKind;
  frame: number | null;
  auc: number | null;
  rules: RuleRow[];
}

export interface ScoreAnalysisOptions {
  scores: readonly TraceScoreSpec[];
  rules: readonly CalibratedRule[];
  syscallMetrics: boolean;
  bootstrap: number;
  seed: number;
}

/** Expands the experiment's score entries: LFC kinds without a frame give one score per frame. */
export function expandScores(entries: readonly (TraceScoreKind | { kind: TraceScoreKind; frame?: number | undefined })[], frames: readonly number[]): TraceScoreSpec[] {
  const out: TraceScoreSpec[] = [];
  for (const e of entries) {
    const kind = typeof e === 'string' ? e : e.kind;
    const frame = typeof e === 'string' ? undefined : e.frame;
    const lfc = kind === 'maxLfc' || kind === 'maxLfcRatio' || kind === 'streamSum';
    if (!lfc) {
      if (frame !== undefined) throw new InputError(`analysis.scores: ${kind} takes no frame`);
      out.push({ kind });
    } else if (frame === undefined) {
      for (const f of frames) out.push({ kind, frame: f });
    } else {
      if (!frames.includes(frame)) throw new InputError(`analysis.scores: ${kind} frame ${frame} is not one of the experiment's frames`, { expected: frames.join(', ') });
      out.push({ kind, frame });
    }
  }
  return out;
}

export function extrasFor(opts: Pick<ScoreAnalysisOptions, 'scores' | 'syscallMetrics'> & { alarmExport?: boolean }): ScoreExtras {
  const measure = opts.scores.some((s) => MEASURE_DETECTOR[s.kind] !== undefined);
  return { ...(opts.syscallMetrics ? { runs: true } : {}), ...(measure ? { measure: true } : {}), ...(opts.alarmExport ? { signals: true } : {}) };
}

const rate = (a: number, b: number): number | null => (b > 0 ? a / b : null);

export function analyseScores(cell: Cell, opts: ScoreAnalysisOptions): ScoreAnalysis[] {
  const out: ScoreAnalysis[] = [];
  for (const spec of opts.scores) {
    const normal = traceScores(spec, cell.normal, cell.frames);
    const attack = traceScores(spec, cell.attack, cell.frames);
    const cal = traceScores(spec, cell.calibrate, cell.frames);
    // A detector-measure score of another detector (hofmeyr on stide): not defined for this cell.
    if (normal === null || attack === null || cal === null) continue;
    const roc = rocCurve(normal, attack);
    const rows: RuleRow[] = [];
    if (cell.calibrate.length > 0) {
      for (const rule of opts.rules) {
        const thr = calibrateRule(rule, cal);
        const above = (xs: Float64Array): Uint8Array => Uint8Array.from(xs, (v) => (v > thr ? 1 : 0));
        const hitsN = above(normal);
        const hitsA = above(attack);
        const count = (h: Uint8Array): number => h.reduce((a, b) => a + b, 0);
        const fams = new Map<string, [number, number]>();
        cell.attack.forEach((s, i) => {
          const f = s.meta.family ?? '(none)';
          const v = fams.get(f) ?? [0, 0];
          v[0]++;
          v[1] += hitsA[i]!;
          fams.set(f, v);
        });
        const families: Record<string, FamilyDetection> = {};
        for (const f of [...fams.keys()].sort()) {
          const [n, d] = fams.get(f)!;
          families[f] = { traces: n, detected: d, rate: rate(d, n) };
        }
        const fp = count(hitsN);
        const det = count(hitsA);
        const row: RuleRow = {
          rule: ruleLabel(rule),
          comparison: '>',
          threshold: thr,
          calibrationTraces: cal.length,
          calibrationAlarms: count(above(cal)),
          normalTraces: normal.length,
          falsePositiveTraces: fp,
          falsePositiveRate: rate(fp, normal.length),
          fprCI: normal.length > 0 && opts.bootstrap > 0 ? bootstrapProportionCI(hitsN, { seed: opts.seed + 1, resamples: opts.bootstrap }) : null,
          attackTraces: attack.length,
          detectedTraces: det,
          detectionRate: rate(det, attack.length),
          detectionCI: attack.length > 0 && opts.bootstrap > 0 ? bootstrapProportionCI(hitsA, { seed: opts.seed, resamples: opts.bootstrap }) : null,
          families,
        };
        if (opts.syscallMetrics && isLfcScore(spec)) {
          const fi = cell.frames.indexOf(spec.frame!);
          row.syscall = syscallMetrics(cell.normal, cell.attack, fi, minLfcAbove(thr, lfcScale(spec)));
        }
        rows.push(row);
      }
    }
    out.push({ score: scoreLabel(spec), kind: spec.kind, frame: spec.frame ?? null, auc: roc?.auc ?? null, rules: rows });
  }
  return out;
}
