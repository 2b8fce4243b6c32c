import { describe, expect, it } from 'vitest';
import { Alphabet } from '../../src/traces/alphabet.js';
import { lookaheadMeasure, maxLookaheadPairs, trainLookahead } from '../../src/detectors/lookahead.js';
import { checkParams, trainModel } from '../../src/detectors/registry.js';
import { makeTraces, randomCalls } from '../helpers.js';
import type { Trace } from '../../src/traces/trace.js';

function asTrace(a: Alphabet, calls: Int32Array, program = 'p'): Trace {
  return { dataset: 't', source: 's', pid: 1, label: 'normal', program, family: null, intrusion: null, calls, alphabet: a };
}

// Forrest et al. 1996, section 3: normal = open, read, mmap, mmap, open, getrlimit, mmap, close with
// lookahead 3 (our window k = 4). The database, by hand (call: offset 1 | offset 2 | offset 3):
//   open:      read, getrlimit | mmap            | mmap, close
//   read:      mmap            | mmap            | open
//   mmap:      mmap, open, close | open, getrlimit | getrlimit, mmap
//   getrlimit: mmap            | close           | -
// 5 + 3 + 7 + 2 = 17 pairs.
const NORMAL = ['open', 'read', 'mmap', 'mmap', 'open', 'getrlimit', 'mmap', 'close'];
// The paper's test trace: the 4th call is open instead of mmap.
const TEST = ['open', 'read', 'mmap', 'open', 'open', 'getrlimit', 'mmap', 'close'];

