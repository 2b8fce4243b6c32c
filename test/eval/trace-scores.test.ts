import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Alphabet } from '../../src/traces/alphabet.js';
import { makeTraces } from '../helpers.js';
import { lfcSeries } from '../../src/eval/frame.js';
import { scoreTrace } from '../../src/eval/score.js';
import { forrestDenominator, hofmeyrScore, mismatchRateOf, streamSumMax, traceScore } from '../../src/eval/trace-scores.js';
import { calibrateRule, minLfcAbove, numpyQuantile } from '../../src/eval/threshold.js';
import { alarmRunStarts, alarmSpans, lidDsPerformance, syscallMetrics } from '../../src/eval/syscall-metrics.js';
import { expandScores } from '../../src/eval/score-analysis.js';
import { trainModel } from '../../src/detectors/registry.js';
import type { ScoredTrace } from '../../src/eval/score.js';

const sig = (s: string) => Uint8Array.from(s.split('').map(Number));

describe('trace scores over the per-window signal', () => {
  it('StreamSum counts partial windows from the first window on', () => {
    // W = 3: sums 1, 2, 2, 1, 1 (the first two windows are partial)
    expect(streamSumMax(sig('11001'), 3)).toBe(2);
    // one mismatch in a 1-window trace already counts, although W = 50 is never full
    expect(streamSumMax(sig('1'), 50)).toBe(1);
    expect(streamSumMax(sig('0000'), 2)).toBe(0);
    expect(streamSumMax(new Uint8Array(0), 5)).toBe(0);
    // W = 2 over 1 1 1 0 1 1: 1, 2, 2, 1, 1, 2
    expect(streamSumMax(sig('111011'), 2)).toBe(2);
  });

  it('mismatch rate is unseen windows / windows, 0 for a trace with no window', () => {
    expect(mismatchRateOf(sig('0110'))).toBe(0.5);
    expect(mismatchRateOf(sig('1'))).toBe(1);
    expect(mismatchRateOf(new Uint8Array(0))).toBe(0);
  });

  it("Hofmeyr's S_A = max d_min / k", () => {
    expect(hofmeyrScore([0, 2, 1], 4)).toBe(0.5);
    expect(hofmeyrScore([], 4)).toBe(0);
  });

  it("Forrest 1996's denominator k'(L - (k'+1)/2) with k' = k-1", () => {
    expect(forrestDenominator(10, 6)).toBe(5 * (10 - 3)); // 35
    expect(forrestDenominator(3, 6)).toBe(3); // L-1 < k': all L(L-1)/2 pairs
    expect(forrestDenominator(1, 6)).toBe(0);
    expect(forrestDenominator(0, 6)).toBe(0);
  });

  it('reads max LFC, max LFC / frame and StreamSum from the frame summaries of one scoring pass', () => {
    const a = new Alphabet();
    const [train, test] = makeTraces(a, [{ calls: 'a b c d a b c d'.split(' ') }, { calls: 'a b c x a b c d'.split(' ') }]);
    const model = trainModel({ kind: 'stide', scope: 'shared', resetOn: [] }, [train!], 3);
    // windows: abc bcx cxa xab abc bcd -> 0 1 1 1 0 0
    const s = scoreTrace(model, test!, [2, 4]);
    expect(traceScore({ kind: 'mismatchRate' }, s, [2, 4])).toBe(3 / 6);
    expect(traceScore({ kind: 'maxLfc', frame: 2 }, s, [2, 4])).toBe(2);
    expect(traceScore({ kind: 'maxLfc', frame: 4 }, s, [2, 4])).toBe(3);
    expect(traceScore({ kind: 'maxLfcRatio', frame: 4 }, s, [2, 4])).toBe(0.75);
    expect(traceScore({ kind: 'streamSum', frame: 4 }, s, [2, 4])).toBe(streamSumMax(sig('011100'), 4));
    expect(() => traceScore({ kind: 'maxLfc', frame: 3 }, s, [2, 4])).toThrow(/frame 3 was not scored/);
    // a detector measure was not asked for: no value
    expect(traceScore({ kind: 'hofmeyr' }, s, [2, 4])).toBeNull();
  });

  it('Hofmeyr S_A/k comes from the Hamming detector in the same pass as its signal', () => {
    const a = new Alphabet();
    const [train, test] = makeTraces(a, [{ calls: 'a b c d a b c d'.split(' ') }, { calls: 'a b x y'.split(' ') }]);
    const model = trainModel({ kind: 'hamming', scope: 'shared', resetOn: [] }, [train!], 3);
    // normal windows abc bcd cda dab; test windows abx (d=1 to abc), bxy (d=2 to bcd) -> S_A = 2, /k = 2/3
    const s = scoreTrace(model, test!, [2], { measure: true });
    expect(traceScore({ kind: 'hofmeyr' }, s, [2])).toBeCloseTo(2 / 3, 12);
    expect(s.mismatches).toBe(2);
    expect(Array.from(model.scoreWithMeasure!(test!).signal)).toEqual(Array.from(model.score(test!)));
  });

  it('Forrest 1996 measure comes from the lookahead detector: missing pairs of every position / k(L-(k+1)/2)', () => {
    const a = new Alphabet();
    const [train, test] = makeTraces(a, [{ calls: 'a b c a b c'.split(' ') }, { calls: 'a c b a'.split(' ') }]);
    const model = trainModel({ kind: 'lookahead', scope: 'shared', resetOn: [] }, [train!], 3);
    // training pairs (offset 1): ab bc ca; (offset 2): ac ba cb.
    // test a c b a: pos 0: (a,1,c) missing, (a,2,b) missing; pos 1: (c,1,b) missing, (c,2,a) missing;
    // pos 2: (b,1,a) missing; pos 3: none -> 5 missing; max pairs with k' = 2, L = 4: 2 * (4 - 1.5) = 5
    const s = scoreTrace(model, test!, [2], { measure: true });
    expect(s.measure).toEqual({ kind: 'forrest', num: 5, den: 5 });
    expect(traceScore({ kind: 'hofmeyr' }, s, [2])).toBeNull();
    expect(traceScore({ kind: 'forrest' }, s, [2])).toBe(1);
    expect(Array.from(model.scoreWithMeasure!(test!).signal)).toEqual(Array.from(model.score(test!)));
  });

  it('expands LFC scores over the frames and rejects a frame that is not scored', () => {
    expect(expandScores(['maxLfc', 'mismatchRate', { kind: 'streamSum', frame: 50 }], [20, 50])).toEqual([
      { kind: 'maxLfc', frame: 20 },
      { kind: 'maxLfc', frame: 50 },
      { kind: 'mismatchRate' },
      { kind: 'streamSum', frame: 50 },
    ]);
    expect(() => expandScores([{ kind: 'streamSum', frame: 30 }], [20, 50])).toThrow(/frame 30 is not one of/);
    expect(() => expandScores([{ kind: 'hofmeyr', frame: 3 }], [20])).toThrow(/takes no frame/);
  });
});

