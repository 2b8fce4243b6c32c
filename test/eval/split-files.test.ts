import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { chronological, parseSplitFile, splitTraces, startTimeFromName } from '../../src/prepare/split.js';
import type { Split } from '../../src/prepare/split-schema.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-split-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const split: Split = { seed: 1, minLength: 0, order: 'file' };
const t = (source: string, label: 'normal' | 'attack' = 'normal', n = 5) => ({
  dataset: 'd', source, pid: null, label, program: 'p', family: label === 'attack' ? 'F' : null, intrusion: null, calls: new Int32Array(n),
});

describe('file-list splits', () => {
  const traces = [t('N/a'), t('N/b'), t('N/c'), t('N/d'), t('A/x', 'attack'), t('A/y', 'attack')];

  it('assigns the listed roles, skips comments, keeps unlisted attacks and counts unlisted normals', () => {
    const list = parseSplitFile('# comment\ntraining\tN/a\ntraining\tN/b\n\ncalibration\tN/c\n', 'x.tsv');
    const s = splitTraces(traces, split, {}, list);
    expect(s.train.map((x) => x.source)).toEqual(['N/a', 'N/b']);
    expect(s.calibrate.map((x) => x.source)).toEqual(['N/c']);
    expect(s.testNormal).toEqual([]);
    expect(s.attack.map((x) => x.source)).toEqual(['A/x', 'A/y']);
    expect(s.unlisted).toBe(1);
    expect(list.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('unlisted normal traces join a set only through its selection (sidsb: train on all of the training subset)', () => {
    const list = parseSplitFile('calibration\tN/c\ntest\tN/d\n', 'x.tsv');
    const s = splitTraces(traces, { ...split, train: { subset: 'tr', ordered: false, unit: 'trace' } }, { tr: /^N\/[ab]$/ }, list);
    expect(s.train.map((x) => x.source)).toEqual(['N/a', 'N/b']);
    expect(s.calibrate.map((x) => x.source)).toEqual(['N/c']);
    expect(s.testNormal.map((x) => x.source)).toEqual(['N/d']);
    expect(s.unlisted).toBe(0);
  });

  it('takes only the listed attack traces when the list names some', () => {
    const s = splitTraces(traces, split, {}, parseSplitFile('training\tN/a\ntest\tN/d\ntest\tA/y\n', 'x.tsv'));
    expect(s.testNormal.map((x) => x.source)).toEqual(['N/d']);
    expect(s.attack.map((x) => x.source)).toEqual(['A/y']);
  });

  it('bad files: one message naming file and line', () => {
    expect(() => parseSplitFile('training\tN/a\nvalidation\tN/b\n', 'bad.tsv')).toThrow(/^bad\.tsv:2: unknown role "validation"; expected training, calibration, test$/);
    expect(() => parseSplitFile('training\tN/a\n# c\ntest\tN/a\n', 'bad.tsv')).toThrow(/^bad\.tsv:3: N\/a is in two roles: training \(line 1\) and test$/);
    expect(() => parseSplitFile('training\tN/a\ntraining\tN/a\n', 'bad.tsv')).toThrow(/^bad\.tsv:2: N\/a is listed twice/);
    expect(() => parseSplitFile('training N/a\n', 'bad.tsv')).toThrow(/^bad\.tsv:1: malformed split line/);
    expect(() => parseSplitFile('# only comments\n', 'bad.tsv')).toThrow(/lists no traces/);
    expect(() => splitTraces(traces, split, {}, parseSplitFile('training\tN/a\ntest\tN/zzz\n', 'bad.tsv'))).toThrow(/^bad\.tsv:2: N\/zzz is not a trace file of the dataset/);
    expect(() => splitTraces(traces, split, {}, parseSplitFile('training\tA/x\n', 'bad.tsv'))).toThrow(/^bad\.tsv:1: A\/x is an attack trace and cannot be used for training/);
  });

  it('the CLI reports a bad split file on one line and exits 1', () => {
    const dir = join(tmp, 'splits');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'bad.tsv'), '# x\ntraining\ttraces/normal/cp-1.strace\ntest\ttraces/normal/no-such.strace\n');
    const exp = join(tmp, 'e.yaml');
    writeFileSync(exp, 'name: e\ndatasets:\n  - name: sample\n    split: { files: bad.tsv }\ndetectors: [{ kind: stide }]\nk: [3]\nframes: [5]\nthresholds: { count: [1] }\n');
    const r = spawnSync(process.execPath, [CLI, 'run', exp, '-q', '-j', '1', '--no-cache', '--out', join(tmp, 'out')], { encoding: 'utf8', env: { ...process.env, STIDEBENCH_SPLITS: dir } });
    expect(r.status).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/bad\.tsv:3: traces\/normal\/no-such\.strace is not a trace file of the dataset/);
  });
});

describe('chronological UNM splits', () => {
  it('reads start times from UNM file names', () => {
    expect(startTimeFromName('normal/856306174-venus-18Feb1997-172840-9323.log.int.gz')).toBe(856306174000);
    expect(startTimeFromName('abnormal/venus-18Feb1997-154606-7173.log.int.gz')).toBe(Date.UTC(1997, 1, 18, 15, 46, 6));
    expect(startTimeFromName('normal/login.trace_9809181415.int.gz')).toBe(Date.UTC(1998, 8, 18, 14, 15));
    expect(startTimeFromName('normal/nonself.cs.unm.edu-07.24.97-xlock-1873.log.int.gz')).toBe(Date.UTC(1997, 6, 24));
    expect(startTimeFromName('normal/allnormal.int.gz')).toBeNull();
  });

  it('trains on the earliest traces', () => {
    const pool = [t('n/856300003-a.int'), t('n/856300001-b.int'), t('n/856300002-c.int'), t('n/856300004-d.int')];
    expect(chronological(pool).map((x) => x.source)).toEqual(['n/856300001-b.int', 'n/856300002-c.int', 'n/856300003-a.int', 'n/856300004-d.int']);
    const s = splitTraces(pool, { ...split, order: 'chronological', train: { count: 2, ordered: false, unit: 'trace' } }, {});
    expect(s.train.map((x) => x.source).sort()).toEqual(['n/856300001-b.int', 'n/856300002-c.int']);
    expect(() => chronological([t('n/plain.int')])).toThrow(/no start time in the file name n\/plain\.int/);
  });
});