describe('lookahead pairs', () => {
  it("stores the paper's database: 17 pairs", () => {
    const a = new Alphabet();
    const [normal] = makeTraces(a, [{ calls: NORMAL }]);
    const m = trainLookahead([normal!], 4, 'shared');
    expect(m.dbSize).toBe(17);
    const db = m.dbs.get('*')!;
    const id = (n: string) => a.idOf(n)!;
    expect(db.has(id('open'), 1, id('read'))).toBe(true);
    expect(db.has(id('open'), 1, id('getrlimit'))).toBe(true);
    expect(db.has(id('open'), 3, id('close'))).toBe(true);
    expect(db.has(id('mmap'), 3, id('mmap'))).toBe(true);
    expect(db.has(id('open'), 1, id('open'))).toBe(false);
    expect(db.has(id('read'), 2, id('open'))).toBe(false);
    // The normal trace itself misses nothing.
    expect(Array.from(m.missingPairs(normal!))).toEqual([0, 0, 0, 0, 0]);
    expect(m.missingTotal(normal!)).toBe(0);
  });

  it("finds the paper's 4 mismatches and the normalised measure 4/18", () => {
    const a = new Alphabet();
    const [normal, test] = makeTraces(a, [{ calls: NORMAL }, { calls: TEST }]);
    const m = trainLookahead([normal!], 4, 'shared');
    // By hand, per position (its call with the calls 1..3 after it):
    //   0 open:  read ok (d1), mmap ok (d2), open at d3 MISSING            -> 1
    //   1 read:  mmap ok, open at d2 MISSING, open at d3 ok                -> 1
    //   2 mmap:  open ok (d1), open ok (d2), getrlimit ok (d3)             -> 0
    //   3 open:  open at d1 MISSING, getrlimit at d2 MISSING, mmap ok (d3) -> 2
    //   4 open:  getrlimit ok, mmap ok, close ok                           -> 0
    //   5 getrlimit: mmap ok (d1), close ok (d2)                           -> 0 (tail)
    //   6 mmap:  close ok (d1)                                             -> 0 (tail)
    // Windows of 4 start at positions 0..4.
    expect(Array.from(m.missingPairs(test!))).toEqual([1, 1, 0, 2, 0]);
    expect(Array.from(m.score(test!))).toEqual([1, 1, 0, 1, 0]);
    expect(m.missingTotal(test!)).toBe(4);
    // Forrest: k'(L - (k'+1)/2) with lookahead k' = 3, L = 8: 3 * (8 - 2) = 18.
    expect(maxLookaheadPairs(8, 4)).toBe(18);
    expect(m.traceMeasure(test!)).toBeCloseTo(4 / 18, 12);
    expect(lookaheadMeasure(4, 8, 4)).toBeCloseTo(0.2222222222, 9);
  });

  it('counts the maximum pairs exactly, short traces included', () => {
    const brute = (L: number, k: number) => {
      let n = 0;
      for (let i = 0; i < L; i++) n += Math.min(k - 1, L - 1 - i);
      return n;
    };
    for (let k = 2; k <= 12; k++) for (let L = 0; L <= 30; L++) expect(maxLookaheadPairs(L, k)).toBe(brute(L, k));
    expect(lookaheadMeasure(0, 1, 4)).toBe(0);
    // A trace made only of foreign calls misses every pair: measure 1.
    const a = new Alphabet();
    const [normal, foreign] = makeTraces(a, [{ calls: NORMAL }, { calls: ['x', 'y', 'z', 'x', 'y'] }]);
    const m = trainLookahead([normal!], 4, 'shared');
    expect(m.traceMeasure(foreign!)).toBe(1);
    expect(Array.from(m.missingPairs(foreign!))).toEqual([3, 3]);
  });

  it('treats ids beyond the training alphabet as foreign', () => {
    const a = new Alphabet();
    const [normal] = makeTraces(a, [{ calls: ['a', 'b', 'c', 'a', 'b', 'c'] }]);
    const m = trainLookahead([normal!], 3, 'shared');
    expect(m.A).toBe(3);
    const [t] = makeTraces(a, [{ calls: ['a', 'b', 'NEW', 'a', 'b'] }]); // NEW gets id 3 >= A
    // windows: (a,b,NEW): a-NEW at d2 missing; (b,NEW,a): b-NEW missing, b-a at d2 ok; (NEW,a,b): 2 missing
    expect(Array.from(m.missingPairs(t!))).toEqual([1, 1, 2]);
    // + tail: a(3)-b(4) ok
    expect(m.missingTotal(t!)).toBe(4);
  });

  it('agrees with a naive string-set implementation on random traces, k = 2..8', () => {
    const al = Alphabet.fromNames(Array.from({ length: 40 }, (_, i) => `c${i}`));
    const train = [asTrace(al, randomCalls(3000, 12, 1)), asTrace(al, randomCalls(500, 30, 2))];
    const tests = [asTrace(al, randomCalls(2000, 40, 3)), asTrace(al, randomCalls(3, 12, 4)), asTrace(al, randomCalls(0, 12, 5))];
    for (let k = 2; k <= 8; k++) {
      const pairs = new Set<string>();
      for (const t of train) for (let i = 0; i < t.calls.length; i++) for (let d = 1; d < k && i + d < t.calls.length; d++) pairs.add(`${t.calls[i]},${d},${t.calls[i + d]}`);
      const m = trainLookahead(train, k, 'shared');
      expect(m.dbSize).toBe(pairs.size);
      for (const t of tests) {
        const c = t.calls;
        const perPos = (i: number) => {
          let n = 0;
          for (let d = 1; d < k && i + d < c.length; d++) if (!pairs.has(`${c[i]},${d},${c[i + d]}`)) n++;
          return n;
        };
        const want: number[] = [];
        for (let i = 0; i + k <= c.length; i++) want.push(perPos(i));
        expect(Array.from(m.missingPairs(t))).toEqual(want);
        expect(Array.from(m.score(t))).toEqual(want.map((x) => (x > 0 ? 1 : 0)));
        let total = 0;
        for (let i = 0; i < c.length; i++) total += perPos(i);
        expect(m.missingTotal(t)).toBe(total);
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
      { calls: ['x', 'y', 'z', 'x'], program: 'p1' },
      { calls: ['a', 'b', 'c'], program: 'nobody' },
    ]);
    const per = trainLookahead(traces, 3, 'per-program');
    const shared = trainLookahead(traces, 3, 'shared');
    expect(per.dbs.size).toBe(2);
    expect(shared.dbs.size).toBe(1);
    // a->b, a->c(2), b->c, b->a(2), c->a, c->b(2), minus the last call's missing d2: 6 pairs per program, 12 total
    expect(per.dbSize).toBe(12);
    expect(shared.dbSize).toBe(12);
    expect(Array.from(per.missingPairs(probe!))).toEqual([2, 2]);
    expect(Array.from(per.score(probe!))).toEqual([1, 1]);
    expect(Array.from(shared.score(probe!))).toEqual([0, 0]);
    // A program without training data: every pair is missing.
    expect(Array.from(per.missingPairs(unknown!))).toEqual([2]);
    expect(Array.from(per.score(unknown!))).toEqual([1]);
    expect(per.traceMeasure(unknown!)).toBe(1);
    expect(Array.from(shared.score(unknown!))).toEqual([0]);
  });

  it('is built by the registry, takes no params and needs k >= 2', () => {
    const a = new Alphabet();
    const [normal, test] = makeTraces(a, [{ calls: NORMAL }, { calls: TEST }]);
    const m = trainModel({ kind: 'lookahead', scope: 'per-program', resetOn: [] }, [normal!], 4);
    expect(m.config.kind).toBe('lookahead');
    expect(Array.from(m.score(test!))).toEqual([1, 1, 0, 1, 0]);
    expect(() => checkParams('lookahead', { minDistance: 1 })).toThrow(/unknown param "minDistance"/);
    expect(() => trainModel({ kind: 'lookahead', scope: 'shared', resetOn: [] }, [normal!], 1)).toThrow(/k >= 2/);
    expect(() => trainLookahead([normal!], 1, 'shared')).toThrow(RangeError);
  });
});