describe('calibrated threshold rules', () => {
  it('quantile = numpy.quantile with linear interpolation', () => {
    // numpy.quantile([1, 2, 3, 4], q): 0.5 -> 2.5, 0.99 -> 3.97, 0 -> 1, 1 -> 4
    expect(numpyQuantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(numpyQuantile([1, 2, 3, 4], 0.99)).toBeCloseTo(3.97, 12);
    expect(numpyQuantile([1, 2, 3, 4], 0)).toBe(1);
    expect(numpyQuantile([1, 2, 3, 4], 1)).toBe(4);
    expect(numpyQuantile([7], 0.3)).toBe(7);
    // numpy.quantile([0, 0, 0, 10], 0.95) = 8.5
    expect(numpyQuantile([0, 0, 0, 10], 0.95)).toBeCloseTo(8.5, 12);
    expect(() => numpyQuantile([], 0.5)).toThrow();
  });

  it('max rule = the largest calibration score, from 0 (LID-DS MaxScoreThreshold)', () => {
    expect(calibrateRule({ rule: 'max' }, [3, 17, 5])).toBe(17);
    expect(calibrateRule({ rule: 'max' }, [0, 0])).toBe(0);
    expect(() => calibrateRule({ rule: 'max' }, [])).toThrow(/no calibration/);
  });

  it('alarm strictly above: the smallest alarming LFC', () => {
    expect(minLfcAbove(17, 1)).toBe(18); // counts: LFC > 17
    expect(minLfcAbove(2.5, 1)).toBe(3);
    expect(minLfcAbove(0, 1)).toBe(1);
    expect(minLfcAbove(0.29, 100)).toBe(30); // ratio: LFC/100 > 0.29 despite 0.29*100 = 28.999...
    expect(minLfcAbove(0.06, 100)).toBe(7);
  });
});

/** A scored trace built from a signal, with a length of L = windows + k - 1 calls. */
function scored(signal: Uint8Array, frame: number, k: number, label: 'normal' | 'attack'): ScoredTrace {
  const a = new Alphabet();
  const calls = signal.length === 0 ? [] : Array.from({ length: signal.length + k - 1 }, (_, i) => `c${i}`);
  const t = makeTraces(a, [{ calls, label }])[0]!;
  const model = { config: { kind: 'fake', scope: 'shared' as const, k, resetOn: [] }, dbSize: 0, dbBytes: 0, score: () => signal };
  return scoreTrace(model, t, [frame], { runs: true });
}

describe('syscall-level metrics (LID-DS performance_measurement.py)', () => {
  it('counts runs of alarming windows per LFC level', () => {
    // frame 2 over 1 1 0 1 1: LFC 1 2 1 1 2 -> one run at >= 1, two runs at >= 2
    expect(Array.from(alarmRunStarts(sig('11011'), 2))).toEqual([1, 1, 2]);
    expect(Array.from(alarmRunStarts(new Uint8Array(0), 2))).toEqual([0, 0, 0]);
  });

  it('hand-computed TP/FP/TN/FN, CFA across trace boundaries and the precision/F1 variants', () => {
    const k = 3;
    // attack: 6 calls, windows 0 1 1 1, frame 2 -> LFC 0 1 2 2; alarm at LFC >= 2: windows 2, 3 = calls 4, 5
    const atk = scored(sig('0111'), 2, k, 'attack');
    // normal A: 7 calls, windows 1 1 0 1 1 -> LFC 1 2 1 1 2; normal B: 3 calls, window 1 -> LFC 1
    const nA = scored(sig('11011'), 2, k, 'normal');
    const nB = scored(sig('1'), 2, k, 'normal');
    const m2 = syscallMetrics([nA, nB], [atk], 0, 2);
    expect(m2).toMatchObject({ truePositives: 2, falseNegatives: 4, falsePositives: 2, trueNegatives: 8, consecutiveFalseAlarms: 2, alarmCount: 1, exploitCount: 1, normalTracesAlarming: 1 });
    expect(m2.precisionWithCfa).toBeCloseTo(1 / 3, 12);
    expect(m2.precisionWithSyscalls).toBeCloseTo(1 / 3, 12);
    expect(m2.f1Cfa).toBeCloseTo((2 * (1 / 3)) / (1 / 3 + 1), 12);
    // at LFC >= 1: A alarms on all 5 windows (one run) and B's only window alarms right after A's run
    // ends at A's last call: two CFAs, never one run across the trace boundary
    const m1 = syscallMetrics([nA, nB], [atk], 0, 1);
    expect(m1).toMatchObject({ truePositives: 3, falseNegatives: 3, falsePositives: 6, trueNegatives: 4, consecutiveFalseAlarms: 2 });
    // LFC can never exceed the frame: nothing alarms, every ratio is 0 as in LID-DS
    const m3 = syscallMetrics([nA, nB], [atk], 0, 3);
    expect(m3).toMatchObject({ truePositives: 0, falsePositives: 0, consecutiveFalseAlarms: 0, detectionRate: 0, precisionWithCfa: 0, f1Cfa: 0 });
  });

  it('equals the LID-DS state machine call by call on random traces', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ attack: fc.boolean(), bits: fc.array(fc.integer({ min: 0, max: 1 }), { maxLength: 40 }) }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 6 }),
        (recs, frame, k, m) => {
          const normal: ScoredTrace[] = [];
          const attack: ScoredTrace[] = [];
          const reference: { exploit: boolean; alarms: Uint8Array }[] = [];
          for (const r of recs) {
            const s = Uint8Array.from(r.bits);
            (r.attack ? attack : normal).push(scored(s, frame, k, r.attack ? 'attack' : 'normal'));
            // per call: the first k-1 calls never alarm, call j >= k-1 alarms iff LFC of window j-k+1 >= m
            const lfc = lfcSeries(s, frame);
            const L = s.length === 0 ? 0 : s.length + k - 1;
            const alarms = new Uint8Array(L);
            for (let j = k - 1; j < L; j++) alarms[j] = lfc[j - k + 1]! >= m ? 1 : 0;
            reference.push({ exploit: r.attack, alarms });
          }
          const fast = syscallMetrics(normal, attack, 0, m);
          const ref = lidDsPerformance(reference);
          for (const key of Object.keys(ref) as (keyof typeof ref)[]) expect(fast[key]).toBeCloseTo(ref[key], 12);
        },
      ),
      { numRuns: 300, seed: 10 },
    );
  });

  it('exports each alarm as its first and last call index', () => {
    // k = 3, frame 2, LFC >= 2 over windows 1 1 0 1 1 (LFC 1 2 1 1 2): windows 1 and 4 -> calls 3 and 6
    expect(alarmSpans(sig('11011'), 2, 2, 3)).toEqual([[3, 3], [6, 6]]);
    expect(alarmSpans(sig('11011'), 2, 1, 3)).toEqual([[2, 6]]);
    expect(alarmSpans(sig('000'), 2, 1, 3)).toEqual([]);
  });
});
