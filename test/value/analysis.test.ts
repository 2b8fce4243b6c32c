// Value tests for src/eval/analysis.ts: a cell worked out by hand (ROC points, AUC, thresholds
// calibrated on held-out normals, the decision-level curve), random cells against naive recounts
// (Mann–Whitney pairs, a threshold walk, per-window LFCs), and the training-convergence curve against a
// Set<string> of windows.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyseCell, convergence, thin } from '../../src/eval/analysis.js';
import type { Cell } from '../../src/eval/cell.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import type { Trace } from '../../src/traces/trace.js';
import { naiveLfcs, naiveWindows } from './naive.js';
import { scored } from './scored.js';

function cellOf(frame: number, cal: number[][], normal: number[][], attack: number[][]): Cell {
  const s = (sigs: number[][], label: 'normal' | 'attack', p: string) => sigs.map((signal, i) => scored({ signal, label, source: `${p}${i}` }, [frame]));
  return {
    dataset: 'hand',
    detector: 'fixed',
    k: 1,
    frames: [frame],
    dbSize: 0,
    dbBytes: 0,
    trainTraces: 0,
    trainCalls: 0,
    calibrate: s(cal, 'normal', 'c'),
    normal: s(normal, 'normal', 'n'),
    attack: s(attack, 'attack', 'a'),
  };
}

describe('analyseCell by hand (frame 3)', () => {
  // Signal -> LFCs (frame 3) -> max LFC:
  //   normal  [0,0,0] -> 0 0 0 (0);  [1,0,0,0] -> 1 1 1 0 (1);  [0,1,1] -> 0 1 2 (2)
  //   attack  [1,1,1] -> 1 2 3 (3);  [0,1,0,1] -> 0 1 1 2 (2);  [0] -> 0 (0)
  //   calibration max LFCs 0, 0, 0, 1, 3
  const cell = cellOf(3, [[0], [0], [0], [1], [1, 1, 1]], [[0, 0, 0], [1, 0, 0, 0], [0, 1, 1]], [[1, 1, 1], [0, 1, 0, 1], [0]]);
  const [a] = analyseCell(cell, { targetFprs: [0.1, 0.2, 0.5], bootstrap: 0, seed: 1 });

  it('ROC: one point per distinct max LFC plus (0,0); AUC = Mann–Whitney (3 + 2.5 + 0.5) / 9', () => {
    expect(a!.frame).toBe(3);
    expect(a!.roc).toEqual([
      { threshold: Infinity, fpr: 0, tpr: 0 },
      { threshold: 3, fpr: 0, tpr: 1 / 3 },
      { threshold: 2, fpr: 1 / 3, tpr: 2 / 3 },
      { threshold: 1, fpr: 2 / 3, tpr: 2 / 3 },
      { threshold: 0, fpr: 1, tpr: 1 },
    ]);
    expect(a!.auc).toBeCloseTo(6 / 9, 15);
  });

  it('calibrated on the held-out normals only: smallest t in 1..frame with #(cal >= t)/5 <= alpha', () => {
    // t=3: 1/5, t=2: 1/5, t=1: 2/5. alpha 0.1: none -> never alarm; 0.2: t=2; 0.5: t=1.
    expect(a!.calibrated).toEqual([
      { targetFpr: 0.1, threshold: null, calibrationFpr: 0, testFpr: 0, detectionRate: 0, detectionCI: null, fprCI: null },
      { targetFpr: 0.2, threshold: 2, calibrationFpr: 0.2, testFpr: 1 / 3, detectionRate: 2 / 3, detectionCI: null, fprCI: null },
      { targetFpr: 0.5, threshold: 1, calibrationFpr: 0.4, testFpr: 2 / 3, detectionRate: 2 / 3, detectionCI: null, fprCI: null },
    ]);
  });

  it('decision level: of 10 normal windows 5 have LFC >= 1, 1 has >= 2; of 8 attack windows 6, 3, 1', () => {
    expect(a!.decision).toEqual([
      { threshold: 1, flaggedNormalWindows: 5, normalWindows: 10, fpr: 0.5, flaggedAttackWindows: 6, attackWindows: 8, attackWindowRate: 6 / 8 },
      { threshold: 2, flaggedNormalWindows: 1, normalWindows: 10, fpr: 0.1, flaggedAttackWindows: 3, attackWindows: 8, attackWindowRate: 3 / 8 },
      { threshold: 3, flaggedNormalWindows: 0, normalWindows: 10, fpr: 0, flaggedAttackWindows: 1, attackWindows: 8, attackWindowRate: 1 / 8 },
    ]);
  });

  it('bootstrap intervals bracket the point estimate and repeat with the seed', () => {
    const run = () => analyseCell(cell, { targetFprs: [0.2], bootstrap: 300, seed: 7 })[0]!.calibrated[0]!;
    const p = run();
    expect(p.detectionCI!.estimate).toBeCloseTo(2 / 3, 15);
    expect(p.detectionCI!.low).toBeLessThanOrEqual(2 / 3);
    expect(p.detectionCI!.high).toBeGreaterThanOrEqual(2 / 3);
    expect(p.detectionCI!.high).toBeGreaterThan(p.detectionCI!.low);
    expect(p.fprCI!.estimate).toBeCloseTo(1 / 3, 15);
    expect(run()).toEqual(p);
  });

  it('no calibration traces: no calibrated points; no attack traces: no ROC (AUC null) and normal-only decision points', () => {
    const c = cellOf(3, [], [[1, 1]], []);
    const [b] = analyseCell(c, { targetFprs: [0.05], bootstrap: 0, seed: 1 });
    expect(b).toEqual({
      frame: 3,
      auc: null,
      roc: [],
      calibrated: [],
      decision: [
        { threshold: 1, flaggedNormalWindows: 2, normalWindows: 2, fpr: 1 },
        { threshold: 2, flaggedNormalWindows: 1, normalWindows: 2, fpr: 0.5 },
        { threshold: 3, flaggedNormalWindows: 0, normalWindows: 2, fpr: 0 },
      ],
    });
  });
});

