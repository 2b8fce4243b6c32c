// Tests for src/eval/roc.ts: ROC/AUC with ties, operating-point calibration, decision-level curve.

import { describe, expect, it } from 'vitest';
import {
  calibrateAndEvaluate,
  decisionCurve,
  evaluateOperatingPoint,
  evaluateThreshold,
  operatingPoint,
  rocCurve,
} from '../../src/eval/roc.js';
import { mulberry32, randomInt } from '../../src/eval/random.js';

/** Brute-force Mann–Whitney: P(attack > normal) + 0.5 P(tie). */
function mannWhitney(normal: number[], attack: number[]): number {
  let s = 0;
  for (const a of attack) for (const n of normal) s += a > n ? 1 : a === n ? 0.5 : 0;
  return s / (normal.length * attack.length);
}

const xy = (c: { points: { fpr: number; tpr: number }[] }) => c.points.map((p) => [p.fpr, p.tpr]);

describe('rocCurve', () => {
  it('all scores tied gives the diagonal and AUC 0.5', () => {
    const c = rocCurve([5, 5, 5], [5, 5])!;
    expect(c.points).toEqual([
      { threshold: Infinity, fpr: 0, tpr: 0 },
      { threshold: 5, fpr: 1, tpr: 1 },
    ]);
    expect(c.auc).toBe(0.5);
  });

  it('perfect separation gives AUC 1 and passes through (0, 1)', () => {
    const c = rocCurve([0, 1], [2, 3])!;
    expect(c.auc).toBe(1);
    expect(xy(c)).toEqual([[0, 0], [0, 0.5], [0, 1], [0.5, 1], [1, 1]]);
  });

  it('reversed scores give AUC 0', () => {
    const c = rocCurve([2, 3], [0, 1])!;
    expect(c.auc).toBe(0);
    expect(xy(c)).toEqual([[0, 0], [0.5, 0], [1, 0], [1, 0.5], [1, 1]]);
  });

  it('hand-computed mixed case with ties', () => {
    // normal {1,2,2,3}, attack {2,3,4}: wins 1 + 3 + 4 = 8, ties 2 + 1 = 3 → (8 + 1.5) / 12.
    const c = rocCurve([1, 2, 2, 3], [2, 3, 4])!;
    expect(c.points).toEqual([
      { threshold: Infinity, fpr: 0, tpr: 0 },
      { threshold: 4, fpr: 0, tpr: 1 / 3 },
      { threshold: 3, fpr: 1 / 4, tpr: 2 / 3 },
      { threshold: 2, fpr: 3 / 4, tpr: 1 },
      { threshold: 1, fpr: 1, tpr: 1 },
    ]);
    expect(c.auc).toBeCloseTo(9.5 / 12, 15);
    expect(c.nNormal).toBe(4);
    expect(c.nAttack).toBe(3);
  });

  it('AUC equals the Mann–Whitney statistic on random integer scores with many ties', () => {
    const rng = mulberry32(7);
    for (let rep = 0; rep < 50; rep++) {
      const normal = Array.from({ length: 1 + randomInt(rng, 30) }, () => randomInt(rng, 6));
      const attack = Array.from({ length: 1 + randomInt(rng, 30) }, () => randomInt(rng, 6) + randomInt(rng, 3));
      const c = rocCurve(normal, attack)!;
      expect(c.auc).toBeCloseTo(mannWhitney(normal, attack), 12);
      // Sorted by fpr then tpr, strictly increasing in at least one coordinate, from (0,0) to (1,1).
      for (let i = 1; i < c.points.length; i++) {
        const a = c.points[i - 1]!;
        const b = c.points[i]!;
        expect(b.fpr >= a.fpr && b.tpr >= a.tpr && (b.fpr > a.fpr || b.tpr > a.tpr)).toBe(true);
        expect(b.threshold).toBeLessThan(a.threshold);
      }
      expect(xy(c).at(-1)).toEqual([1, 1]);
    }
  });

  it('accepts typed arrays and does not mutate its input', () => {
    const normal = new Int32Array([3, 1, 2]);
    const c = rocCurve(normal, new Int32Array([4]))!;
    expect(c.auc).toBe(1);
    expect(Array.from(normal)).toEqual([3, 1, 2]);
  });

  it('returns null for an empty normal or attack set without throwing', () => {
    expect(rocCurve([], [1, 2])).toBeNull();
    expect(rocCurve([1, 2], [])).toBeNull();
    expect(rocCurve([], [])).toBeNull();
  });

  it('rejects NaN and +Infinity scores, accepts -Infinity', () => {
    expect(() => rocCurve([NaN], [1])).toThrow(RangeError);
    expect(() => rocCurve([1], [Infinity])).toThrow(RangeError);
    const c = rocCurve([-Infinity, 0], [1, -Infinity])!;
    expect(c.auc).toBeCloseTo(mannWhitney([-Infinity, 0], [1, -Infinity]), 15);
    expect(xy(c).at(-1)).toEqual([1, 1]);
  });
});

