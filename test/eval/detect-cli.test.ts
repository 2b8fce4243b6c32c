// `stidebench detect` through the compiled CLI, checked against an independent naive Stide (a Set of
// comma-joined syscall names per window), and its bad-input behaviour.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readTraceFile } from '../../src/traces/readers/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const T = join(ROOT, 'datasets', 'toy-server', 'traces');
const train = [join(T, 'normal', 'normal-10-1.strace'), join(T, 'normal', 'normal-200-2.strace')];
const test = [join(T, 'attack', 'malicious-shell-1.strace'), join(T, 'attack', 'malicious-local-copy-1.strace'), join(T, 'normal', 'benign-kill-1.strace')];

function names(file: string, label: 'normal' | 'attack') {
  const r = readTraceFile('strace', file, { dataset: 'x', source: file, label, program: 'p', family: null, intrusion: null });
  return r.traces.map((t) => ({ pid: t.pid, calls: Array.from(t.calls, (n) => t.table.name(n)) }));
}

describe('stidebench detect', () => {
  it('per-trace numbers equal an independent naive Stide', () => {
    for (const k of [3, 6, 10]) {
      const out = spawnSync('node', [CLI, 'detect', '--train', ...train, '--test', ...test, '-k', String(k), '--frame', '20', '--threshold', '4', '--json'], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const res = JSON.parse(out.stdout);
      const db = new Set<string>();
      for (const f of train) for (const t of names(f, 'normal')) for (let i = 0; i + k <= t.calls.length; i++) db.add(t.calls.slice(i, i + k).join(','));
      expect(res.dbSize).toBe(db.size);
      const expected = test.flatMap((f) => names(f, f.includes('/attack/') ? 'attack' : 'normal').map((t) => {
        const sig: number[] = [];
        for (let i = 0; i + k <= t.calls.length; i++) sig.push(db.has(t.calls.slice(i, i + k).join(',')) ? 0 : 1);
        let maxLfc = 0;
        let first: number | null = null;
        for (let i = 0; i < sig.length; i++) {
          let lfc = 0;
          for (let j = Math.max(0, i - 19); j <= i; j++) lfc += sig[j]!;
          maxLfc = Math.max(maxLfc, lfc);
          if (lfc >= 4 && first === null) first = i;
        }
        const mm = sig.reduce((a, b) => a + b, 0);
        return { source: f, pid: t.pid, length: t.calls.length, windows: sig.length, mismatches: mm, maxLfc, alarmed: maxLfc >= 4, firstAlarmWindow: first };
      }));
      expect(res.traces.map((r: Record<string, unknown>) => ({ source: r.source, pid: r.pid, length: r.length, windows: r.windows, mismatches: r.mismatches, maxLfc: r.maxLfc, alarmed: r.alarmed, firstAlarmWindow: r.firstAlarmWindow }))).toEqual(expected);
    }
  });

  it('t-stide, lookahead pairs and Hamming: per-trace mismatches equal independent naive versions', () => {
    const k = 4;
    const normal = train.flatMap((f) => names(f, 'normal'));
    const windows = (c: string[]): string[][] => Array.from({ length: Math.max(0, c.length - k + 1) }, (_, i) => c.slice(i, i + k));
    const counts = new Map<string, number>();
    let total = 0;
    for (const t of normal) for (const w of windows(t.calls)) {
      counts.set(w.join(','), (counts.get(w.join(',')) ?? 0) + 1);
      total++;
    }
    const pairs = new Set<string>();
    for (const t of normal) for (let i = 0; i < t.calls.length; i++) for (let d = 1; d < k && i + d < t.calls.length; d++) pairs.add(`${t.calls[i]}|${d}|${t.calls[i + d]}`);
    const db = [...counts.keys()].map((w) => w.split(','));
    const naive: Record<string, (w: string[]) => number> = {
      tstide: (w) => ((counts.get(w.join(',')) ?? 0) / total < 0.01 ? 1 : 0),
      lookahead: (w) => (w.slice(1).some((x, j) => !pairs.has(`${w[0]}|${j + 1}|${x}`)) ? 1 : 0),
      hamming: (w) => (Math.min(...db.map((n) => n.filter((c, j) => c !== w[j]).length)) >= 2 ? 1 : 0),
    };
    const params: Record<string, string[]> = { tstide: ['--param', 'rareFraction=0.01'], lookahead: [], hamming: ['--param', 'minDistance=2'] };
    for (const kind of ['tstide', 'lookahead', 'hamming']) {
      const out = spawnSync('node', [CLI, 'detect', '--train', ...train, '--test', ...test, '-k', String(k), '--detector', kind, '--scope', 'shared', ...params[kind]!, '--json'], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(0);
      const res = JSON.parse(out.stdout);
      const expected = test.flatMap((f) => names(f, 'normal').map((t) => windows(t.calls).reduce((n, w) => n + naive[kind]!(w), 0)));
      expect(res.traces.map((r: { mismatches: number }) => r.mismatches), kind).toEqual(expected);
      expect(expected.some((m) => m > 0)).toBe(true);
    }
  });

  it('fails with one line and exit 1 on bad input', () => {
    const cases: [string[], RegExp][] = [
      [['--train', '/nonexistent/x', '--test', test[0]!], /\/nonexistent\/x: no such file or folder/],
      [['--train', join(ROOT, 'test', 'fixtures', 'traces', 'unm', 'big.int.gz'), '--test', join(ROOT, 'package.json'), '--test-label', 'attack', '--format', 'unm'], /package\.json:1: .*expected/],
      [['--train', ...train, '--test', test[0]!, '--detector', 'nosuch'], /unknown detector kind "nosuch"; expected stide\|xenids\|tstide\|lookahead\|hamming/],
      [['--train', ...train, '--test', test[0]!, '--detector', 'hamming', '--param', 'minDistance=9'], /minDistance = 9; expected an integer in 1\.\.k = 1\.\.6/],
      [['--train', ...train, '--test', test[0]!, '--detector', 'xenids', '--scope', 'per-program'], /xenids does not support scope per-program/],
      [['--train', join(T, 'attack'), '--test', test[0]!], /no normal training traces found/],
    ];
    for (const [args, re] of cases) {
      const out = spawnSync('node', [CLI, 'detect', ...args], { encoding: 'utf8' });
      expect(out.status).toBe(1);
      expect(out.stderr).toMatch(re);
      expect(out.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('usage errors (option values) exit 2 with the message and a hint', () => {
    const cases: [string[], RegExp][] = [
      [['--train', ...train, '--test', test[0]!, '-k', '0'], /option -k is out of range .*an integer from 1 to 64/],
      [['--train', ...train, '--test', test[0]!, '--k', 'x'], /option -k must be a decimal integer/],
      [['--train', ...train, '--test', test[0]!, '--ratio', '1.5'], /option --ratio is out of range .*\[0, 1\)/],
      [['--train', ...train, '--test', test[0]!, '--threshold', '3', '--ratio', '0.1'], /give --threshold or --ratio, not both/],
      [['--train', ...train], /required option '--test <paths...>' not specified/],
    ];
    for (const [args, re] of cases) {
      const out = spawnSync('node', [CLI, 'detect', ...args], { encoding: 'utf8' });
      expect(out.status, out.stderr).toBe(2);
      expect(out.stderr).toMatch(re);
      expect(out.stderr).not.toMatch(/at .*\.js:\d+/);
    }
  });

  it('ends with a summary line: traces, alarms, DR and FPR with Wilson intervals when labelled', () => {
    const out = spawnSync('node', [CLI, 'detect', '--train', ...train, '--test', ...test, '--test-label', 'attack'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const json = JSON.parse(spawnSync('node', [CLI, 'detect', '--train', ...train, '--test', ...test, '--test-label', 'attack', '--json'], { encoding: 'utf8' }).stdout);
    const traces = json.traces as { alarmed: boolean; label: string }[];
    const n = traces.length;
    const alarmed = traces.filter((t) => t.alarmed).length;
    const attack = traces.filter((t) => t.label === 'attack');
    const normal = traces.filter((t) => t.label === 'normal');
    expect(attack.length).toBeGreaterThan(0);
    const hit = attack.filter((t) => t.alarmed).length;
    expect(json.summary).toMatchObject({ traces: n, alarmed, attack: attack.length, normal: normal.length });
    expect(json.summary.detection).toMatchObject({ detected: hit, of: attack.length });
    if (normal.length > 0) expect(json.summary.falsePositives).toMatchObject({ alarmed: normal.filter((t) => t.alarmed).length, of: normal.length });
    const last = out.stdout.trim().split('\n').at(-1)!;
    expect(last).toMatch(new RegExp(`^summary: ${n} traces \\(${normal.length} normal, ${attack.length} attack.*\\), ${alarmed} alarmed; DR ${hit}/${attack.length} \\d+\\.\\d% \\[\\d+\\.\\d%, \\d+\\.\\d%\\]`));
  });
});
