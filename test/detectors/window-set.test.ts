// Tests the exact integer-key WindowSet against an independent naive implementation (a Map from
// comma-joined windows to counts): on fixtures that exercise every key width (1 lane up to more than 4,
// bits per call growing during training, foreign and negative ids), and on real traces (ADFA-LD and UNM,
// k = 2..15; STIDEBENCH_DATA, skipped with a warning without data).

import { describe, expect, it } from 'vitest';
import { WindowSet } from '../../src/detectors/window-set.js';
import { getDataset } from '../../src/datasets/registry.js';
import { loadBenchData } from '../../src/bench/throughput.js';
import { randomCalls } from '../helpers.js';
import { realData } from '../datasets/helpers.js';

/** The independent reference: window string -> (first-seen order, count). */
class NaiveSet {
  readonly map = new Map<string, { idx: number; count: number }>();
  constructor(readonly k: number) {}
  addTrace(t: ArrayLike<number>): void {
    for (let i = 0; i + this.k <= t.length; i++) {
      const key = Array.prototype.slice.call(t, i, i + this.k).join(',');
      const e = this.map.get(key);
      if (e) e.count++;
      else this.map.set(key, { idx: this.map.size, count: 1 });
    }
  }
  lookup(t: ArrayLike<number>): number[] {
    const out: number[] = [];
    for (let i = 0; i + this.k <= t.length; i++) out.push(this.map.get(Array.prototype.slice.call(t, i, i + this.k).join(','))?.idx ?? -1);
    return out;
  }
}

/** Compares everything observable: size, order, counts, signal, indices, has(). */
function expectSame(set: WindowSet, naive: NaiveSet, tests: readonly ArrayLike<number>[]): void {
  expect(set.size).toBe(naive.map.size);
  const { windows, counts } = set.export();
  const k = set.k;
  let i = 0;
  for (const [key, e] of naive.map) {
    expect(e.idx).toBe(i);
    expect(Array.from(windows.subarray(i * k, i * k + k)).join(',')).toBe(key);
    expect(counts[i]).toBe(e.count);
    i++;
  }
  const buf = new Uint8Array(64);
  for (const t of tests) {
    const ref = naive.lookup(t);
    const sig = ref.map((x) => (x < 0 ? 1 : 0));
    expect(Array.from(set.mismatches(t))).toEqual(sig);
    expect(Array.from(set.lookupAll(t))).toEqual(ref);
    // The online detector's rolling key: one key rolled call by call finds the same windows.
    const key = new Int32Array(set.lanes);
    const rolled: number[] = [];
    for (let p = 0; p < t.length; p++) {
      set.rollKey(key, t[p]!);
      if (p >= k - 1) rolled.push(set.findKey(key));
    }
    expect(rolled).toEqual(ref);
    // signalInto at an offset into a reused buffer, over a sub-range of the trace.
    if (t.length >= k + 2) {
      const big = new Uint8Array(t.length + 5).fill(7);
      const n = set.signalInto(t, 1, t.length - 1, big, 3);
      expect(n).toBe(t.length - 2 - k + 1);
      expect(Array.from(big.subarray(3, 3 + n))).toEqual(naive.lookup(Array.prototype.slice.call(t, 1, t.length - 1)).map((x) => (x < 0 ? 1 : 0)));
      expect(big[2]).toBe(7);
      expect(big[3 + n]).toBe(7);
    }
    if (t.length <= buf.length) expect(set.mismatches(t, buf).buffer).toBe(buf.buffer);
  }
}

function check(k: number, train: readonly Int32Array[], tests: readonly ArrayLike<number>[], initialCapacity?: number): WindowSet {
  const set = new WindowSet(k, initialCapacity);
  const naive = new NaiveSet(k);
  for (const t of train) {
    set.addTrace(t);
    naive.addTrace(t);
  }
  expectSame(set, naive, [...tests, ...train]);
  return set;
}