describe('operatingPoint', () => {
  it('picks the smallest observed-score threshold with calibration FPR ≤ α', () => {
    const cal = [0, 0, 0, 5];
    expect(operatingPoint(cal, 0.3)).toEqual({ threshold: 5, alpha: 0.3, calibrationFpr: 0.25, nCalibration: 4 });
    expect(operatingPoint(cal, 0.25).threshold).toBe(5); // FPR = α is allowed
    expect(operatingPoint(cal, 0.2)).toMatchObject({ threshold: Infinity, calibrationFpr: 0 });
    expect(operatingPoint(cal, 1)).toMatchObject({ threshold: 0, calibrationFpr: 1 });
  });

  it('with an integer grid picks the smallest grid threshold', () => {
    const grid = [1, 2, 3, 4, 5, 6];
    expect(operatingPoint([0, 0, 0, 5], 0.3, { thresholds: grid })).toMatchObject({ threshold: 1, calibrationFpr: 0.25 });
    expect(operatingPoint([0, 0, 0, 5], 0, { thresholds: grid })).toMatchObject({ threshold: 6, calibrationFpr: 0 });
    expect(operatingPoint([0, 0, 0, 6], 0, { thresholds: grid })).toMatchObject({ threshold: Infinity, calibrationFpr: 0 });
  });

  it('ties make the achieved calibration FPR fall below α', () => {
    // Crossing t = 2 would add three tied scores at once (FPR 0.8), so t = 3 with FPR 0.2 < 0.5.
    expect(operatingPoint([1, 2, 2, 2, 3], 0.5)).toMatchObject({ threshold: 3, calibrationFpr: 0.2 });
  });

  it('uses calibration scores only: test scores never move the threshold', () => {
    const cal = [0, 0, 0, 0, 0, 0, 0, 0, 0, 3];
    const op = operatingPoint(cal, 0.1);
    expect(op).toMatchObject({ threshold: 3, calibrationFpr: 0.1 });
    // Test normals that would change a pooled threshold leave it unchanged.
    const a = evaluateOperatingPoint(op, [2, 2, 2, 2, 0], [3, 4, 1]);
    const b = calibrateAndEvaluate({ calibrationNormal: cal, testNormal: [9, 9, 9, 9], testAttack: [3, 4, 1], alpha: 0.1 });
    expect(a).toMatchObject({ threshold: 3, calibrationFpr: 0.1, falsePositives: 0, nNormal: 5, fpr: 0, detections: 2, nAttack: 3 });
    expect(a.detectionRate).toBeCloseTo(2 / 3, 15);
    expect(b).toMatchObject({ threshold: 3, calibrationFpr: 0.1, falsePositives: 4, fpr: 1 });
    // The calibration function's signature has no place for test scores.
    expect(operatingPoint.length).toBeLessThanOrEqual(2);
  });

  it('rejects empty calibration sets and α outside [0, 1]', () => {
    expect(() => operatingPoint([], 0.1)).toThrow(RangeError);
    expect(() => operatingPoint([1], -0.1)).toThrow(RangeError);
    expect(() => operatingPoint([1], 1.5)).toThrow(RangeError);
    expect(() => operatingPoint([1], NaN)).toThrow(RangeError);
  });

  it('evaluateThreshold reports NaN rates for empty test sets', () => {
    const e = evaluateThreshold(2, [], [1, 2, 3]);
    expect(e.fpr).toBeNaN();
    expect(e.detectionRate).toBeCloseTo(2 / 3, 15);
    expect(evaluateThreshold(Infinity, [1], [5]).detections).toBe(0);
    expect(() => evaluateThreshold(1, [NaN], [])).toThrow(RangeError);
  });
});

describe('decisionCurve', () => {
  const frame = 3;
  const normal = [new Int32Array([5, 3, 1, 1]), new Int32Array([8, 2, 0, 0])]; // 20 windows
  const attack = [new Int32Array([0, 1, 1, 2])]; // 4 windows

  it('gives the Warrender decision-level FPR from histogram suffix sums', () => {
    const c = decisionCurve(normal, undefined, frame);
    expect(c.map((p) => p.threshold)).toEqual([1, 2, 3]);
    expect(c.map((p) => p.flaggedNormalWindows)).toEqual([7, 2, 1]);
    expect(c.map((p) => p.normalWindows)).toEqual([20, 20, 20]);
    expect(c.map((p) => p.fpr)).toEqual([7 / 20, 2 / 20, 1 / 20]);
    expect(c[0]).not.toHaveProperty('attackWindowRate');
  });

  it('adds the fraction of attack windows flagged when attack histograms are given', () => {
    const c = decisionCurve(normal, attack, frame);
    expect(c.map((p) => p.flaggedAttackWindows)).toEqual([4, 3, 2]);
    expect(c.map((p) => p.attackWindowRate)).toEqual([1, 0.75, 0.5]);
    expect(c.map((p) => p.attackWindows)).toEqual([4, 4, 4]);
  });

  it('gives null rates when there are no windows, and validates histograms', () => {
    const c = decisionCurve([], [], frame);
    expect(c.map((p) => p.fpr)).toEqual([null, null, null]);
    expect(c.map((p) => p.attackWindowRate)).toEqual([null, null, null]);
    expect(() => decisionCurve([new Int32Array(3)], undefined, frame)).toThrow(RangeError);
    expect(() => decisionCurve([new Int32Array([1, -1, 0, 0])], undefined, frame)).toThrow(RangeError);
    expect(() => decisionCurve([], undefined, 0)).toThrow(RangeError);
  });
});
