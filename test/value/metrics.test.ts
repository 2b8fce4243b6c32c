// Value tests for src/eval/metrics.ts: one operating point worked out by hand, window by window, and
// random scored sets checked against a naive recount from the per-window mismatch signals.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mismatchSummary, operatingPoint } from '../../src/eval/metrics.js';
import { naiveLfcs, naiveMinAlarm } from './naive.js';
import { scored, type SignalSpec as Spec } from './scored.js';

describe('operatingPoint by hand (frame 3)', () => {
  // LFCs (frame 3), worked out by hand:
  //   n1 0 0 0 0      -> 0 0 0 0        max 0
  //   n2 1 0 1 0 0    -> 1 1 2 1 1      max 2, one window at LFC 2
  //   n3 (no windows)
  //   a1 0 1 1 0      -> 0 1 2 2        max 2, first LFC >= 2 at window 2   (X, intrusion I1)
  //   a2 1 0 0 0 1    -> 1 1 1 0 1      max 1                              (X, intrusion I1)
  //   a3 1 1          -> 1 2            max 2, first LFC >= 2 at window 1   (Y, intrusion I2)
  //   a4 0 0          -> 0 0            max 0                              (no family/intrusion: its source)
  const normal: Spec[] = [
    { signal: [0, 0, 0, 0], label: 'normal', source: 'n1' },
    { signal: [1, 0, 1, 0, 0], label: 'normal', source: 'n2' },
    { signal: [], label: 'normal', source: 'n3' },
  ];
  const attack: Spec[] = [
    { signal: [0, 1, 1, 0], label: 'attack', family: 'X', intrusion: 'I1', source: 'a1' },
    { signal: [1, 0, 0, 0, 1], label: 'attack', family: 'X', intrusion: 'I1', source: 'a2' },
    { signal: [1, 1], label: 'attack', family: 'Y', intrusion: 'I2', source: 'a3' },
    { signal: [0, 0], label: 'attack', source: 'a4' },
  ];
  const frames = [3, 1];
  const N = normal.map((s) => scored(s, frames));
  const A = attack.map((s) => scored(s, frames));

  const atTwo = {
    frame: 3,
    minAlarmLfc: 2,
    attackTraces: 4,
    detectedTraces: 2,
    detectionRate: 0.5,
    intrusions: 3,
    detectedIntrusions: 2,
    intrusionDetectionRate: 2 / 3,
    normalTraces: 3,
    falsePositiveTraces: 1,
    falsePositiveRate: 1 / 3,
    normalWindows: 9,
    alarmingNormalWindows: 1,
    decisionFalsePositiveRate: 1 / 9,
    meanDetectionDelayWindows: 1.5,
    families: {
      '(none)': { traces: 1, detected: 0, rate: 0 },
      X: { traces: 2, detected: 1, rate: 0.5 },
      Y: { traces: 1, detected: 1, rate: 1 },
    },
  };

  it('count threshold 2', () => {
    expect(operatingPoint(N, A, 0, { kind: 'count', value: 2 })).toEqual({ ...atTwo, threshold: 'LFC>=2', thresholdKind: 'count', thresholdValue: 2 });
  });

  it('ratio 0.5 and 0.66 of frame 3 alarm from LFC 2 (2/3 > 0.66, 1/3 is not)', () => {
    for (const p of [0.5, 0.66]) {
      expect(operatingPoint(N, A, 0, { kind: 'ratio', value: p })).toEqual({ ...atTwo, threshold: `LFC/frame>${p}`, thresholdKind: 'ratio', thresholdValue: p });
    }
  });

  it('ratio 0.67 needs LFC 3: nothing alarms, rates are 0 not null, delay is null', () => {
    const m = operatingPoint(N, A, 0, { kind: 'ratio', value: 0.67 });
    expect(m).toMatchObject({ minAlarmLfc: 3, detectedTraces: 0, detectionRate: 0, falsePositiveTraces: 0, falsePositiveRate: 0, alarmingNormalWindows: 0, decisionFalsePositiveRate: 0, meanDetectionDelayWindows: null, detectedIntrusions: 0 });
  });

  it('count 1: every trace with a mismatch alarms; delay = index of its first mismatch', () => {
    // a1 first mismatch at 1, a2 at 0, a3 at 0 -> mean 1/3. n2 alarms; normal windows with LFC >= 1: all 5 of n2's (1 1 2 1 1).
    const m = operatingPoint(N, A, 0, { kind: 'count', value: 1 });
    expect(m).toMatchObject({ detectedTraces: 3, detectedIntrusions: 2, falsePositiveTraces: 1, alarmingNormalWindows: 5, meanDetectionDelayWindows: 1 / 3 });
  });

  it('frame 1 (second frame of the same scored traces): LFC is the signal itself', () => {
    const m = operatingPoint(N, A, 1, { kind: 'count', value: 1 });
    // Normal windows with a mismatch: n2 has 2 of 9 windows in total.
    expect(m).toMatchObject({ frame: 1, detectedTraces: 3, falsePositiveTraces: 1, alarmingNormalWindows: 2, decisionFalsePositiveRate: 2 / 9 });
    // A count threshold above the frame never alarms.
    expect(operatingPoint(N, A, 1, { kind: 'count', value: 2 })).toMatchObject({ detectedTraces: 0, alarmingNormalWindows: 0 });
  });

  it('no attack traces: detection rates are null, not 0', () => {
    const m = operatingPoint(N, [], 0, { kind: 'count', value: 2 });
    expect(m).toMatchObject({ attackTraces: 0, detectionRate: null, intrusions: 0, intrusionDetectionRate: null, meanDetectionDelayWindows: null, families: {}, falsePositiveTraces: 1 });
  });

  it('no normal traces: false-positive rates are null', () => {
    const m = operatingPoint([], A, 0, { kind: 'count', value: 2 });
    expect(m).toMatchObject({ normalTraces: 0, falsePositiveRate: null, normalWindows: 0, decisionFalsePositiveRate: null, detectedTraces: 2 });
  });

  it('mismatchSummary: pooled 2/9, mean of per-trace rates over traces with windows (0 and 2/5), max 2/5', () => {
    expect(mismatchSummary(N)).toEqual({ traces: 3, tracesWithoutWindows: 1, windows: 9, mismatches: 2, pooledRate: 2 / 9, meanTraceRate: 0.2, maxTraceRate: 0.4 });
    // Attack: windows 4+5+2+2 = 13, mismatches 2+2+2+0 = 6, rates 1/2, 2/5, 1, 0.
    expect(mismatchSummary(A)).toEqual({ traces: 4, tracesWithoutWindows: 0, windows: 13, mismatches: 6, pooledRate: 6 / 13, meanTraceRate: (0.5 + 0.4 + 1 + 0) / 4, maxTraceRate: 1 });
    expect(mismatchSummary([])).toEqual({ traces: 0, tracesWithoutWindows: 0, windows: 0, mismatches: 0, pooledRate: null, meanTraceRate: null, maxTraceRate: null });
  });
});