describe('WindowSet (exact integer keys) against a naive Map<string>', () => {
  it('every key width: 1 lane to more than 4 lanes, k = 1..15, alphabets of 2 to 3000 ids', () => {
    const lanesSeen = new Set<number>();
    for (const m of [2, 7, 200, 256, 3000]) {
      for (let k = 1; k <= 15; k++) {
        const train = [randomCalls(800, m, k * 31 + m), randomCalls(400, Math.max(2, m >> 1), k + m)];
        const tests = [randomCalls(500, m + 3, k * 7 + m), randomCalls(k, m, 5), randomCalls(k - 1, m, 6), new Int32Array(0)];
        const set = check(k, train, tests, 4);
        lanesSeen.add(set.lanes);
      }
    }
    expect([...lanesSeen].sort((a, b) => a - b)).toEqual(expect.arrayContaining([1, 2, 3, 4, 5]));
  });

  it('two-lane tables large enough for the WebAssembly scan: Uint8 and Uint16 calls, sub-ranges, more training after a scan', () => {
    for (const [m, T] of [[200, Uint8Array], [3000, Uint16Array]] as const) {
      const k = m === 200 ? 6 : 4; // two lanes: 6 x 8 bits, 4 x 12 bits
      const set = new WindowSet(k);
      const naive = new NaiveSet(k);
      for (let r = 0; r < 2; r++) {
        // Thousands of windows: a table of >= 4096 slots (the WebAssembly path); a second round of
        // training after a scan must reach the scan too (the copied table is refreshed).
        const t = T.from(randomCalls(20_000, m, 11 + r));
        set.addTrace(t);
        naive.addTrace(t);
        expect(set.lanes).toBe(2);
        const tests = [T.from(randomCalls(3000, m + 5, 31 + r)), t.subarray(5000, 9000), T.from(randomCalls(k, m, 2))];
        for (const c of tests) {
          const ref = naive.lookup(c).map((x) => (x < 0 ? 1 : 0));
          if (c.buffer === t.buffer) expect(ref.every((x) => x === 0)).toBe(true); // trained windows: all present
          else if (c.length > k) expect(ref.includes(1)).toBe(true);
          expect(Array.from(set.mismatches(c))).toEqual(ref);
          const big = new Uint8Array(c.length + 5).fill(7);
          const n = set.signalInto(c, 1, c.length, big, 2);
          expect(Array.from(big.subarray(2, 2 + n))).toEqual(ref.slice(1));
          expect([big[1], big[2 + n]]).toEqual([7, 7]);
        }
      }
      // The scan really ran in WebAssembly (Node 20 has it), not only in the JS fallback.
      expect((set as unknown as { wasm: unknown }).wasm).toBeTruthy();
      expectSame(set, naive, []);
    }
  });

  it('windows that differ only in their oldest calls (equal low lanes) stay distinct, every width', () => {
    // Many stored keys share lane 0 (and lanes 1.. for wide keys): a probe that compared only part of
    // the key would report the untrained prefixes as present.
    for (const k of [5, 6, 8, 9, 12, 13, 16, 17, 20]) {
      const suffix = Array.from({ length: k - 2 }, (_, j) => 100 + (j % 50));
      const build = (lo: number, hi: number): Int32Array => {
        const out: number[] = [];
        for (let x = lo; x < hi; x++) for (let y = lo; y < hi; y++) out.push(x, y, ...suffix);
        return Int32Array.from(out);
      };
      const train = build(0, 30);
      const test = build(30, 60);
      const set = check(k, [train], [test]);
      expect(set.lanes).toBeGreaterThanOrEqual(2);
      // The untrained prefixes with the trained suffix: window (x, y, suffix) for x, y >= 30 is absent.
      const probe = Int32Array.from([45, 46, ...suffix]);
      expect(set.has(probe)).toBe(false);
      expect(set.has(Int32Array.from([5, 6, ...suffix]))).toBe(true);
    }
  });

  it('re-encodes with more bits when a larger id arrives during training (ids 0..1 first, then up to 5000)', () => {
    for (const k of [3, 6, 9, 13]) {
      const train = [randomCalls(500, 2, 1), randomCalls(500, 30, 2), randomCalls(500, 600, 3), randomCalls(500, 5001, 4)];
      const set = check(k, train, [randomCalls(2000, 5001, 9)]);
      expect(set.bitsPerCall).toBe(13); // id 5000 -> code 5001 needs 13 bits
    }
  });

  it('windows holding foreign ids (negative, beyond the key, the unknown id) are absent, never a false match', () => {
    for (const k of [1, 2, 4, 6, 9, 14]) {
      const train = [randomCalls(3000, 6, k)]; // ids 0..5: 3 bits
      const t = Int32Array.from(randomCalls(600, 6, 100 + k));
      // Id 6 still encodes (code 7 = 2^3 - 1) but was never stored; id 7 and up, and negative ids, do not fit the key.
      for (const [pos, id] of [[5, -1], [50, 6], [51, 7], [120, 1 << 20], [300, -2147483648], [599, 2147483647]] as const) t[pos] = id;
      // A run of foreign ids longer than k: all-zero key lanes must not match an empty slot.
      for (let p = 400; p < 400 + 2 * k + 40; p++) t[p] = p % 2 === 0 ? 1000 : -5;
      check(k, train, [t]);
      const set = new WindowSet(k);
      set.addTrace(train[0]!);
      expect(set.has(Int32Array.from({ length: k }, () => -1))).toBe(false);
    }
  });

  it('stores negative ids exactly too (caches of foreign windows hold the unknown id -1)', () => {
    for (const k of [2, 5, 9]) {
      const train = [randomCalls(600, 20, k), Int32Array.from(randomCalls(600, 20, k + 1), (x) => x - 10), Int32Array.from(randomCalls(300, 5, 3), (x) => -x * 1000)];
      check(k, train, [Int32Array.from(randomCalls(800, 40, 9), (x) => x - 20), Int32Array.from([-1, -1, -1, -1, -1, -1, -1, -1, -1, -1])]);
    }
    const s = new WindowSet(3);
    s.add(Int32Array.from([-1, 0, 1]));
    expect(s.has(Int32Array.from([-1, 0, 1]))).toBe(true);
    expect(s.has(Int32Array.from([0, 0, 1]))).toBe(false);
    expect(() => s.add([0.5, 1, 2])).toThrow(RangeError);
  });

  it('add/has/find agree with addTrace, fromExport round-trips, sizing hints change nothing observable', () => {
    const k = 7;
    const t = randomCalls(5000, 40, 77);
    const a = new WindowSet(k);
    a.addTrace(t);
    const b = new WindowSet(k, 1, 0);
    for (let i = 0; i + k <= t.length; i++) b.add(t, i);
    const c = new WindowSet(k, 100_000, 39);
    c.addTrace(t);
    // A set pre-sized from the training length is fitted to exactly the size growing would give.
    expect(c.bytes).toBeGreaterThan(a.bytes);
    c.fit();
    expect(c.bytes).toBe(a.bytes);
    const back = WindowSet.fromExport(k, a.export().windows, a.export().counts);
    const probe = randomCalls(3000, 45, 78);
    for (const s of [b, c, back]) {
      expect(s.export()).toEqual(a.export());
      expect(Array.from(s.mismatches(probe))).toEqual(Array.from(a.mismatches(probe)));
      expect(s.totalAdded).toBe(a.totalAdded);
    }
    for (let i = 0; i + k <= probe.length; i += 17) {
      const idx = a.find(probe, i);
      expect(a.has(probe, i)).toBe(idx >= 0);
      if (idx >= 0) expect(Array.from(a.windowAt(idx))).toEqual(Array.from(probe.subarray(i, i + k)));
    }
  });
});

