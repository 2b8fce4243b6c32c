import { describe, expect, it } from 'vitest';
import { Alphabet } from '../../src/traces/alphabet.js';
import { trainStide } from '../../src/detectors/stide.js';
import { DEFAULT_RARE_FRACTION, trainTstide } from '../../src/detectors/tstide.js';
import { checkParams, trainModel } from '../../src/detectors/registry.js';
import { InputError } from '../../src/errors.js';
import { makeTraces, randomCalls } from '../helpers.js';
import type { Trace } from '../../src/traces/trace.js';

function asTrace(a: Alphabet, calls: Int32Array, program = 'p'): Trace {
  return { dataset: 't', source: 's', pid: 1, label: 'normal', program, family: null, intrusion: null, calls, alphabet: a };
}

/** calls = [b, a, a, ..., a] of length 1 + n: windows (k=2) (b,a) once and (a,a) n-1 times, n in total. */
function oneRareWindow(a: Alphabet, n: number): Trace {
  const calls = new Int32Array(n + 1).fill(a.intern('a'));
  calls[0] = a.intern('b');
  return asTrace(a, calls);
}

describe('t-stide', () => {
  it('uses 0.001% as the default rare fraction', () => {
    expect(DEFAULT_RARE_FRACTION).toBe(0.00001);
  });

  it('a window at exactly the fraction is normal; one just below it is rare (default 0.001%)', () => {
    const a = new Alphabet();
    const [probe] = makeTraces(a, [{ calls: ['b', 'a', 'a'] }]); // windows (b,a), (a,a)
    // 100000 training windows: (b,a) is seen in 1/100000 = exactly 0.001% of them -> not rare.
    const atFraction = trainTstide([oneRareWindow(a, 100_000)], 2, 'shared');
    expect(atFraction.dbs.get('*')!.set.totalAdded).toBe(100_000);
    expect(Array.from(atFraction.score(probe!))).toEqual([0, 0]);
    expect(atFraction.rareCount).toBe(0);
    // 100001 training windows: 1/100001 < 0.001% -> rare.
    const below = trainTstide([oneRareWindow(a, 100_001)], 2, 'shared');
    expect(Array.from(below.score(probe!))).toEqual([1, 0]);
    expect(below.rareCount).toBe(1);
  });

  it('the same edge with an explicit fraction (1/4 at 0.25 is normal, 1/5 is rare)', () => {
    const a = new Alphabet();
    const [probe] = makeTraces(a, [{ calls: ['b', 'a'] }]);
    expect(Array.from(trainTstide([oneRareWindow(a, 4)], 2, 'shared', 0.25).score(probe!))).toEqual([0]);
    expect(Array.from(trainTstide([oneRareWindow(a, 5)], 2, 'shared', 0.25).score(probe!))).toEqual([1]);
    // 0.1 is not exactly representable, but 1/10 rounds to the same double: still "not less than".
    expect(Array.from(trainTstide([oneRareWindow(a, 10)], 2, 'shared', 0.1).score(probe!))).toEqual([0]);
    expect(Array.from(trainTstide([oneRareWindow(a, 11)], 2, 'shared', 0.1).score(probe!))).toEqual([1]);
  });

  it('flags absent windows like Stide, and rare ones on top of them', () => {
    const a = new Alphabet();
    // (x,y) once and (y,y) three times: 4 windows; at fraction 0.3, (x,y) (0.25) is rare, (y,y) (0.75) is not.
    const [train, probe] = makeTraces(a, [{ calls: ['x', 'y', 'y', 'y', 'y'] }, { calls: ['x', 'y', 'y', 'z', 'y'] }]);
    const m = trainTstide([train!], 2, 'shared', 0.3);
    expect(m.dbSize).toBe(2);
    // windows: (x,y) rare, (y,y) normal, (y,z) absent, (z,y) absent
    expect(Array.from(m.score(probe!))).toEqual([1, 0, 1, 1]);
    expect(Array.from(trainStide([train!], 2, 'shared').score(probe!))).toEqual([0, 0, 1, 1]);
  });

  it('with no rare windows it gives exactly the Stide signal; otherwise a superset of it', () => {
    const al = Alphabet.fromNames(Array.from({ length: 9 }, (_, i) => `c${i}`));
    const train = [asTrace(al, randomCalls(4000, 8, 1)), asTrace(al, randomCalls(3000, 8, 2))];
    const tests = [asTrace(al, randomCalls(5000, 9, 3)), asTrace(al, randomCalls(5, 8, 4)), asTrace(al, randomCalls(0, 8, 5))];
    for (let k = 1; k <= 6; k++) {
      const stide = trainStide(train, k, 'shared');
      const none = trainTstide(train, k, 'shared', 1e-12);
      const some = trainTstide(train, k, 'shared', 0.001);
      for (const t of tests) {
        const s = stide.score(t);
        expect(Array.from(none.score(t))).toEqual(Array.from(s));
        const r = some.score(t);
        expect(r.length).toBe(s.length);
        for (let i = 0; i < s.length; i++) expect(r[i]! >= s[i]!).toBe(true);
      }
    }
  });

  it('computes frequencies per program in per-program scope and over everything in shared scope', () => {
    const a = new Alphabet();
    const traces = makeTraces(a, [
      { calls: ['x', 'y', 'y', 'y', 'y'], program: 'p1' }, // (x,y) 1 of 4
      { calls: ['z', 'z', 'z', 'z', 'z', 'z', 'z'], program: 'p2' }, // (z,z) 6 of 6
    ]);
    const [probe, unknown] = makeTraces(a, [
      { calls: ['x', 'y', 'y'], program: 'p1' },
      { calls: ['x', 'y'], program: 'nobody' },
    ]);
    const per = trainTstide(traces, 2, 'per-program', 0.2);
    const shared = trainTstide(traces, 2, 'shared', 0.2);
    expect(per.dbs.size).toBe(2);
    expect(shared.dbs.size).toBe(1);
    // per-program: (x,y) = 1/4 = 0.25 >= 0.2 -> normal; shared: 1/10 = 0.1 < 0.2 -> rare.
    expect(Array.from(per.score(probe!))).toEqual([0, 0]);
    expect(Array.from(shared.score(probe!))).toEqual([1, 0]);
    // A program without training data: every window is foreign.
    expect(Array.from(per.score(unknown!))).toEqual([1]);
    expect(Array.from(shared.score(unknown!))).toEqual([1]);
  });

  it('is built by the registry and validates rareFraction', () => {
    const a = new Alphabet();
    const [train, probe] = makeTraces(a, [{ calls: ['x', 'y', 'y', 'y', 'y'] }, { calls: ['x', 'y'] }]);
    const m = trainModel({ kind: 'tstide', scope: 'shared', resetOn: [], params: { rareFraction: 0.3 } }, [train!], 2);
    expect(m.config.kind).toBe('tstide');
    expect(Array.from(m.score(probe!))).toEqual([1]);
    const dflt = trainModel({ kind: 'tstide', scope: 'per-program', resetOn: [] }, [train!], 2);
    expect(Array.from(dflt.score(probe!))).toEqual([0]);
    for (const bad of [0, 1, -0.5, 2, Number.NaN]) {
      expect(() => checkParams('tstide', { rareFraction: bad })).toThrow(/rareFraction/);
      expect(() => trainModel({ kind: 'tstide', scope: 'shared', resetOn: [], params: { rareFraction: bad } }, [train!], 2)).toThrow(InputError);
    }
    expect(() => checkParams('tstide', { minDistance: 2 })).toThrow(/unknown param "minDistance"/);
    expect(() => checkParams('tstide', { rareFraction: 0.5 })).not.toThrow();
    expect(() => trainTstide([train!], 2, 'shared', 1)).toThrow(RangeError);
  });
});
