// Crash safety of `stidebench run`: SIGKILL at seeded random moments (>= 20 times) must leave results/
// holding a complete result (the previous one or the new one, after the recovery every run does first),
// never a half-written or missing one; a killed run's lock is taken over; and the final rerun from the
// cache is byte-identical to a --no-cache run. Also: an interrupted folder swap is undone, a second run
// of the same experiment is refused while the first holds the lock, and a damaged cache cell is reported
// and recomputed.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recoverResultDir } from '../../src/report/write.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const EXP = `name: crash-small
description: tiny experiment for the crash-safety test
datasets:
  - name: sample
    split: { seed: 1, train: { fraction: 0.5 } }
detectors:
  - { kind: stide, scope: shared }
  - { kind: xenids }
k: [3, 6]
frames: [20]
thresholds:
  count: { from: 1, to: 6 }
analysis: { bootstrap: 50, plots: false, convergence: false }
`;

let dir: string;
let exp: string;
let baseline: Buffer;
let baselineFiles: string[];

function run(args: string[]): { status: number | null; stderr: string; ms: number } {
  const t0 = performance.now();
  const r = spawnSync('node', [CLI, 'run', exp, '-q', '-j', '1', ...args], { cwd: dir, encoding: 'utf8' });
  return { status: r.status, stderr: r.stderr, ms: performance.now() - t0 };
}

/** Mulberry32: the seeded kill delays. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectComplete(out: string): void {
  const res = join(out, 'crash-small');
  recoverResultDir(res); // what the next run does first
  expect(existsSync(res), 'results folder present').toBe(true);
  expect(readdirSync(res).sort()).toEqual(baselineFiles);
  expect(readFileSync(join(res, 'metrics.json')).equals(baseline)).toBe(true);
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'stidebench-crash-'));
  exp = join(dir, 'small.yaml');
  writeFileSync(exp, EXP);
  const r = run(['--out', 'base', '--no-cache']);
  expect(r.status, r.stderr).toBe(0);
  baseline = readFileSync(join(dir, 'base', 'crash-small', 'metrics.json'));
  baselineFiles = readdirSync(join(dir, 'base', 'crash-small')).sort();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('crash safety of run', () => {
  it('SIGKILL at 20 seeded moments never loses the results; the cached rerun equals --no-cache', async () => {
    const out = 'results';
    const first = run(['--out', out, '--cache-dir', 'cache']);
    expect(first.status, first.stderr).toBe(0);
    const span = Math.max(300, first.ms * 1.2);
    const next = rng(14);
    let killedBeforeEnd = 0;
    for (let i = 0; i < 20; i++) {
      // Half the runs start from an empty cache, so kills also land while cells are computed and cached.
      if (i % 2 === 0) rmSync(join(dir, 'cache'), { recursive: true, force: true });
      const delay = Math.floor(next() * span);
      const child = spawn('node', [CLI, 'run', exp, '-q', '-j', '1', '--out', out, '--cache-dir', 'cache'], { cwd: dir, stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
      clearTimeout(timer);
      if (code !== 0) killedBeforeEnd++;
      expectComplete(join(dir, out));
    }
    expect(killedBeforeEnd).toBeGreaterThanOrEqual(5); // the kills did land mid-run
    const cached = run(['--out', out, '--cache-dir', 'cache']);
    expect(cached.status, cached.stderr).toBe(0);
    expect(readFileSync(join(dir, out, 'crash-small', 'metrics.json')).equals(baseline)).toBe(true);
    expect(readdirSync(join(dir, out)).filter((n) => n.startsWith('.'))).toEqual([]);
  }, 600_000);

  it('an interrupted swap is undone: the previous result comes back, leftovers go', () => {
    const out = join(dir, 'swap');
    expect(run(['--out', 'swap', '--no-cache']).status).toBe(0);
    // The state SIGKILL leaves between the two renames: the old result moved aside, the new one in tmp.
    renameSync(join(out, 'crash-small'), join(out, '.crash-small.old-99999'));
    mkdirSync(join(out, '.crash-small.tmp-99999'));
    writeFileSync(join(out, '.crash-small.tmp-99999', 'metrics.json'), 'partial');
    const r = run(['--out', 'swap', '--no-cache']);
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(out, 'crash-small', 'metrics.json')).equals(baseline)).toBe(true);
    expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]);
  });

  it('a second run of the same experiment is refused while a live process holds the lock', () => {
    const out = join(dir, 'locked');
    mkdirSync(out, { recursive: true });
    // The lock of a live process (this test's own pid): refused with one line.
    writeFileSync(join(out, '.crash-small.lock'), `${process.pid}\n`);
    const r = run(['--out', 'locked', '--no-cache']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(new RegExp(`another stidebench run \\(pid ${process.pid}\\) is writing`));
    // A lock whose process is gone is taken over.
    writeFileSync(join(out, '.crash-small.lock'), '2147483646\n');
    const r2 = run(['--out', 'locked', '--no-cache']);
    expect(r2.status, r2.stderr).toBe(0);
    expect(existsSync(join(out, '.crash-small.lock'))).toBe(false);
  });

  it('a flipped bit in a cache cell is reported and recomputed, metrics unchanged', () => {
    const r = run(['--out', 'flip', '--cache-dir', 'flipcache']);
    expect(r.status, r.stderr).toBe(0);
    const cells: string[] = [];
    const walk = (d: string): void => {
      for (const n of readdirSync(d, { withFileTypes: true })) {
        if (n.isDirectory()) walk(join(d, n.name));
        else if (n.name.endsWith('.cell')) cells.push(join(d, n.name));
      }
    };
    walk(join(dir, 'flipcache'));
    expect(cells.length).toBe(4);
    const b = readFileSync(cells[0]!);
    b[b.length - 10] = (b[b.length - 10] ?? 0) ^ 0x04;
    writeFileSync(cells[0]!, b);
    const r2 = run(['--out', 'flip', '--cache-dir', 'flipcache']);
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stderr).toMatch(/damaged cache cell .*checksum mismatch; recomputed/);
    expect(readFileSync(join(dir, 'flip', 'crash-small', 'metrics.json')).equals(baseline)).toBe(true);
  });
});
