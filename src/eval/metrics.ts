// Owns the detection metrics of one operating point (dataset, detector, k, frame, threshold), computed
// from scored traces only: trace-level and intrusion-level detection, per-family detection, trace-level
// and decision-level (Warrender) false-positive rates, and mismatch rates.

import { alarms, minAlarmLfc, policyLabel, type ThresholdPolicy } from './threshold.js';
import type { ScoredTrace } from './score.js';

export interface FamilyRate {
  traces: number;
  detected: number;
  rate: number | null;
}

export interface OperatingPointMetrics {
  frame: number;
  threshold: string;
  thresholdKind: 'count' | 'ratio';
  thresholdValue: number;
  /** Smallest LFC that alarms at this frame and threshold. */
  minAlarmLfc: number;
  attackTraces: number;
  detectedTraces: number;
  detectionRate: number | null;
  intrusions: number;
  detectedIntrusions: number;
  intrusionDetectionRate: number | null;
  normalTraces: number;
  falsePositiveTraces: number;
  falsePositiveRate: number | null;
  normalWindows: number;
  alarmingNormalWindows: number;
  decisionFalsePositiveRate: number | null;
  /** Attack traces that alarm and have windows, mean windows from trace start to first alarm. */
  meanDetectionDelayWindows: number | null;
  families: Record<string, FamilyRate>;
}

const rate = (a: number, b: number): number | null => (b > 0 ? a / b : null);

/** Per (trace list, frame index): suffix sums of the pooled LFC histogram, so any threshold is O(1). */
const suffixMemo = new WeakMap<readonly ScoredTrace[], Map<number, Float64Array>>();

function alarmingSuffix(traces: readonly ScoredTrace[], frameIndex: number): Float64Array {
  let byFrame = suffixMemo.get(traces);
  if (!byFrame) suffixMemo.set(traces, (byFrame = new Map()));
  let suffix = byFrame.get(frameIndex);
  if (!suffix) {
    const frame = traces[0]!.frames[frameIndex]!.frame;
    suffix = new Float64Array(frame + 2);
    for (const s of traces) {
      const h = s.frames[frameIndex]!.hist;
      for (let v = 0; v <= frame; v++) suffix[v] = suffix[v]! + h[v]!;
    }
    for (let v = frame - 1; v >= 0; v--) suffix[v] = suffix[v]! + suffix[v + 1]!;
    byFrame.set(frameIndex, suffix);
  }
  return suffix;
}

export function operatingPoint(normal: readonly ScoredTrace[], attack: readonly ScoredTrace[], frameIndex: number, policy: ThresholdPolicy): OperatingPointMetrics {
  const frame = (normal[0] ?? attack[0])?.frames[frameIndex]?.frame;
  if (frame === undefined) throw new Error('operatingPoint needs at least one scored trace');
  let detected = 0;
  let delaySum = 0;
  const famTotal = new Map<string, number>();
  const famHit = new Map<string, number>();
  const intrusions = new Map<string, boolean>();
  const t = minAlarmLfc(policy, frame);
  for (const s of attack) {
    const f = s.frames[frameIndex]!;
    const hit = alarms(f, policy);
    if (hit) {
      detected++;
      delaySum += t <= f.frame ? f.firstReach[t]! : 0;
    }
    const fam = s.meta.family ?? '(none)';
    famTotal.set(fam, (famTotal.get(fam) ?? 0) + 1);
    if (hit) famHit.set(fam, (famHit.get(fam) ?? 0) + 1);
    const key = s.meta.intrusion ?? s.meta.source;
    intrusions.set(key, (intrusions.get(key) ?? false) || hit);
  }
  let fp = 0;
  let normalWindows = 0;
  let alarmingNormal = 0;
  for (const s of normal) {
    const f = s.frames[frameIndex]!;
    if (alarms(f, policy)) fp++;
    normalWindows += f.windows;
  }
  if (normal.length > 0) {
    const suffix = alarmingSuffix(normal, frameIndex);
    alarmingNormal = t < suffix.length ? suffix[Math.max(0, t)]! : 0;
  }
  const families: Record<string, FamilyRate> = {};
  for (const fam of [...famTotal.keys()].sort()) {
    const n = famTotal.get(fam)!;
    const d = famHit.get(fam) ?? 0;
    families[fam] = { traces: n, detected: d, rate: rate(d, n) };
  }
  const detectedIntrusions = [...intrusions.values()].filter(Boolean).length;
  return {
    frame,
    threshold: policyLabel(policy),
    thresholdKind: policy.kind,
    thresholdValue: policy.value,
    minAlarmLfc: t,
    attackTraces: attack.length,
    detectedTraces: detected,
    detectionRate: rate(detected, attack.length),
    intrusions: intrusions.size,
    detectedIntrusions,
    intrusionDetectionRate: rate(detectedIntrusions, intrusions.size),
    normalTraces: normal.length,
    falsePositiveTraces: fp,
    falsePositiveRate: rate(fp, normal.length),
    normalWindows,
    alarmingNormalWindows: alarmingNormal,
    decisionFalsePositiveRate: rate(alarmingNormal, normalWindows),
    meanDetectionDelayWindows: detected > 0 ? delaySum / detected : null,
    families,
  };
}

export interface MismatchSummary {
  traces: number;
  tracesWithoutWindows: number;
  windows: number;
  mismatches: number;
  /** Mismatching windows / windows, pooled over traces. */
  pooledRate: number | null;
  /** Mean over traces with windows of their own mismatch rate. */
  meanTraceRate: number | null;
  maxTraceRate: number | null;
}

export function mismatchSummary(traces: readonly ScoredTrace[]): MismatchSummary {
  let windows = 0;
  let mismatches = 0;
  let none = 0;
  let sumRate = 0;
  let maxRate: number | null = null;
  for (const s of traces) {
    windows += s.windows;
    mismatches += s.mismatches;
    if (s.windows === 0) {
      none++;
      continue;
    }
    const r = s.mismatches / s.windows;
    sumRate += r;
    if (maxRate === null || r > maxRate) maxRate = r;
  }
  const withWindows = traces.length - none;
  return {
    traces: traces.length,
    tracesWithoutWindows: none,
    windows,
    mismatches,
    pooledRate: rate(mismatches, windows),
    meanTraceRate: withWindows > 0 ? sumRate / withWindows : null,
    maxTraceRate: maxRate,
  };
}
