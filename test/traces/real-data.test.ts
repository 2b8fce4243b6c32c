// Tests the readers on the real datasets against the counts in each SOURCE.md (and Warrender et al.
// 1999 / Creech & Hu 2013). Data: $STIDEBENCH_DATA, else <repo>/data. Missing data skips the suite with
// a warning, except under CI (CI=true), where it fails.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readTraceFile } from '../../src/traces/readers/index.js';
import type { FileMeta, TraceFormat } from '../../src/traces/readers/types.js';
import type { RawTrace } from '../../src/traces/trace.js';

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DATA = process.env.STIDEBENCH_DATA ?? join(REPO, 'data');
const HAVE_DATA = existsSync(join(DATA, 'UNM')) && existsSync(join(DATA, 'ADFA-LD'));
const IN_CI = process.env.CI === 'true';

if (!HAVE_DATA && !IN_CI) {
  console.warn(
    `[real-data] SKIPPED: no datasets at ${DATA} (looked for UNM/ and ADFA-LD/). ` +
      'Set STIDEBENCH_DATA=../shared/datasets or run `stidebench datasets fetch`.',
  );
}

/** Files under dir (recursively), sorted, whose name matches re. */
function files(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (re.test(name)) out.push(p);
    }
  };
  walk(dir);
  return out;
}

interface Totals {
  files: number;
  traces: number;
  calls: number;
  warnings: string[];
  all: RawTrace[];
}

function readAll(format: TraceFormat, dir: string, re: RegExp, over: Partial<FileMeta> = {}, keep = false): Totals {
  const t: Totals = { files: 0, traces: 0, calls: 0, warnings: [], all: [] };
  for (const f of files(dir, re)) {
    const meta: FileMeta = {
      dataset: 'real',
      source: relative(DATA, f),
      label: 'normal',
      program: 'unknown',
      family: null,
      intrusion: null,
      ...over,
    };
    const r = readTraceFile(format, f, meta);
    t.files++;
    t.traces += r.traces.length;
    for (const tr of r.traces) t.calls += tr.calls.length;
    t.warnings.push(...r.warnings);
    if (keep) t.all.push(...r.traces);
  }
  return t;
}

