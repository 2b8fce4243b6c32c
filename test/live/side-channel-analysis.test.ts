// The side-channel study's conclusion is computed from its statistics (issue 12 item 8, issue 13 item 4):
// the same analysis (scripts/timing-analyze.ts) on synthetic raw runs says "observable" for a condition
// whose getpid latencies are shifted and "not observable" when they are drawn like the untraced ones.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'stidebench-side-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Deterministic pseudo-random latencies around `center` ns. */
function latencies(n: number, center: number, seed: number): number[] {
  let a = seed >>> 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out.push(Math.round(center + (a / 2 ** 32) * center * 0.2));
  }
  return out;
}

function writeRun(d: string, name: string, getpid: number, seed: number, tracer = 0): void {
  const rows = ['metric,ns'];
  for (const [m, c] of [['getpid', getpid], ['clock_sys', getpid], ['clock_vdso', 30], ['empty', 20], ['fork_exec', 500_000]] as const) {
    for (const v of latencies(2000, c, seed + c)) rows.push(`${m},${v}`);
  }
  writeFileSync(join(d, `${name}.r1.csv`), rows.join('\n') + '\n');
  writeFileSync(join(d, `${name}.r1.meta`), `pid=1\ntracer_pid=${tracer}\niterations=2000\nsamples=2000\n`);
}

function analyse(kernelGetpid: number): string {
  const d = mkdtempSync(join(dir, 'in-'));
  writeFileSync(join(d, 'machine.txt'), 'kernel=test\ncpus=2\niterations=2000\nsamples=2000\nrounds=1\n');
  writeFileSync(join(d, 'conditions.txt'), ['untraced.r1=ran', 'strace.r1=ran', 'kernel.r1=ran', 'untraced-2.r1=ran'].join('\n') + '\n');
  writeRun(d, 'untraced', 300, 1);
  writeRun(d, 'untraced-2', 300, 2);
  writeRun(d, 'strace', 9000, 3, 4242);
  writeRun(d, 'kernel', kernelGetpid, 4);
  const out = join(d, 'out');
  const r = spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [join(ROOT, 'scripts/timing-analyze.ts'), '--in', d, '--out', out], { encoding: 'utf8', cwd: ROOT });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(join(out, 'summary.md'), 'utf8');
}

describe('side-channel conclusion', () => {
  it('follows the data: a shifted getpid is observable, an unshifted one is not', () => {
    const same = analyse(300);
    expect(same).toMatch(/Conclusion \(computed\): observable to this probe: strace; not observable .*: kernel\./);
    const slower = analyse(450);
    expect(slower).toMatch(/Conclusion \(computed\): observable to this probe: strace, kernel; not observable .*: none\./);
    expect(slower).toMatch(/\*\*kernel\*\* vs untraced: TracerPid 0 in 1\/1 rounds; .*slower.*distinguishable/);
  }, 60_000);
});
