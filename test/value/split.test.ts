// Value tests for src/eval/split.ts: splits worked out by hand (ordered draws, rounding of fractions,
// subsets, whole-file units, prefix cuts, short traces), and seeded draws checked against a naive
// reference that reshuffles with its own BigInt mulberry32 + Fisher–Yates: a split of a published
// experiment may never change silently.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitTraces } from '../../src/prepare/split.js';
import type { Selection, Split } from '../../src/prepare/split-schema.js';
import type { Label, TraceMeta } from '../../src/traces/trace.js';
import { naiveShuffle } from './naive.js';

type T = TraceMeta & { calls: Int32Array };

function tr(source: string, label: Label, length = 10, pid: number | null = null): T {
  return { dataset: 'd', source, pid, label, program: 'p', family: null, intrusion: null, calls: Int32Array.from({ length }, (_, i) => i) };
}

const split = (s: Partial<Split>): Split => ({ seed: 1, minLength: 0, order: 'file', ...s });
const sel = (s: Partial<Selection>): Selection => ({ ordered: false, unit: 'trace', ...s });
const names = (ts: readonly T[]) => ts.map((t) => (t.pid === null ? t.source : `${t.source}#${t.pid}`));

const normals = Array.from({ length: 10 }, (_, i) => tr(`n${i}`, 'normal'));
const attacks = [tr('a0', 'attack'), tr('a1', 'attack'), tr('a2', 'attack')];
const all = [normals[0]!, attacks[0]!, ...normals.slice(1, 5), attacks[1]!, ...normals.slice(5), attacks[2]!];

describe('splitTraces by hand', () => {
  it('no selections: every normal trace trains and tests nothing; every attack trace is tested', () => {
    const r = splitTraces(all, split({}), {});
    expect(names(r.train)).toEqual(names(normals));
    expect(r.calibrate).toEqual([]);
    expect(r.testNormal).toEqual([]);
    expect(names(r.attack)).toEqual(['a0', 'a1', 'a2']);
    expect(r.droppedShort).toEqual({ normal: 0, attack: 0 });
  });

  it('ordered counts take traces in file order: 3 train, 2 calibrate, the rest test', () => {
    const r = splitTraces(all, split({ train: sel({ count: 3, ordered: true }), calibrate: sel({ count: 2, ordered: true }), test: sel({}) }), {});
    expect(names(r.train)).toEqual(['n0', 'n1', 'n2']);
    expect(names(r.calibrate)).toEqual(['n3', 'n4']);
    expect(names(r.testNormal)).toEqual(['n5', 'n6', 'n7', 'n8', 'n9']);
  });

  it('fractions round half up: 0.25 of 10 is 3, 0.05 of 10 is 1 (0.5 rounds up), 0.04 of 10 is 0', () => {
    const n = (f: number) => splitTraces(all, split({ train: sel({ fraction: f }) }), {}).train.length;
    expect([n(0.25), n(0.05), n(0.04), n(1)]).toEqual([3, 1, 0, 10]);
  });

  it('a count above the pool takes the whole pool', () => {
    const r = splitTraces(all, split({ train: sel({ count: 99 }), test: sel({ count: 5 }) }), {});
    expect(r.train).toHaveLength(10);
    expect(r.testNormal).toEqual([]);
  });

  it('subsets: train only from sources matching the regex, the others stay for testing', () => {
    const r = splitTraces(all, split({ train: sel({ subset: 'even' }) }), { even: /^n[02468]$/ });
    expect(names(r.train)).toEqual(['n0', 'n2', 'n4', 'n6', 'n8']);
    expect(names(r.testNormal)).toEqual(['n1', 'n3', 'n5', 'n7', 'n9']);
  });

  it('attack: a subset filters, include: false drops them all', () => {
    expect(names(splitTraces(all, split({ attack: { subset: 'odd', include: true } }), { odd: /^a[13]$/ }).attack)).toEqual(['a1']);
    expect(splitTraces(all, split({ attack: { include: false } }), {}).attack).toEqual([]);
  });

  it('an unknown subset name is an error, not an empty set', () => {
    expect(() => splitTraces(all, split({ train: sel({ subset: 'nope' }) }), {})).toThrow(/unknown subset nope/);
  });

  it('minLength drops and counts short traces per label (length 2 < 3 dropped, 3 kept)', () => {
    const ts = [tr('s0', 'normal', 2), tr('s1', 'normal', 3), tr('s2', 'attack', 1), tr('s3', 'attack', 0), tr('s4', 'attack', 3)];
    const r = splitTraces(ts, split({ minLength: 3 }), {});
    expect(r.droppedShort).toEqual({ normal: 1, attack: 2 });
    expect(names(r.train)).toEqual(['s1']);
    expect(names(r.attack)).toEqual(['s4']);
  });

  it('prefix: a 10-call normal trace cut after 4 calls trains on 0..3 and tests 4..9; short or attack traces are not cut', () => {
    const ts = [tr('long', 'normal', 10), tr('edge', 'normal', 4), tr('short', 'normal', 7), tr('atk', 'attack', 10)];
    const r = splitTraces(ts, split({ prefix: { minLength: 8, trainCalls: 4 } }), {});
    // 'edge' has 4 calls, not more than trainCalls; 'short' has fewer than minLength: both train whole.
    expect(names(r.train)).toEqual(['edge', 'short', 'long@0-4']);
    expect(names(r.testNormal)).toEqual(['long@4-10']);
    expect(Array.from(r.train[2]!.calls)).toEqual([0, 1, 2, 3]);
    expect(Array.from(r.testNormal[0]!.calls)).toEqual([4, 5, 6, 7, 8, 9]);
    expect(names(r.attack)).toEqual(['atk']);
  });

  it('unit: file keeps every process of one recording on the same side', () => {
    const ts = ['f1', 'f2', 'f3', 'f4'].flatMap((f, i) => Array.from({ length: i + 1 }, (_, p) => tr(f, 'normal', 10, p)));
    for (let seed = 1; seed <= 20; seed++) {
      const r = splitTraces(ts, split({ seed, train: sel({ count: 2, unit: 'file' }) }), {});
      const trainFiles = new Set(r.train.map((t) => t.source));
      const testFiles = new Set(r.testNormal.map((t) => t.source));
      expect(trainFiles.size).toBe(2);
      expect([...trainFiles].filter((f) => testFiles.has(f))).toEqual([]);
      expect(r.train.length + r.testNormal.length).toBe(10);
    }
  });
});