describe('analyseCell against naive recounts', () => {
  const sigs = fc.array(fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 15 }), { minLength: 1, maxLength: 7 });
  it('AUC, calibrated thresholds and decision curve', () => {
    fc.assert(
      fc.property(sigs, sigs, sigs, fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 19 }), (cal, normal, attack, frame, a20) => {
        const alpha = a20 / 20;
        const [got] = analyseCell(cellOf(frame, cal, normal, attack), { targetFprs: [alpha], bootstrap: 0, seed: 1 });
        const maxOf = (s: number[]) => Math.max(0, ...naiveLfcs(s, frame));
        const mn = normal.map(maxOf);
        const ma = attack.map(maxOf);
        const mc = cal.map(maxOf);
        let pairs = 0;
        for (const x of ma) for (const y of mn) pairs += x > y ? 1 : x === y ? 0.5 : 0;
        expect(got!.auc).toBeCloseTo(pairs / (ma.length * mn.length), 12);
        let t: number | null = null;
        for (let c = frame; c >= 1; c--) {
          if (mc.filter((v) => v >= c).length / mc.length <= alpha) t = c;
          else break;
        }
        const thr = t ?? Infinity;
        const p = got!.calibrated[0]!;
        expect(p.threshold).toBe(t);
        expect(p.calibrationFpr).toBe(mc.filter((v) => v >= thr).length / mc.length);
        expect(p.testFpr).toBe(mn.filter((v) => v >= thr).length / mn.length);
        expect(p.detectionRate).toBe(ma.filter((v) => v >= thr).length / ma.length);
        const lfcN = normal.flatMap((s) => naiveLfcs(s, frame));
        const lfcA = attack.flatMap((s) => naiveLfcs(s, frame));
        got!.decision.forEach((d, i) => {
          const th = i + 1;
          expect(d.threshold).toBe(th);
          expect(d.flaggedNormalWindows).toBe(lfcN.filter((v) => v >= th).length);
          expect(d.normalWindows).toBe(lfcN.length);
          expect(d.flaggedAttackWindows).toBe(lfcA.filter((v) => v >= th).length);
          expect(d.attackWindows).toBe(lfcA.length);
        });
        expect(got!.decision).toHaveLength(frame);
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('convergence', () => {
  const alphabet = new Alphabet();
  const traces = (calls: number[][]): Trace[] =>
    calls.map((c, i) => ({ dataset: 'hand', source: `t${i}`, pid: null, label: 'normal', program: 'p', family: null, intrusion: null, calls: Int32Array.from(c), alphabet }));

  it('by hand (k 2): distinct windows after each trace; plateau at the first trace count followed by 10 traces that add nothing', () => {
    // [0,1,2] -> {01,12}; [1,2,3] -> +23; [3] (shorter than k) -> nothing; [2,3,0] -> +30; then 10 repeats.
    const t = traces([[0, 1, 2], [1, 2, 3], [3], [2, 3, 0], ...Array.from({ length: 10 }, () => [0, 1, 2, 3, 0])]);
    const c = convergence(t, 2);
    expect(c.points.map((p) => p.distinctWindows)).toEqual([2, 3, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4]);
    expect(c.points.map((p) => p.traces)).toEqual(Array.from({ length: 14 }, (_, i) => i + 1));
    expect(c.plateauAt).toBe(4);
    // One trace fewer: no 10 quiet traces after trace 4, and 3 -> 4 grows within traces 2..12.
    expect(convergence(t.slice(0, 13), 2).plateauAt).toBeNull();
  });

  it('matches a Set<string> of windows on random traces', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }), { maxLength: 40 }), fc.integer({ min: 1, max: 4 }), (calls, k) => {
        const c = convergence(traces(calls), k);
        const seen = new Set<string>();
        const want = calls.map((cs) => {
          for (const w of naiveWindows(cs, k)) seen.add(w);
          return seen.size;
        });
        expect(c.points.map((p) => p.distinctWindows)).toEqual(want);
        let plateau: number | null = null;
        for (let i = 0; i + 10 < want.length; i++) {
          if (want[i + 10] === want[i]) {
            plateau = i + 1;
            break;
          }
        }
        expect(c.plateauAt).toBe(plateau);
      }),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('thin', () => {
  it('keeps floor(i * len / n) for i < n, then the last point', () => {
    const xs = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(thin(xs, 4)).toEqual([0, 2, 5, 7, 9]);
    expect(thin(xs, 10)).toEqual(xs);
    expect(thin(xs, 3)).toEqual([0, 3, 6, 9]);
  });
});
