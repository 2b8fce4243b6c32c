// Tests for src/eval/bootstrap.ts and src/eval/random.ts: seeded determinism, interval sanity, Wilson.

import { describe, expect, it } from 'vitest';
import { bootstrapCI, bootstrapProportionCI, normalQuantile, wilsonCI } from '../../src/eval/bootstrap.js';
import { mulberry32, randomInt, seededSample, seededShuffle } from '../../src/eval/random.js';

const mean = (xs: Float64Array): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe('random', () => {
  it('mulberry32 is reproducible and pinned (changing it would change every published split)', () => {
    const r = mulberry32(42);
    expect([r(), r(), r()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
    const a = mulberry32(123);
    const b = mulberry32(123);
    for (let i = 0; i < 100; i++) expect(a()).toBe(b());
    expect(mulberry32(-1)()).toBe(mulberry32(2 ** 32 - 1)()); // seeds are taken mod 2^32
    expect(() => mulberry32(1.5)).toThrow(RangeError);
  });

  it('draws stay in range', () => {
    const r = mulberry32(1);
    for (let i = 0; i < 10_000; i++) {
      const u = r();
      expect(u >= 0 && u < 1).toBe(true);
      const k = randomInt(r, 7);
      expect(Number.isInteger(k) && k >= 0 && k < 7).toBe(true);
    }
  });

  it('seededShuffle is a deterministic permutation and leaves its input alone', () => {
    const xs = Array.from({ length: 50 }, (_, i) => i);
    const s1 = seededShuffle(xs, 9);
    expect(seededShuffle(xs, 9)).toEqual(s1);
    expect([...s1].sort((a, b) => a - b)).toEqual(xs);
    expect(s1).not.toEqual(xs);
    expect(seededShuffle(xs, 10)).not.toEqual(s1);
    expect(xs[0]).toBe(0);
    expect(seededShuffle([], 1)).toEqual([]);
  });

  it('seededSample draws k distinct elements deterministically', () => {
    const xs = 'abcdefghij'.split('');
    const s = seededSample(xs, 4, 3);
    expect(s).toHaveLength(4);
    expect(new Set(s).size).toBe(4);
    expect(seededSample(xs, 4, 3)).toEqual(s);
    expect(seededSample(xs, 10, 3).sort()).toEqual(xs);
    expect(seededSample(xs, 0, 3)).toEqual([]);
    expect(() => seededSample(xs, 11, 3)).toThrow(RangeError);
  });
});

describe('bootstrapProportionCI', () => {
  const outcomes = Array.from({ length: 100 }, (_, i) => i % 10 < 3); // 30 / 100

  it('same seed → identical output; different seed → (almost surely) different', () => {
    const a = bootstrapProportionCI(outcomes, { seed: 2024 });
    const b = bootstrapProportionCI(outcomes, { seed: 2024 });
    expect(a).toEqual(b);
    const c = bootstrapProportionCI(outcomes, { seed: 2025, resamples: 2000 });
    expect(c).not.toEqual(a);
  });

  it('contains the estimate and is about as wide as theory says', () => {
    const ci = bootstrapProportionCI(outcomes, { seed: 1 });
    expect(ci.estimate).toBe(0.3);
    expect(ci.level).toBe(0.95);
    expect(ci.resamples).toBe(1000);
    expect(ci.low).toBeLessThanOrEqual(ci.estimate);
    expect(ci.high).toBeGreaterThanOrEqual(ci.estimate);
    // Normal approximation: 0.3 ± 1.96·sqrt(0.21/100) ≈ [0.21, 0.39].
    expect(ci.low).toBeGreaterThan(0.18);
    expect(ci.low).toBeLessThan(0.24);
    expect(ci.high).toBeGreaterThan(0.36);
    expect(ci.high).toBeLessThan(0.42);
  });

  it('accepts Uint8Array outcomes and agrees with the boolean form', () => {
    const bits = Uint8Array.from(outcomes, (b) => (b ? 1 : 0));
    expect(bootstrapProportionCI(bits, { seed: 5 })).toEqual(bootstrapProportionCI(outcomes, { seed: 5 }));
  });

  it('narrower level gives a narrower interval', () => {
    const wide = bootstrapProportionCI(outcomes, { seed: 3, level: 0.99 });
    const narrow = bootstrapProportionCI(outcomes, { seed: 3, level: 0.5 });
    expect(narrow.high - narrow.low).toBeLessThan(wide.high - wide.low);
  });

  it('degenerate and empty inputs', () => {
    expect(bootstrapProportionCI([true, true, true], { seed: 1 })).toMatchObject({ estimate: 1, low: 1, high: 1 });
    const empty = bootstrapProportionCI([], { seed: 1 });
    expect(empty.estimate).toBeNaN();
    expect(empty.low).toBeNaN();
    expect(empty.high).toBeNaN();
    expect(() => bootstrapProportionCI([true], { seed: 1, resamples: 0 })).toThrow(RangeError);
    expect(() => bootstrapProportionCI([true], { seed: 1, level: 1 })).toThrow(RangeError);
  });
});

describe('bootstrapCI', () => {
  const values = Array.from({ length: 40 }, (_, i) => (i * 37) % 23);

  it('is deterministic per seed and contains the estimate of the mean', () => {
    const a = bootstrapCI(values, mean, { seed: 11, resamples: 500 });
    expect(bootstrapCI(values, mean, { seed: 11, resamples: 500 })).toEqual(a);
    expect(a.estimate).toBeCloseTo(values.reduce((x, y) => x + y, 0) / values.length, 12);
    expect(a.low).toBeLessThanOrEqual(a.estimate);
    expect(a.high).toBeGreaterThanOrEqual(a.estimate);
    expect(a.resamples).toBe(500);
  });

  it('drops NaN statistics and handles empty input', () => {
    let calls = 0;
    const sometimesNaN = (xs: Float64Array): number => (++calls % 2 === 0 ? NaN : mean(xs));
    const ci = bootstrapCI(values, sometimesNaN, { seed: 1, resamples: 100 });
    expect(ci.resamples).toBe(50);
    expect(Number.isFinite(ci.low) && Number.isFinite(ci.high)).toBe(true);
    const empty = bootstrapCI([], mean, { seed: 1 });
    expect(empty.estimate).toBeNaN();
    expect(empty.low).toBeNaN();
  });
});

describe('wilsonCI', () => {
  it('matches the textbook value for 8/10', () => {
    const w = wilsonCI(8, 10);
    expect(w.estimate).toBe(0.8);
    expect(w.low).toBeCloseTo(0.4902, 3);
    expect(w.high).toBeCloseTo(0.9433, 3);
  });

  it('matches Newcombe (1998), Statistics in Medicine 17:857, Table I, method 3 (score interval)', () => {
    // x/n, then the published 95% limits to 4 decimals.
    const published: [number, number, number, number][] = [
      [81, 263, 0.2553, 0.3662],
      [15, 148, 0.0624, 0.1605],
      [0, 20, 0, 0.1611],
      [1, 29, 0.0061, 0.1718],
    ];
    for (const [x, n, low, high] of published) {
      const w = wilsonCI(x, n);
      // Published to 4 decimals: within half a unit of the last digit (plus float noise).
      expect(Math.abs(w.low - low), `${x}/${n} low ${w.low}`).toBeLessThanOrEqual(0.00005 + 1e-12);
      expect(Math.abs(w.high - high), `${x}/${n} high ${w.high}`).toBeLessThanOrEqual(0.00005 + 1e-12);
    }
  });

  it('uses an accurate normal quantile (z for 95% is 1.959964, for 99% 2.575829)', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 6);
    expect(normalQuantile(0.5)).toBe(0);
    expect(normalQuantile(0.001)).toBeCloseTo(-3.090232, 6);
  });

  it('stays informative at 0/n and n/n', () => {
    expect(wilsonCI(0, 20).low).toBe(0);
    expect(wilsonCI(0, 20).high).toBeGreaterThan(0.1);
    expect(wilsonCI(20, 20).high).toBe(1);
    expect(wilsonCI(20, 20).low).toBeLessThan(0.9);
    expect(wilsonCI(0, 0).estimate).toBeNaN();
    expect(() => wilsonCI(3, 2)).toThrow(RangeError);
  });
});