/** Naive reference of the documented split rules, over indices, with its own shuffle. */
function naiveSplit(ts: readonly T[], s: Split): { train: string[]; calibrate: string[]; testNormal: string[] } {
  const pool = ts.filter((t) => t.label === 'normal' && t.calls.length >= s.minLength);
  const draw = (from: T[], sl: Selection | undefined, seed: number): [T[], T[]] => {
    if (sl === undefined) return [from, []];
    const units: T[][] = [];
    for (const t of from) {
      const u = sl.unit === 'file' ? units.find((g) => g[0]!.source === t.source) : undefined;
      if (u) u.push(t);
      else units.push([t]);
    }
    const want = sl.count !== undefined ? Math.min(sl.count, units.length) : sl.fraction !== undefined ? Math.floor(sl.fraction * units.length + 0.5) : units.length;
    if (want === units.length) return [from, []];
    const order = sl.ordered ? units : naiveShuffle(units, seed);
    const chosen = new Set(order.slice(0, want).flat());
    return [from.filter((t) => chosen.has(t)), from.filter((t) => !chosen.has(t))];
  };
  const [train, r1] = draw(pool, s.train, s.seed);
  const [calibrate, r2] = s.calibrate ? draw(r1, s.calibrate, s.seed + 1) : [[], r1];
  const [testNormal] = s.test ? draw(r2, s.test, s.seed + 2) : [r2];
  return { train: names(train), calibrate: names(calibrate), testNormal: names(testNormal) };
}

describe('seeded draws against the naive reference', () => {
  const selArb = fc.record({
    pick: fc.oneof(fc.record({ count: fc.integer({ min: 1, max: 12 }) }), fc.record({ fraction: fc.integer({ min: 1, max: 20 }).map((j) => j / 20) })),
    ordered: fc.boolean(),
    unit: fc.constantFrom('trace' as const, 'file' as const),
  }).map((r): Selection => ({ ...r.pick, ordered: r.ordered, unit: r.unit }));

  it('same sets, same order, for random pools, seeds and selections', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ file: fc.integer({ min: 0, max: 6 }), len: fc.integer({ min: 0, max: 5 }), attack: fc.boolean() }), { maxLength: 25 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.option(selArb, { nil: undefined }),
        fc.option(selArb, { nil: undefined }),
        fc.option(selArb, { nil: undefined }),
        fc.integer({ min: 0, max: 3 }),
        (rows, seed, train, calibrate, test, minLength) => {
          const ts = rows.map((r, i) => tr(`f${r.file}`, r.attack ? 'attack' : 'normal', r.len, i));
          const s = split({ seed, train, calibrate, test, minLength });
          const got = splitTraces(ts, s, {});
          const want = naiveSplit(ts, s);
          expect({ train: names(got.train), calibrate: names(got.calibrate), testNormal: names(got.testNormal) }).toEqual(want);
          expect(got.droppedShort).toEqual({
            normal: ts.filter((t) => t.label === 'normal' && t.calls.length < minLength).length,
            attack: ts.filter((t) => t.label === 'attack' && t.calls.length < minLength).length,
          });
        },
      ),
      { numRuns: 500, seed: 9 },
    );
  });

  it('seed 1, 3 of 10: the draw is pinned (n0..n9 shuffled by mulberry32(1) Fisher–Yates)', () => {
    const r = splitTraces(normals, split({ seed: 1, train: sel({ count: 3 }) }), {});
    const shuffled = naiveShuffle(names(normals), 1);
    expect(names(r.train)).toEqual(names(normals).filter((n) => shuffled.slice(0, 3).includes(n)));
    expect(names(r.testNormal)).toEqual(names(normals).filter((n) => !shuffled.slice(0, 3).includes(n)));
  });
});