describe.skipIf(!HAVE_DATA && !IN_CI)('real datasets', () => {
  it(`data directory exists (${DATA})`, () => {
    expect(HAVE_DATA, `no datasets at ${DATA}; set STIDEBENCH_DATA=../shared/datasets or run \`stidebench datasets fetch\``).toBe(true);
  });

  describe('UNM', () => {
    const unm = (p: string) => join(DATA, 'UNM', p);

    it('lpr_mit normal: 2,704 files, 1 empty (warning), 2,703 traces, 2,926,304 calls', () => {
      const t = readAll('unm', unm('lpr_mit/normal'), /\.int(\.gz)?$/, { program: 'lpr' });
      expect(t.files).toBe(2704);
      expect(t.traces).toBe(2703);
      expect(t.calls).toBe(2_926_304);
      expect(t.warnings).toHaveLength(1);
      expect(t.warnings[0]).toContain('857428790-sma-03Mar1997-171345-1212.log.int.gz');
    });

    it('lpr_mit abnormal: 1,001 traces, 169,252 calls, numbered by the calls.txt.sun beside them', () => {
      const t = readAll('unm', unm('lpr_mit/abnormal'), /\.int(\.gz)?$/, { label: 'attack' }, true);
      expect(t.traces).toBe(1001);
      expect(t.calls).toBe(169_252);
      expect(t.all[0]!.table.id).toBe('unm:calls.txt.sun');
      expect(t.all.every((x) => x.label === 'attack' && x.pid !== null)).toBe(true);
    });

    it('named normal: 1 file, 27 interleaved pids, 9,230,572 calls', () => {
      const t = readAll('unm', unm('named/normal'), /\.int(\.gz)?$/, {}, true);
      expect(t.files).toBe(1);
      expect(t.traces).toBe(27);
      expect(t.calls).toBe(9_230_572);
      const lens = t.all.map((x) => x.calls.length);
      expect(Math.min(...lens)).toBe(26);
      expect(Math.max(...lens)).toBe(9_186_092);
      expect(new Set(t.all.map((x) => x.pid)).size).toBe(27);
      expect(t.all[0]!.table.id).toBe('unm:calls.txt.linux42');
    });

    it('stide normal (TAB-separated, extra blank line): first 500 files read cleanly', () => {
      const some = files(unm('stide/normal'), /\.int(\.gz)?$/).slice(0, 500);
      for (const f of some) {
        const r = readTraceFile('unm', f, { dataset: 'real', source: basename(f), label: 'normal', program: 'stide', family: null, intrusion: null });
        expect(r.traces).toHaveLength(1);
        expect(r.traces[0]!.calls.length).toBeGreaterThanOrEqual(108);
      }
    });
  });

  describe('UNM synthetic sendmail', () => {
    const sm = (p: string) => join(DATA, 'UNM-synthetic-sendmail', p);
    const perFile = (dir: string) => {
      const m = new Map<string, [number, number]>();
      for (const f of files(sm(dir), /\.int$/)) {
        const r = readTraceFile('unm', f, { dataset: 'sm', source: basename(f), label: 'normal', program: 'sendmail', family: null, intrusion: null });
        m.set(basename(f), [r.traces.length, r.traces.reduce((a, x) => a + x.calls.length, 0)]);
      }
      return m;
    };

    it('normal: 6 files, 199 traces, 228,181 calls (per-file counts of SOURCE.md)', () => {
      const m = perFile('normal');
      expect(Object.fromEntries(m)).toEqual({
        'bounce.int': [4, 818],
        'bounce-1.int': [3, 293],
        'bounce-2.int': [7, 739],
        'queue.int': [12, 96_330],
        'plus.int': [26, 98_180],
        'sendmail.log.int': [147, 31_821],
      });
      const tot = [...m.values()].reduce((a, [t, c]) => [a[0] + t, a[1] + c], [0, 0]);
      expect(tot).toEqual([199, 228_181]);
    });

    it('abnormal: 10 files, 25 traces, 6,755 calls', () => {
      const m = perFile('abnormal');
      expect(m.get('sm-280.int')).toEqual([6, 1534]);
      expect(m.get('sm-314.int')).toEqual([6, 1533]);
      for (const f of ['sm-10763.int', 'sm-10801.int', 'sm-10814.int']) expect(m.get(f)).toEqual([1, 373]);
      expect([1, 2, 3, 4, 5].map((i) => m.get(`fwd-loops-${i}.int`))).toEqual([
        [2, 634],
        [1, 489],
        [2, 557],
        [2, 635],
        [3, 254],
      ]);
      const tot = [...m.values()].reduce((a, [t, c]) => [a[0] + t, a[1] + c], [0, 0]);
      expect(m.size).toBe(10);
      expect(tot).toEqual([25, 6_755]);
    });
  });

  describe('ADFA-LD', () => {
    const adfa = (p: string) => join(DATA, 'ADFA-LD', p);

    it('training: 833 traces, 308,077 calls, linux-i386, pid null', () => {
      const t = readAll('adfa', adfa('Training_Data_Master'), /\.txt$/, {}, true);
      expect([t.files, t.traces, t.calls]).toEqual([833, 833, 308_077]);
      expect(t.warnings).toEqual([]);
      expect(t.all.every((x) => x.pid === null && x.table.id === 'linux-i386')).toBe(true);
      const lens = t.all.map((x) => x.calls.length);
      expect([Math.min(...lens), Math.max(...lens)]).toEqual([79, 2948]);
    });

    it('validation: 4,372 traces, 2,122,085 calls', () => {
      const t = readAll('adfa', adfa('Validation_Data_Master'), /\.txt$/);
      expect([t.traces, t.calls]).toEqual([4372, 2_122_085]);
    });

    it('attack: 746 traces, 317,388 calls; per type as in SOURCE.md', () => {
      const byType = new Map<string, [number, number]>();
      for (const f of files(adfa('Attack_Data_Master'), /\.txt$/)) {
        const folder = basename(dirname(f));
        const type = folder.replace(/_\d+$/, '');
        const r = readTraceFile('adfa', f, { dataset: 'adfa', source: relative(DATA, f), label: 'attack', program: 'unknown', family: type, intrusion: folder });
        const [n, c] = byType.get(type) ?? [0, 0];
        byType.set(type, [n + r.traces.length, c + r.traces[0]!.calls.length]);
      }
      expect(Object.fromEntries(byType)).toEqual({
        Adduser: [91, 41_933],
        Hydra_FTP: [162, 50_733],
        Hydra_SSH: [176, 72_359],
        Java_Meterpreter: [124, 59_503],
        Meterpreter: [75, 34_937],
        Web_Shell: [118, 57_923],
      });
      const tot = [...byType.values()].reduce((a, [t, c]) => [a[0] + t, a[1] + c], [0, 0]);
      expect(tot).toEqual([746, 317_388]);
    });

    it('every syscall number in ADFA-LD has a real i386 name', () => {
      const t = readAll('adfa', adfa('Attack_Data_Master'), /\.txt$/, {}, true);
      const unnamed = new Set<number>();
      for (const x of t.all) for (const c of x.calls) if (x.table.name(c).startsWith('linux-i386#')) unnamed.add(c);
      expect([...unnamed]).toEqual([]);
    });
  });
});