const real = realData();

real.describe('WindowSet on real traces against a naive Map<string>, k = 2..15', () => {
  // Train on the normal training traces; test on a deterministic sample of the other traces (every
  // 20th of ADFA-LD's, every 4th plus every attack trace of the small UNM sets), so the naive side stays fast enough.
  for (const name of ['adfa-ld', 'login', 'ps', 'inetd', 'unm-sendmail']) {
    it(name, () => {
      const data = loadBenchData(getDataset(name), real.dir!, []);
      const train = data.train.map((t) => t.calls);
      const tests = data.test.filter((t, i) => (name === 'adfa-ld' ? i % 20 === 0 : i % 4 === 0 || t.label === 'attack')).map((t) => t.calls);
      for (let k = 2; k <= 15; k++) {
        const set = new WindowSet(k);
        const naive = new NaiveSet(k);
        for (const t of train) {
          set.addTrace(t);
          naive.addTrace(t);
        }
        expect(set.size, `${name} k=${k}`).toBe(naive.map.size);
        const buf = new Uint8Array(1 << 16);
        let windows = 0;
        let miss = 0;
        for (const t of tests) {
          const ref = naive.lookup(t);
          const sig = set.mismatches(t, t.length <= buf.length ? buf : undefined);
          const idx = set.lookupAll(t);
          expect(sig.length).toBe(ref.length);
          expect(idx.length).toBe(ref.length);
          for (let i = 0; i < ref.length; i++) {
            const want = ref[i]! < 0 ? 1 : 0;
            if (sig[i] !== want || idx[i] !== ref[i]) expect(`${name} k=${k} window ${i}: ${sig[i]} ${idx[i]}`).toBe(`${name} k=${k} window ${i}: ${want} ${ref[i]}`);
            miss += want;
          }
          windows += ref.length;
        }
        expect(windows, `${name} k=${k}: no test windows`).toBeGreaterThan(0);
        // Not a degenerate comparison: both outcomes occur.
        if (k >= 6 && name !== 'unm-sendmail') expect(miss, `${name} k=${k}`).toBeGreaterThan(0);
      }
    }, 240_000);
  }
});
