// Real data (STIDEBENCH_DATA): every manifest verifies, and the smaller sets reproduce their SOURCE.md
// counts (UNM lpr-mit, lpr-unm, login, ps, inetd; UNM synthetic sendmail; ADFA-LD).

import { expect, it } from 'vitest';
import { listDatasets } from '../../src/datasets/registry.js';
import { verifyDataset } from '../../src/datasets/verify.js';
import { realData } from './helpers.js';
import { statsOf, UNM_EXPECTED } from './real-expected.js';

const real = realData();
const dataDir = real.dir ?? '';

// Manifests that record no per-file checksums (LID-DS: fetched and checksummed by `datasets fetch`) are
// not part of the shared data and have nothing to verify here.
real.describe('real data: verify', () => {
  it.each(listDatasets().filter((m) => Object.keys(m.files).length > 0).map((m) => [m.name, m] as const))('%s matches its manifest', (_name, m) => {
    const r = verifyDataset(m, dataDir);
    expect({ missing: r.missing, mismatched: r.mismatched }).toEqual({ missing: [], mismatched: [] });
    expect(r.ok).toBe(true);
    expect(r.checked).toBe(Object.keys(m.files).length);
  });
});

real.describe('real data: UNM counts (small programs)', () => {
  it.each(['lpr-mit', 'lpr-unm', 'login', 'ps', 'inetd'])('%s', (name) => {
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
      expect(g.multiCall).toEqual({ traces: w.traces - w.singleCall, syscalls: w.syscalls - w.singleCall });
    }
    expect(s.subsets['normal']!.traces).toBe(want.normal.traces);
    expect(s.subsets['abnormal']!.traces).toBe(want.attack.traces);
  });

  it('login: 24 normal pids of which 12 are 1-call, so 12 traces / 8,894 calls beyond them (Warrender 1999)', () => {
    const n = statsOf('login', dataDir).labels['normal']!;
    expect(n.singleCall).toBe(12);
    expect(n.multiCall).toEqual({ traces: 12, syscalls: 8_894 });
    expect(n.shorterThan['6']).toBe(12);
    const a = statsOf('login', dataDir).labels['attack']!;
    expect(a.multiCall).toEqual({ traces: 9, syscalls: 4_853 });
  });

  it('lpr-mit: the empty file gives a warning and no trace; the attack is one intrusion', () => {
    const s = statsOf('lpr-mit', dataDir);
    expect(s.warnings).toHaveLength(1);
    expect(s.warnings[0]).toContain('857428790-sma-03Mar1997-171345-1212.log.int.gz');
    expect(s.labels['normal']!.files).toBe(2703);
    expect(s.labels['attack']!.intrusions).toBe(1);
    expect(s.families).toEqual({ lprcp: { traces: 1001, syscalls: 169_252, intrusions: 1 } });
  });

  it('login and ps intrusions are the homegrown and recovered trojans', () => {
    expect(Object.keys(statsOf('login', dataDir).families)).toEqual(['trojan-homegrown', 'trojan-recovered']);
    expect(statsOf('ps', dataDir).labels['attack']!.intrusions).toBe(2);
  });
});

real.describe('real data: UNM synthetic sendmail', () => {
  it('excludes plus.int: 173 normal traces / 130,001 calls; 25 intrusion traces / 6,755 calls in 10 files', () => {
    const s = statsOf('unm-sendmail', dataDir);
    expect(s.labels['normal']).toMatchObject({ files: 5, traces: 173, syscalls: 130_001, alphabet: 53 });
    expect(s.labels['attack']).toMatchObject({ files: 10, traces: 25, syscalls: 6_755, alphabet: 50, intrusions: 10 });
    expect(s.families).toEqual({
      decode: { traces: 12, syscalls: 1_534 + 1_533, intrusions: 2 },
      'forwarding-loop': { traces: 10, syscalls: 634 + 489 + 557 + 635 + 254, intrusions: 5 },
      sunsendmailcp: { traces: 3, syscalls: 3 * 373, intrusions: 3 },
    });
  });
});

real.describe('real data: ADFA-LD', () => {
  it('reproduces the split, per-type and duplicate counts', () => {
    const s = statsOf('adfa-ld', dataDir);
    expect(s.files).toBe(5_951);
    expect(s.subsets['training']).toMatchObject({ traces: 833, syscalls: 308_077, alphabet: 150, length: { min: 79, median: 201, mean: 369.8, max: 2_948 } });
    expect(s.subsets['validation']).toMatchObject({ traces: 4_372, syscalls: 2_122_085, alphabet: 169, length: { min: 77, median: 343, mean: 485.4, max: 4_494 } });
    expect(s.labels['attack']).toMatchObject({ traces: 746, syscalls: 317_388, alphabet: 90, intrusions: 60, length: { min: 75, median: 290, mean: 425.5, max: 2_712 } });
    expect(s.alphabet).toBe(175);
    expect(Object.fromEntries(Object.entries(s.families).map(([k, f]) => [k, [f.intrusions, f.traces, f.syscalls]]))).toEqual({
      Adduser: [10, 91, 41_933],
      Hydra_FTP: [10, 162, 50_733],
      Hydra_SSH: [10, 176, 72_359],
      Java_Meterpreter: [10, 124, 59_503],
      Meterpreter: [10, 75, 34_937],
      Web_Shell: [10, 118, 57_923],
    });
    expect(s.duplicates.distinct).toBe(3_852);
    expect(s.labels['normal']!.redundant).toBe(2_083);
    expect(s.duplicates.attackEqualToNormal).toBe(6);
  });
});
