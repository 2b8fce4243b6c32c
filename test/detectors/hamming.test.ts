import { describe, expect, it } from 'vitest';
import { Alphabet } from '../../src/traces/alphabet.js';
import { trainStide } from '../../src/detectors/stide.js';
import { HammingIndex, hammingProfile, trainHamming } from '../../src/detectors/hamming.js';
import { checkParams, defaultLabel, trainModel } from '../../src/detectors/registry.js';
import { InputError } from '../../src/errors.js';
import { makeTraces, randomCalls } from '../helpers.js';
import type { Trace } from '../../src/traces/trace.js';

function asTrace(a: Alphabet, calls: Int32Array, program = 'p'): Trace {
  return { dataset: 't', source: 's', pid: 1, label: 'normal', program, family: null, intrusion: null, calls, alphabet: a };
}

/** Every window's d_min by scanning all normal windows. */
function bruteProfile(db: Int32Array, k: number, calls: Int32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + k <= calls.length; i++) out.push(HammingIndex.bruteForce(db, k, calls, i));
  return out;
}

describe('Hamming distance detector', () => {
  it('gives d_min = 0, 1, 2 and k on hand-made windows', () => {
    const a = new Alphabet();
    // Normal windows (k = 4): abcd and aaaa.
    const [n1, n2] = makeTraces(a, [{ calls: ['a', 'b', 'c', 'd'] }, { calls: ['a', 'a', 'a', 'a'] }]);
    const m = trainHamming([n1!, n2!], 4, 'shared');
    expect(m.dbSize).toBe(2);
    const d = (calls: string[]) => Array.from(m.profile(makeTraces(a, [{ calls }])[0]!).dMin);
    expect(d(['a', 'b', 'c', 'd'])).toEqual([0]);
    expect(d(['a', 'b', 'x', 'd'])).toEqual([1]); // abcd with one change
    expect(d(['a', 'b', 'a', 'a'])).toEqual([1]); // aaaa at 1 (b), abcd at 2
    expect(d(['b', 'b', 'a', 'a'])).toEqual([2]); // aaaa at 2, abcd at 3
    expect(d(['d', 'c', 'b', 'a'])).toEqual([3]); // abcd at 4, aaaa at 3 (last a matches)
    expect(d(['d', 'c', 'b', 'b'])).toEqual([4]); // every position differs from both: k
    expect(d(['w', 'x', 'y', 'z'])).toEqual([4]); // calls never seen: k without searching
    // A trace: windows abcd, bcdd, cddc (d_min 0, 3, 4): S_A = 4, Ŝ_A = 1.
    const [t] = makeTraces(a, [{ calls: ['a', 'b', 'c', 'd', 'd', 'c'] }]);
    const p = hammingProfile(m, t!);
    expect(Array.from(p.dMin)).toEqual([0, 3, 4]);
    expect(p.sA).toBe(4);
    expect(p.normalized).toBe(1);
    // Thresholds C: a window is anomalous when d_min >= C.
    const sig = (C: number) => Array.from(trainHamming([n1!, n2!], 4, 'shared', C).score(t!));
    expect(sig(1)).toEqual([0, 1, 1]);
    expect(sig(2)).toEqual([0, 1, 1]);
    expect(sig(3)).toEqual([0, 1, 1]);
    expect(sig(4)).toEqual([0, 0, 1]);
  });

  it('S_A is 0 for a normal trace and a trace without windows', () => {
    const a = new Alphabet();
    const [n, short] = makeTraces(a, [{ calls: ['a', 'b', 'c', 'a', 'b', 'c'] }, { calls: ['a', 'b'] }]);
    const m = trainHamming([n!], 3, 'shared');
    expect(hammingProfile(m, n!).sA).toBe(0);
    const p = hammingProfile(m, short!);
    expect(p.dMin.length).toBe(0);
    expect(p.sA).toBe(0);
    expect(p.normalized).toBe(0);
    expect(m.score(short!).length).toBe(0);
  });

  it('the trie search agrees with a brute-force scan on random traces, k = 3..8, for every block count', () => {
    for (let k = 3; k <= 8; k++) {
      // Small alphabets give a spread of distances; a larger test alphabet adds foreign calls.
      const train = [randomCalls(1500, 5, 10 + k), randomCalls(400, 9, 20 + k)];
      const set = trainStide(train.map((c) => asTrace(new Alphabet(), c)), k, 'shared').dbs.get('*')!;
      const db = set.export().windows;
      const probe = randomCalls(600, 11, 30 + k);
      const want = bruteProfile(db, k, probe);
      for (let blocks = 1; blocks <= k; blocks++) {
        const idx = new HammingIndex(k, db, blocks);
        const got: number[] = [];
        for (let i = 0; i + k <= probe.length; i++) got.push(set.has(probe, i) ? 0 : idx.search(probe, i, 1, k + 1));
        expect(got).toEqual(want);
        // Decision mode: search(C-1, C) < C exactly when some normal window is closer than C.
        for (let C = 2; C <= k; C++) {
          for (let i = 0; i + k <= probe.length; i += 7) {
            if (want[i] === 0) continue;
            expect(idx.search(probe, i, C - 1, C) >= C).toBe(want[i]! >= C);
          }
        }
      }
    }
  });

  it('the model (cache, scopes, thresholds) agrees with brute force on random traces, k = 3..8', () => {
    const al = Alphabet.fromNames(Array.from({ length: 12 }, (_, i) => `c${i}`));
    for (let k = 3; k <= 8; k++) {
      const train = [asTrace(al, randomCalls(2000, 6, k)), asTrace(al, randomCalls(300, 10, 40 + k))];
      // A periodic test trace repeats windows, so the per-call cache is exercised.
      const base = randomCalls(150, 12, 50 + k);
      const probe = new Int32Array(900);
      for (let i = 0; i < probe.length; i++) probe[i] = base[i % base.length]!;
      const test = asTrace(al, probe);
      const db = trainStide(train, k, 'shared').dbs.get('*')!.export().windows;
      const want = bruteProfile(db, k, probe);
      const m = trainHamming(train, k, 'shared');
      const p = m.profile(test);
      expect(Array.from(p.dMin)).toEqual(want);
      expect(p.sA).toBe(Math.max(0, ...want));
      expect(p.normalized).toBe(Math.max(0, ...want) / k);
      for (let C = 1; C <= k; C++) {
        const mc = trainHamming(train, k, 'per-program', C);
        expect(Array.from(mc.score(test))).toEqual(want.map((d) => (d >= C ? 1 : 0)));
      }
    }
  });

  it('minDistance 1 gives exactly the Stide signal, in both scopes', () => {
    const a = new Alphabet();
    const names = Array.from({ length: 10 }, (_, i) => `c${i}`);
    for (const n of names) a.intern(n);
    const train = [asTrace(a, randomCalls(3000, 7, 1), 'p1'), asTrace(a, randomCalls(2000, 9, 2), 'p2')];
    const tests = [asTrace(a, randomCalls(3000, 10, 3), 'p1'), asTrace(a, randomCalls(3000, 10, 4), 'p2'), asTrace(a, randomCalls(50, 10, 5), 'p3')];
    for (const scope of ['per-program', 'shared'] as const) {
      for (let k = 1; k <= 8; k++) {
        const stide = trainStide(train, k, scope);
        const ham = trainHamming(train, k, scope, 1);
        for (const t of tests) expect(Array.from(ham.score(t))).toEqual(Array.from(stide.score(t)));
        // And d_min >= 1 exactly where Stide mismatches.
        for (const t of tests) expect(Array.from(ham.profile(t).dMin, (d) => (d >= 1 ? 1 : 0))).toEqual(Array.from(stide.score(t)));
      }
    }
  });

  it('keeps per-program databases apart and shares one in shared scope', () => {
    const a = new Alphabet();
    const traces = makeTraces(a, [
      { calls: ['a', 'b', 'c', 'a', 'b', 'c'], program: 'p1' },
      { calls: ['x', 'y', 'z', 'x', 'y', 'z'], program: 'p2' },
    ]);
    const [probe, unknown] = makeTraces(a, [
      { calls: ['x', 'y', 'c', 'x'], program: 'p1' },
      { calls: ['a', 'b', 'c'], program: 'nobody' },
    ]);
    const per = trainHamming(traces, 3, 'per-program');
    const shared = trainHamming(traces, 3, 'shared');
    expect(per.dbs.size).toBe(2);
    expect(shared.dbs.size).toBe(1);
    expect(per.dbSize).toBe(6);
    // p1 knows abc, bca, cab: xyc is 2 from abc (3 from the others); ycx is 2 from bca (3 from the others)
    expect(Array.from(per.profile(probe!).dMin)).toEqual([2, 2]);
    // shared also knows xyz, yzx, zxy: xyc is 1 from xyz; ycx is 1 from yzx
    expect(Array.from(shared.profile(probe!).dMin)).toEqual([1, 1]);
    // A program without training data: d_min = k everywhere, every window anomalous.
    expect(Array.from(per.profile(unknown!).dMin)).toEqual([3]);
    expect(Array.from(per.score(unknown!))).toEqual([1]);
    expect(Array.from(shared.profile(unknown!).dMin)).toEqual([0]);
    expect(Array.from(trainHamming(traces, 3, 'per-program', 3).score(probe!))).toEqual([0, 0]);
  });

  it('is built by the registry and validates minDistance against k', () => {
    const a = new Alphabet();
    const [train, probe] = makeTraces(a, [{ calls: ['a', 'b', 'c', 'd'] }, { calls: ['a', 'b', 'x', 'd', 'q', 'r'] }]);
    const m = trainModel({ kind: 'hamming', scope: 'shared', resetOn: [], params: { minDistance: 2 } }, [train!], 4);
    expect(m.config.kind).toBe('hamming');
    // windows: abxd (1), bxdq (4), xdqr (4)
    expect(Array.from(m.score(probe!))).toEqual([0, 1, 1]);
    expect(Array.from(trainModel({ kind: 'hamming', scope: 'shared', resetOn: [] }, [train!], 4).score(probe!))).toEqual([1, 1, 1]);
    for (const bad of [0, 5, 1.5, -1, Number.NaN]) {
      expect(() => trainModel({ kind: 'hamming', scope: 'shared', resetOn: [], params: { minDistance: bad } }, [train!], 4)).toThrow(/minDistance/);
      expect(() => trainModel({ kind: 'hamming', scope: 'shared', resetOn: [], params: { minDistance: bad } }, [train!], 4)).toThrow(InputError);
    }
    expect(() => checkParams('hamming', { minDistance: 5 })).not.toThrow(); // k unknown yet
    expect(() => checkParams('hamming', { minDistance: 5 }, 4)).toThrow(/1\.\.4/);
    expect(() => checkParams('hamming', { rareFraction: 0.1 })).toThrow(/unknown param "rareFraction"/);
    expect(() => checkParams('stide', { minDistance: 1 })).toThrow(/unknown param/);
    expect(defaultLabel('hamming', 'shared', { minDistance: 2 })).toBe('hamming/shared(minDistance=2)');
  });
});
