// Tests for src/report/tables.ts: markdown/CSV tables, number formatting, canonical JSON.

import { describe, expect, it } from 'vitest';
import { csvTable, formatNumber, formatPercent, markdownTable, stableJson } from '../../src/report/tables.js';

describe('markdownTable', () => {
  it('renders a padded GFM table with alignment', () => {
    expect(markdownTable(['Detector', 'DR', 'Note'], [['stide', 0.5, null], ['t-stide', 12, 'ok']], ['l', 'r', 'c'])).toBe(
      [
        '| Detector |  DR | Note |',
        '| :------- | --: | :--: |',
        '| stide    | 0.5 |      |',
        '| t-stide  |  12 | ok   |',
        '',
      ].join('\n'),
    );
  });

  it('escapes pipes (keeping backslashes literal) and line breaks', () => {
    const t = markdownTable(['a|b'], [['x | y'], ['back\\|slash'], ['two\nlines']]);
    expect(t).toContain('| a\\|b ');
    expect(t).toContain('| x \\| y ');
    expect(t).toContain('| back\\\\\\|slash |');
    expect(t).toContain('| two<br>lines  |');
    // Every row still has exactly two unescaped pipes.
    for (const line of t.trimEnd().split('\n')) expect(line.replace(/\\\\/g, '').replace(/\\\|/g, '').split('|').length).toBe(3);
  });

  it('checks the row shape', () => {
    expect(() => markdownTable(['a', 'b'], [['x']])).toThrow(RangeError);
    expect(() => markdownTable([], [])).toThrow(RangeError);
  });
});

describe('csvTable', () => {
  it('quotes as RFC 4180 and writes null as empty', () => {
    expect(csvTable(['name', 'value', 'note'], [['a,b', 1.5, null], ['say "hi"', 2, 'x|y']])).toBe(
      'name,value,note\n"a,b",1.5,\n"say ""hi""",2,x|y\n',
    );
    expect(() => csvTable(['a'], [[1, 2]])).toThrow(RangeError);
  });
});

describe('formatting', () => {
  it('formatPercent', () => {
    expect(formatPercent(0.1234)).toBe('12.3%');
    expect(formatPercent(1)).toBe('100.0%');
    expect(formatPercent(0.5, 0)).toBe('50%');
    expect(formatPercent(-0.00001)).toBe('0.0%');
    expect(formatPercent(null)).toBe('n/a');
    expect(formatPercent(NaN)).toBe('n/a');
    expect(formatPercent(123.4567, 2)).toBe('12345.67%');
  });

  it('formatNumber', () => {
    expect(formatNumber(1234567)).toBe('1,234,567');
    expect(formatNumber(1234567.891, 2)).toBe('1,234,567.89');
    expect(formatNumber(0.5, 3)).toBe('0.500');
    expect(formatNumber(-1234.5, 1)).toBe('-1,234.5');
    expect(formatNumber(-0.0001, 2)).toBe('0.00');
    expect(formatNumber(1234.5, 1, false)).toBe('1234.5');
    expect(formatNumber(undefined)).toBe('n/a');
    expect(formatNumber(Infinity)).toBe('∞');
  });
});

describe('stableJson', () => {
  it('sorts keys recursively, keeps array order, 2-space indent, trailing newline', () => {
    const s = stableJson({ b: 1, a: { d: [3, 1, { z: 0, y: 1 }], c: 'x' } });
    expect(s).toBe(
      '{\n  "a": {\n    "c": "x",\n    "d": [\n      3,\n      1,\n      {\n        "y": 1,\n        "z": 0\n      }\n    ]\n  },\n  "b": 1\n}\n',
    );
  });

  it('is independent of insertion order and sorts integer-like keys as strings', () => {
    expect(stableJson({ b: 1, 10: 'ten', 2: 'two', a: [] })).toBe(stableJson({ a: [], 2: 'two', b: 1, 10: 'ten' }));
    expect(stableJson({ b: 1, 10: 'ten', 2: 'two' })).toBe('{\n  "10": "ten",\n  "2": "two",\n  "b": 1\n}\n');
  });

  it('follows JSON.stringify semantics otherwise', () => {
    const value = {
      n: 0.1 + 0.2,
      big: 1e21,
      nan: NaN,
      inf: -Infinity,
      u: undefined,
      f: () => 1,
      arr: [undefined, NaN, 'q"'],
      empty: {},
      emptyArr: [],
      date: new Date(0),
      hist: new Int32Array([4, 0, 2]),
    };
    const parsed = JSON.parse(stableJson(value));
    expect(parsed).toEqual({
      n: 0.30000000000000004,
      big: 1e21,
      nan: null,
      inf: null,
      arr: [null, null, 'q"'],
      empty: {},
      emptyArr: [],
      date: '1970-01-01T00:00:00.000Z',
      hist: [4, 0, 2],
    });
    expect(stableJson({ z: {}, a: [] })).toBe('{\n  "a": [],\n  "z": {}\n}\n');
    expect(stableJson([1, 'x'])).toBe(JSON.stringify([1, 'x'], null, 2) + '\n');
  });

  it('refuses values without a faithful JSON form', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => stableJson(circular)).toThrow(TypeError);
    expect(() => stableJson({ m: new Map() })).toThrow(TypeError);
    expect(() => stableJson({ b: 1n })).toThrow(TypeError);
    expect(() => stableJson(undefined)).toThrow(TypeError);
    // Shared (non-circular) references are fine.
    const shared = { x: 1 };
    expect(JSON.parse(stableJson({ a: shared, b: shared }))).toEqual({ a: { x: 1 }, b: { x: 1 } });
  });
});
