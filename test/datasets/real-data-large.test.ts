// Real data (STIDEBENCH_DATA): the three large UNM sets (stide 15.6 M calls, named 9.2 M, xlock 16.9 M)
// reproduce their SOURCE.md / Warrender 1999 counts. A separate file so vitest runs it in parallel.

import { expect, it } from 'vitest';
import { realData } from './helpers.js';
import { statsOf, UNM_EXPECTED } from './real-expected.js';

const real = realData();
const dataDir = real.dir ?? '';

real.describe('real data: UNM counts (large programs)', () => {
  it.each(['stide', 'named', 'xlock'])('%s', (name) => {
    const want = UNM_EXPECTED[name]!;
    const s = statsOf(name, dataDir);
    expect(s.files).toBe(want.files);
    for (const label of ['normal', 'attack'] as const) {
      const g = s.labels[label]!;
      const w = want[label];
      expect({ label, traces: g.traces, syscalls: g.syscalls, singleCall: g.singleCall }).toEqual({ label, traces: w.traces, syscalls: w.syscalls, singleCall: w.singleCall });
      if (w.alphabet !== undefined) expect(g.alphabet).toBe(w.alphabet);
      expect(g.length?.min).toBe(w.min);
      expect(g.length?.max).toBe(w.max);
    }
  });

  it('xlock: 71 synthetic + 1 live normal trace (16,598,639 calls)', () => {
    const s = statsOf('xlock', dataDir);
    expect(s.subsets['normal-synthetic']).toMatchObject({ traces: 71, syscalls: 339_177, alphabet: 40 });
    expect(s.subsets['normal-live']).toMatchObject({ traces: 1, syscalls: 16_598_639, alphabet: 32 });
  });

  it('named: 2 intrusion files, 5 processes', () => {
    const a = statsOf('named', dataDir).labels['attack']!;
    expect(a).toMatchObject({ files: 2, traces: 5, intrusions: 2 });
  });
});
