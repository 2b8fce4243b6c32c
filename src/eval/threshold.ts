// Owns threshold policies and how they read a FrameSummary. A count threshold t alarms when LFC >= t
// (Warrender 1999: "reaches or exceeds"). A ratio threshold p alarms when LFC / frame > p (the paper:
// "the anomalies ratio exceeds the threshold"), i.e. at the smallest integer LFC strictly above p*frame.

import type { FrameSummary } from './frame.js';

export type ThresholdPolicy = { kind: 'count'; value: number } | { kind: 'ratio'; value: number };

export function countThreshold(value: number): ThresholdPolicy {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`a count threshold must be an integer >= 1, got ${value}`);
  return { kind: 'count', value };
}

export function ratioThreshold(value: number): ThresholdPolicy {
  if (!(value >= 0 && value < 1)) throw new RangeError(`a ratio threshold must be in [0, 1), got ${value}`);
  return { kind: 'ratio', value };
}

/** The smallest LFC that alarms under the policy in a frame of this size (may exceed frame: never). */
export function minAlarmLfc(policy: ThresholdPolicy, frame: number): number {
  if (policy.kind === 'count') return policy.value;
  // LFC > p*frame. The epsilon absorbs binary rounding (0.29*100 = 28.999999999999996).
  return Math.floor(policy.value * frame + 1e-9) + 1;
}

export function policyLabel(policy: ThresholdPolicy): string {
  return policy.kind === 'count' ? `LFC>=${policy.value}` : `LFC/frame>${policy.value}`;
}

export function alarms(s: FrameSummary, policy: ThresholdPolicy): boolean {
  return s.maxLfc >= minAlarmLfc(policy, s.frame);
}

/** Index of the first alarming window, or -1. */
export function firstAlarmWindow(s: FrameSummary, policy: ThresholdPolicy): number {
  const t = minAlarmLfc(policy, s.frame);
  return t <= s.frame ? s.firstReach[t]! : -1;
}

/** Number of windows whose LFC alarms (decision-level counting). */
export function alarmingWindows(s: FrameSummary, policy: ThresholdPolicy): number {
  const t = minAlarmLfc(policy, s.frame);
  let c = 0;
  for (let v = Math.max(t, 0); v <= s.frame; v++) c += s.hist[v]!;
  return c;
}

// ---------------------------------------------------------------------------------------------------
// Calibrated rules over any trace score (src/eval/trace-scores.ts). Both alarm iff score > threshold
// (strictly above): the quantile rule as syscall-ids-benchmark (threshold = numpy.quantile of the
// calibration scores, linear interpolation, numpy's default), the max rule as LID-DS's
// MaxScoreThreshold (threshold = the largest calibration score, starting from 0; alarm iff above).

export type CalibratedRule = { rule: 'quantile'; q: number } | { rule: 'max' };

export function ruleLabel(r: CalibratedRule): string {
  return r.rule === 'max' ? 'score > max(calibration)' : `score > quantile(calibration, ${r.q})`;
}

/** numpy.quantile(values, q) with the default 'linear' method: h = (n-1)q, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]). */
export function numpyQuantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile level must be in [0, 1], got ${q}`);
  const n = values.length;
  if (n === 0) throw new RangeError('quantile of no values');
  const x = Float64Array.from(values).sort();
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  return x[lo]! + (h - lo) * (x[hi]! - x[lo]!);
}

/** Threshold of a calibrated rule from calibration scores only (alarm iff score > threshold). */
export function calibrateRule(rule: CalibratedRule, calibration: ArrayLike<number>): number {
  if (calibration.length === 0) throw new RangeError('no calibration traces to calibrate the threshold on');
  if (rule.rule === 'quantile') return numpyQuantile(calibration, rule.q);
  let max = 0;
  for (let i = 0; i < calibration.length; i++) if (calibration[i]! > max) max = calibration[i]!;
  return max;
}

/** Smallest LFC whose score LFC/scale is strictly above the threshold (scale 1: counts; frame: ratios). */
export function minLfcAbove(threshold: number, scale: number): number {
  return Math.max(1, Math.floor(threshold * scale + 1e-9) + 1);
}