describe('operatingPoint against a naive recount', () => {
  const signal = fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 40 });
  const traceArb = fc.record({ signal, family: fc.constantFrom('F', 'G', null), intrusion: fc.constantFrom('i1', 'i2', 'i3', null) });
  const policyArb = fc.oneof(
    fc.integer({ min: 1, max: 12 }).map((value) => ({ kind: 'count' as const, value })),
    fc.integer({ min: 0, max: 99 }).map((j) => ({ kind: 'ratio' as const, value: j / 100 })),
  );

  it('matches for random signals, frames and thresholds', () => {
    fc.assert(
      fc.property(fc.array(traceArb, { maxLength: 8 }), fc.array(traceArb, { maxLength: 8 }), fc.integer({ min: 1, max: 10 }), policyArb, (ns, as, frame, policy) => {
        fc.pre(ns.length + as.length > 0);
        const N = ns.map((t, i) => scored({ ...t, label: 'normal', source: `n${i}`, family: null, intrusion: null }, [frame]));
        const A = as.map((t, i) => scored({ ...t, label: 'attack', source: `a${i}` }, [frame]));
        const got = operatingPoint(N, A, 0, policy);

        const t = naiveMinAlarm(policy, frame);
        const lfcN = ns.map((s) => naiveLfcs(s.signal, frame));
        const lfcA = as.map((s) => naiveLfcs(s.signal, frame));
        const hitA = lfcA.map((l) => l.some((v) => v >= t));
        const hitN = lfcN.map((l) => l.some((v) => v >= t));
        const delays = lfcA.filter((_, i) => hitA[i]).map((l) => l.findIndex((v) => v >= t));
        const intrusionHit = new Map<string, boolean>();
        as.forEach((s, i) => {
          const key = s.intrusion ?? `a${i}`;
          intrusionHit.set(key, (intrusionHit.get(key) ?? false) || hitA[i]!);
        });
        const normalWindows = ns.reduce((a, s) => a + s.signal.length, 0);
        const alarmingWindows = lfcN.flat().filter((v) => v >= t).length;
        const families: Record<string, { traces: number; detected: number; rate: number }> = {};
        as.forEach((s, i) => {
          const f = (families[s.family ?? '(none)'] ??= { traces: 0, detected: 0, rate: 0 });
          f.traces++;
          if (hitA[i]) f.detected++;
        });
        for (const f of Object.values(families)) f.rate = f.detected / f.traces;
        const count = (xs: boolean[]) => xs.filter(Boolean).length;
        const div = (a: number, b: number) => (b > 0 ? a / b : null);

        expect(got.minAlarmLfc).toBe(t);
        expect(got.detectedTraces).toBe(count(hitA));
        expect(got.detectionRate).toBe(div(count(hitA), as.length));
        expect(got.intrusions).toBe(intrusionHit.size);
        expect(got.detectedIntrusions).toBe(count([...intrusionHit.values()]));
        expect(got.falsePositiveTraces).toBe(count(hitN));
        expect(got.falsePositiveRate).toBe(div(count(hitN), ns.length));
        expect(got.normalWindows).toBe(normalWindows);
        expect(got.alarmingNormalWindows).toBe(alarmingWindows);
        expect(got.decisionFalsePositiveRate).toBe(div(alarmingWindows, normalWindows));
        expect(got.meanDetectionDelayWindows).toBe(delays.length > 0 ? delays.reduce((a, b) => a + b, 0) / delays.length : null);
        expect(got.families).toEqual(families);
        expect(Object.keys(got.families)).toEqual(Object.keys(families).sort());
      }),
      { numRuns: 400, seed: 9 },
    );
  });

  it('Warrender/paper boundaries: ratio 0.06 of frame 100 alarms at 7, 0.15 at 16, 0.29 at 30 (not 29)', () => {
    for (const [p, want] of [[0.06, 7], [0.15, 16], [0.29, 30]] as const) {
      expect(naiveMinAlarm({ kind: 'ratio', value: p }, 100)).toBe(want);
      const sig = (m: number) => [...Array(m).fill(1), ...Array(100 - m).fill(0)];
      const below = scored({ signal: sig(want - 1), label: 'attack', source: 'b' }, [100]);
      const at = scored({ signal: sig(want), label: 'attack', source: 'a' }, [100]);
      const m = operatingPoint([], [below, at], 0, { kind: 'ratio', value: p });
      expect({ p, t: m.minAlarmLfc, detected: m.detectedTraces, delay: m.meanDetectionDelayWindows }).toEqual({ p, t: want, detected: 1, delay: want - 1 });
    }
  });
});
