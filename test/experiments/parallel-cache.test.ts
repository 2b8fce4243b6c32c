// Parallel runs, the scored-cell cache and interrupted runs, through the compiled CLI (worker threads
// load the compiled modules).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-par-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const EXP = `
name: par
datasets:
  - name: sample
    split: { seed: 2, train: { fraction: 0.5, unit: file }, calibrate: { fraction: 0.5, unit: file }, minLength: 2 }
  - name: toy-server
    split: { seed: 1, train: { subset: train }, minLength: 2 }
detectors:
  - { kind: stide, scope: per-program }
  - { kind: stide, scope: shared }
  - { kind: xenids }
k: [2, 3, 4, 6]
frames: [10, 20]
thresholds: { count: { from: 1, to: 8 } }
analysis: { targetFpr: [0.05], bootstrap: 100, plots: false, convergence: true }
`;

function run(args: string[], file: string) {
  return spawnSync('node', [CLI, 'run', file, ...args], { encoding: 'utf8', cwd: tmp, env: { ...process.env, STIDEBENCH_CACHE: join(tmp, 'cache') } });
}

describe('parallel and cached runs', () => {
  const file = join(tmp, 'par.yaml');
  writeFileSync(file, EXP);

  it('--jobs 1 and --jobs 2 give byte-identical metrics', () => {
    const a = run(['--jobs', '1', '--no-cache', '--out', join(tmp, 'j1'), '-q'], file);
    const b = run(['--jobs', '2', '--no-cache', '--out', join(tmp, 'j2'), '-q'], file);
    expect(a.status, a.stderr).toBe(0);
    expect(b.status, b.stderr).toBe(0);
    const ja = readFileSync(join(tmp, 'j1', 'par', 'metrics.json'));
    expect(ja.length).toBeGreaterThan(1000);
    expect(ja.equals(readFileSync(join(tmp, 'j2', 'par', 'metrics.json')))).toBe(true);
    expect(readFileSync(join(tmp, 'j1', 'par', 'metrics.csv'), 'utf8')).toBe(readFileSync(join(tmp, 'j2', 'par', 'metrics.csv'), 'utf8'));
  });

  it('a rerun reuses every cell; changing k computes only the new cells; --no-cache recomputes all', () => {
    rmSync(join(tmp, 'cache'), { recursive: true, force: true });
    const first = run(['--jobs', '2', '--out', join(tmp, 'c')], file);
    expect(first.stderr).toMatch(/cache: 0 cells reused, 24 computed/);
    const second = run(['--jobs', '2', '--out', join(tmp, 'c2')], file);
    expect(second.stderr).toMatch(/cache: 24 cells reused, 0 computed/);
    expect(readFileSync(join(tmp, 'c', 'par', 'metrics.json')).equals(readFileSync(join(tmp, 'c2', 'par', 'metrics.json')))).toBe(true);
    const f2 = join(tmp, 'par2.yaml');
    writeFileSync(f2, EXP.replace('k: [2, 3, 4, 6]', 'k: [2, 3, 4, 6, 7]'));
    const third = run(['--jobs', '1', '--out', join(tmp, 'c3')], f2);
    expect(third.stderr).toMatch(/cache: 24 cells reused, 6 computed/);
    const none = run(['--jobs', '1', '--no-cache', '--out', join(tmp, 'c4')], file);
    expect(none.stderr).not.toMatch(/cache:/);
  });

  it('Ctrl-C leaves no partial result files, and the rerun resumes from the cache', async () => {
    rmSync(join(tmp, 'cache'), { recursive: true, force: true });
    const out = join(tmp, 'int');
    const child = spawn('node', [CLI, 'run', file, '--jobs', '1', '--out', out], { cwd: tmp, env: { ...process.env, STIDEBENCH_CACHE: join(tmp, 'cache') } });
    let err = '';
    const interrupted = new Promise<number | null>((resolve) => {
      child.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        // Interrupt once a few cells are done.
        if (/\[5\/24\]/.test(err) && !child.killed) child.kill('SIGINT');
      });
      child.on('exit', (code) => resolve(code));
    });
    const code = await interrupted;
    expect(code).toBe(130);
    expect(err).toMatch(/interrupted; no results written/);
    expect(existsSync(join(out, 'par'))).toBe(false);
    if (existsSync(out)) expect(readdirSync(out)).toEqual([]);
    const resumed = run(['--jobs', '1', '--out', out], file);
    expect(resumed.status).toBe(0);
    const m = /cache: (\d+) cells reused, (\d+) computed/.exec(resumed.stderr)!;
    expect(Number(m[1])).toBeGreaterThanOrEqual(4);
    expect(Number(m[1]) + Number(m[2])).toBe(24);
    expect(readdirSync(join(out, 'par')).sort()).toEqual(['index.html', 'metrics.csv', 'metrics.json', 'provenance.json', 'run.json', 'summary.md', 'throughput.md', 'timings.json']);
  });
});
