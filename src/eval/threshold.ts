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
