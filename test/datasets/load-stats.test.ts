// Loading a dataset through its manifest rules (labels, families, programs, hosts, intrusion groups,
// excluded and non-matching files, subsets, sidecars) and the statistics computed from it.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { labelFile, loadDataset } from '../../src/datasets/load.js';
import { getDataset } from '../../src/datasets/registry.js';
import { computeStats } from '../../src/datasets/stats.js';
import { formatStats } from '../../src/cli/datasets.js';
import { traceId } from '../../src/traces/trace.js';
import { copyFixtureData, FIXTURE_DATA, FIXTURE_REGISTRY, removeDir, tempDir } from './helpers.js';

const mini = getDataset('mini-unm', FIXTURE_REGISTRY);
const embedded = getDataset('mini-embedded', FIXTURE_REGISTRY);

describe('loadDataset', () => {
  const loaded = loadDataset(mini, FIXTURE_DATA);

  it('reads matching files in sorted order and skips excluded and unmatched ones', () => {
    expect(loaded.files).toBe(5);
    expect(loaded.traces.map(traceId)).toEqual([
      'abnormal/atk-1/x.int#40',
      'abnormal/atk-1/y.int#41',
      'abnormal/fam-z.int#50',
      'normal/a.int#10',
      'normal/a.int#11',
      'normal/b.int#20',
      'normal/b.int#21',
    ]);
    expect(loaded.traces.some((t) => t.source.includes('dup'))).toBe(false);
  });

  it('applies labels, $N families, programs, hosts and intrusion groups', () => {
    const by = (id: string) => loaded.traces.find((t) => traceId(t) === id)!;
    expect(by('abnormal/atk-1/x.int#40')).toMatchObject({
      dataset: 'mini-unm',
      label: 'attack',
      family: 'atk-family',
      intrusion: 'abnormal/atk-1',
      program: 'mini',
      host: null,
    });
    expect(by('abnormal/fam-z.int#50')).toMatchObject({ family: 'fam-z', intrusion: 'abnormal/fam-z.int', program: 'prog-z', host: 'host-z' });
    expect(by('normal/a.int#10')).toMatchObject({ label: 'normal', family: null, intrusion: null });
    expect(by('normal/a.int#10').table.name(by('normal/a.int#10').calls[3]!)).toBe('close');
  });

  it('filters by subset, and rejects unknown subsets with the known names', () => {
    const sub = loadDataset(mini, FIXTURE_DATA, { subset: 'first-attack' });
    expect(sub.traces.map(traceId)).toEqual(['abnormal/atk-1/x.int#40', 'abnormal/atk-1/y.int#41']);
    expect(() => loadDataset(mini, FIXTURE_DATA, { subset: 'nope' })).toThrow(
      'dataset "mini-unm" has no subset "nope"; expected one of: attack, first-attack, normal',
    );
  });

  it('says where it looked and how to fetch when the data is missing', () => {
    expect(() => loadDataset(mini, '/nonexistent/data')).toThrow(
      /data for dataset "mini-unm" not found: looked in \/nonexistent\/data\/mini-unm; run `stidebench datasets fetch mini-unm`, or point --data-dir/,
    );
  });

  it('labels unmatched files null', () => {
    expect(labelFile(mini, 'README.txt')).toBeNull();
    expect(labelFile(mini, 'normal/dup.int')).toBeNull();
  });

  it('takes labels, programs and families from sidecars for embedded datasets', () => {
    const r = loadDataset(embedded, '/ignored');
    expect(r.traces.map((t) => [t.source, t.label, t.program, t.family, t.intrusion])).toEqual([
      ['one.int', 'normal', 'ls', null, null],
      ['two.int', 'attack', 'sh', 'shell-spawn', 'two.int'],
    ]);
  });

  describe('with a broken sidecar', () => {
    const dir = tempDir();
    afterAll(() => removeDir(dir));
    it('names the sidecar file', () => {
      writeFileSync(join(dir, 'a.int'), '1 0\n');
      writeFileSync(join(dir, 'a.int.meta.json'), '{"label": "evil"}');
      const m = { ...embedded, root: '.', syscallTable: { kind: 'linux-i386' as const }, manifestPath: join(dir, 'manifest.json') };
      expect(() => loadDataset(m, '/ignored')).toThrow(/a\.int\.meta\.json: invalid label sidecar: field label/);
      writeFileSync(join(dir, 'a.int.meta.json'), '{"label": "normal"}');
      writeFileSync(join(dir, 'b.int'), '1 0\n');
      expect(() => loadDataset(m, '/ignored')).toThrow(/b\.int\.meta\.json: cannot read label sidecar: ENOENT/);
    });
  });
});

