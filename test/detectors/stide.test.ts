import { describe, expect, it } from 'vitest';
import { Alphabet } from '../../src/traces/alphabet.js';
import { WindowSet } from '../../src/detectors/window-set.js';
import { trainStide } from '../../src/detectors/stide.js';
import { makeTraces, randomCalls } from '../helpers.js';

/** An independent, obviously-correct Stide: a Set of comma-joined windows. */
function naiveDb(traces: Int32Array[], k: number): Set<string> {
  const s = new Set<string>();
  for (const t of traces) for (let i = 0; i + k <= t.length; i++) s.add(Array.from(t.subarray(i, i + k)).join(','));
  return s;
}
function naiveSignal(db: Set<string>, t: Int32Array, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; i + k <= t.length; i++) out.push(db.has(Array.from(t.subarray(i, i + k)).join(',')) ? 0 : 1);
  return out;
}

describe('Stide database', () => {
  it("gives the paper's 3 distinct windows for open,write,mmap,open,write,mmap at k=3", () => {
    const a = new Alphabet();
    const [t] = makeTraces(a, [{ calls: ['open', 'write', 'mmap', 'open', 'write', 'mmap'] }]);
    const model = trainStide([t!], 3, 'shared');
    expect(model.dbSize).toBe(3);
    const db = model.dbs.get('*')!;
    const w = (names: string[]) => Int32Array.from(names.map((n) => a.idOf(n)!));
    expect(db.has(w(['open', 'write', 'mmap']))).toBe(true);
    expect(db.has(w(['write', 'mmap', 'open']))).toBe(true);
    expect(db.has(w(['mmap', 'open', 'write']))).toBe(true);
    expect(db.has(w(['open', 'mmap', 'write']))).toBe(false);
    expect(db.countAt(0)).toBe(2); // (open, write, mmap) occurs twice
  });

  it('a trace shorter than k has zero windows and no mismatches', () => {
    const a = new Alphabet();
    const [train, short] = makeTraces(a, [{ calls: ['a', 'b', 'c', 'd'] }, { calls: ['x', 'y'] }]);
    const model = trainStide([train!], 3, 'shared');
    expect(model.score(short!).length).toBe(0);
    expect(model.score(train!).length).toBe(2);
  });

  it('agrees with a naive string-set Stide on random traces, for k = 1..12', () => {
    const trainT = [randomCalls(3000, 7, 1), randomCalls(2000, 7, 2)];
    const testT = [randomCalls(4000, 8, 3), randomCalls(10, 7, 4), randomCalls(1, 7, 5)];
    for (let k = 1; k <= 12; k++) {
      const set = new WindowSet(k, 4); // tiny initial capacity: exercises growth
      for (const t of trainT) set.addTrace(t);
      const naive = naiveDb(trainT, k);
      expect(set.size).toBe(naive.size);
      for (const t of testT) expect(Array.from(set.mismatches(t))).toEqual(naiveSignal(naive, t, k));
    }
  });

  it('survives hash collisions: exact verification keeps distinct windows distinct', () => {
    // Many windows over a large alphabet force probing; every stored window must be found exactly.
    const set = new WindowSet(4, 2);
    const seen = new Set<string>();
    const t = randomCalls(50_000, 1000, 9);
    set.addTrace(t);
    for (let i = 0; i + 4 <= t.length; i++) seen.add(Array.from(t.subarray(i, i + 4)).join(','));
    expect(set.size).toBe(seen.size);
    expect(set.totalAdded).toBe(t.length - 3);
    const sig = set.mismatches(t);
    expect(sig.every((v) => v === 0)).toBe(true);
  });

  it('round-trips through export/fromExport', () => {
    const set = new WindowSet(5);
    set.addTrace(randomCalls(5000, 20, 11));
    const { windows, counts } = set.export();
    const back = WindowSet.fromExport(5, windows, counts);
    expect(back.size).toBe(set.size);
    const probe = randomCalls(3000, 21, 12);
    expect(Array.from(back.mismatches(probe))).toEqual(Array.from(set.mismatches(probe)));
  });

  it('keeps per-program databases apart and shares one in shared scope', () => {
    const a = new Alphabet();
    const traces = makeTraces(a, [
      { calls: ['a', 'b', 'c', 'a', 'b', 'c'], program: 'p1' },
      { calls: ['x', 'y', 'z', 'x', 'y', 'z'], program: 'p2' },
    ]);
    const [probe] = makeTraces(a, [{ calls: ['x', 'y', 'z', 'x'], program: 'p1' }]);
    const per = trainStide(traces, 3, 'per-program');
    const shared = trainStide(traces, 3, 'shared');
    expect(per.dbs.size).toBe(2);
    expect(per.dbSize).toBe(6);
    expect(shared.dbSize).toBe(6);
    // p1 never produced x,y,z: every window is foreign for the per-program database, none for the shared one.
    expect(Array.from(per.score(probe!))).toEqual([1, 1]);
    expect(Array.from(shared.score(probe!))).toEqual([0, 0]);
    // A program without training data: all windows mismatch.
    const [unknown] = makeTraces(a, [{ calls: ['a', 'b', 'c'], program: 'nobody' }]);
    expect(Array.from(per.score(unknown!))).toEqual([1]);
  });
});

describe('WindowSet capacity', () => {
  it('grows correctly from any initial capacity (not only powers of two)', () => {
    for (const cap of [1, 3, 100, 1000, 1025]) {
      const set = new WindowSet(3, cap);
      const t = randomCalls(20_000, 50, cap);
      set.addTrace(t);
      const naive = naiveDb([t], 3);
      expect(set.size).toBe(naive.size);
      expect(set.mismatches(t).every((v) => v === 0)).toBe(true);
    }
    // fromExport with n = 100 (the case that used to corrupt the table), then more adds.
    const small = new WindowSet(4);
    small.addTrace(randomCalls(103, 1000, 5));
    const back = WindowSet.fromExport(4, small.export().windows, small.export().counts);
    back.addTrace(randomCalls(5000, 30, 6));
    expect(back.size).toBe(small.size + naiveDb([randomCalls(5000, 30, 6)], 4).size - [...naiveDb([randomCalls(5000, 30, 6)], 4)].filter((w) => naiveDb([randomCalls(103, 1000, 5)], 4).has(w)).length);
  });
});