describe('computeStats', () => {
  const s = computeStats(mini, loadDataset(mini, FIXTURE_DATA));

  it('counts traces, calls, single-call traces and lengths per label', () => {
    expect(s).toMatchObject({ dataset: 'mini-unm', files: 5, traces: 7, syscalls: 23, alphabet: 6 });
    expect(Object.keys(s.labels)).toEqual(['normal', 'attack']);
    expect(s.labels['normal']).toEqual({
      files: 2,
      traces: 4,
      syscalls: 12,
      alphabet: 5,
      empty: 0,
      singleCall: 1,
      multiCall: { traces: 3, syscalls: 11 },
      length: { min: 1, median: 3.5, mean: 3, max: 4 },
      shorterThan: { '2': 1, '3': 1, '4': 2, '5': 4, '6': 4, '8': 4, '10': 4, '15': 4 },
      intrusions: 0,
      distinct: 3,
      redundant: 1,
    });
    expect(s.labels['attack']).toMatchObject({ files: 3, traces: 3, syscalls: 11, alphabet: 5, singleCall: 0, intrusions: 2, distinct: 3 });
    expect(s.labels['attack']!.length).toEqual({ min: 3, median: 3, mean: 3.7, max: 5 });
  });

  it('reports subsets (sorted) and families', () => {
    expect(Object.keys(s.subsets)).toEqual(['attack', 'first-attack', 'normal']);
    expect(s.subsets['first-attack']).toMatchObject({ traces: 2, syscalls: 6, intrusions: 1 });
    expect(s.families).toEqual({
      'atk-family': { traces: 2, syscalls: 6, intrusions: 1 },
      'fam-z': { traces: 1, syscalls: 5, intrusions: 1 },
    });
  });

  it('finds duplicate sequences within and across labels', () => {
    expect(s.duplicates).toEqual({ distinct: 5, redundant: 2, sharedAcrossLabels: 1, attackEqualToNormal: 1 });
  });

  it('is deterministic and JSON-stable', () => {
    const again = computeStats(mini, loadDataset(mini, FIXTURE_DATA));
    expect(JSON.stringify(again)).toBe(JSON.stringify(s));
    expect(Object.keys(s)).toEqual(['dataset', 'title', 'files', 'traces', 'syscalls', 'alphabet', 'labels', 'subsets', 'families', 'duplicates', 'warnings']);
  });

  it('formats aligned tables', () => {
    const text = formatStats(s);
    expect(text).toContain('mini-unm: Tiny UNM-format fixture');
    const lines = text.split('\n');
    const header = lines.find((l) => l.startsWith('group   files'))!;
    const normal = lines.find((l) => l.startsWith('normal '))!;
    expect(normal.length).toBe(header.length);
    expect(text).toContain('label:normal');
    expect(text).toMatch(/1 attack trace\(s\) equal a normal trace/);
  });

  describe('with an empty trace file', () => {
    const dir = copyFixtureData();
    afterAll(() => removeDir(dir));
    it('passes the reader warning through', () => {
      writeFileSync(join(dir, 'mini-unm', 'normal', 'empty.int'), '');
      const r = loadDataset(mini, dir);
      expect(r.files).toBe(6);
      expect(r.warnings.length).toBe(1);
      expect(r.warnings[0]).toContain('empty.int');
      expect(computeStats(mini, r).warnings).toEqual(r.warnings);
    });
  });
});
