// Distributed runs through a real Redis and real worker processes (the compiled CLI): two workers, one
// killed with SIGKILL while it holds a cell, give metrics.json byte-identical to a local --jobs 1 run; a
// rerun reuses the completed jobs without any worker; a worker whose data differ fails the run with one
// line; an unreachable Redis is one line and exit 1. Needs STIDEBENCH_TEST_REDIS=redis://HOST:PORT
// (.ci/run starts redis-server on 127.0.0.1:6390 and sets it); skipped, and said so, without it.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const REDIS = process.env['STIDEBENCH_TEST_REDIS'];
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-queue-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(tmp, { recursive: true, force: true });
});

if (!REDIS) process.stderr.write('[queue tests SKIPPED] set STIDEBENCH_TEST_REDIS=redis://127.0.0.1:PORT to a running redis-server (.ci/run does)\n');

const EXP = `
name: queued
datasets:
  - name: sample
    split: { seed: 2, train: { fraction: 0.5, unit: file }, calibrate: { fraction: 0.5, unit: file }, minLength: 2 }
  - name: toy-server
    split: { seed: 1, train: { subset: train }, minLength: 2 }
detectors:
  - { kind: stide, scope: shared }
  - { kind: hamming, scope: shared }
  - { kind: xenids }
k: [4, 6]
frames: [10, 20]
thresholds: { count: { from: 1, to: 6 } }
analysis: { targetFpr: [0.05], bootstrap: 50, plots: false }
`;

interface Worker {
  proc: ChildProcess;
  log: string[];
  lines: (pred: (l: string) => boolean, timeoutMs: number) => Promise<string>;
}

function startWorker(queue: string, env: NodeJS.ProcessEnv = process.env): Worker {
  const proc = spawn('node', [CLI, 'worker', '--queue', REDIS!, '--queue-name', queue, '--lock-ms', '3000'], { cwd: tmp, env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(proc);
  const log: string[] = [];
  const waiters: { pred: (l: string) => boolean; resolve: (l: string) => void }[] = [];
  let rest = '';
  proc.stderr!.on('data', (d: Buffer) => {
    rest += d.toString();
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const l of parts) {
      log.push(l);
      for (const w of [...waiters]) if (w.pred(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(l);
      }
    }
  });
  return {
    proc,
    log,
    lines: (pred, timeoutMs) =>
      new Promise((resolve, reject) => {
        const hit = log.find(pred);
        if (hit !== undefined) return resolve(hit);
        const t = setTimeout(() => reject(new Error(`worker log line not seen in ${timeoutMs} ms; log:\n${log.join('\n')}`)), timeoutMs);
        waiters.push({ pred, resolve: (l) => (clearTimeout(t), resolve(l)) });
      }),
  };
}

function runCli(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const p = spawn('node', [CLI, ...args], { cwd: tmp, env, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(p);
    let stderr = '';
    p.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('exit', (code) => resolve({ code, stderr }));
  });
}

const stop = (w: Worker): Promise<void> =>
  new Promise((resolve) => {
    if (w.proc.exitCode !== null || w.proc.signalCode !== null) return resolve();
    w.proc.once('exit', () => resolve());
    w.proc.kill('SIGTERM');
  });

describe.skipIf(!REDIS)('run --queue with worker processes', () => {
  const file = join(tmp, 'queued.yaml');
  writeFileSync(file, EXP);
  const queue = `stidebench-test-${process.pid}-${Date.now()}`;

  it('two workers, one killed mid-cell: metrics.json byte-identical to --jobs 1; a rerun reuses the finished jobs', async () => {
    const local = spawnSync('node', [CLI, 'run', file, '--jobs', '1', '--no-cache', '--out', join(tmp, 'local'), '-q'], { cwd: tmp, encoding: 'utf8' });
    expect(local.status, local.stderr).toBe(0);

    const a = startWorker(queue);
    const b = startWorker(queue);
    await Promise.all([a.lines((l) => l.includes(' ready:'), 30_000), b.lines((l) => l.includes(' ready:'), 30_000)]);
    const coordinator = runCli(['run', file, '--queue', REDIS!, '--queue-name', queue, '--no-cache', '--out', join(tmp, 'queued'), '-q']);
    // Whichever worker takes a cell first is killed at once, while it prepares and scores that cell.
    const started = await Promise.race([a, b].map((w) => w.lines((l) => / started: /.test(l), 60_000).then((l) => ({ w, l }))));
    started.w.proc.kill('SIGKILL');
    const cellId = / cell ([0-9a-f]{64}) started/.exec(` ${started.l}`)![1]!;
    const survivor = started.w === a ? b : a;

    const res = await coordinator;
    expect(res.code, res.stderr).toBe(0);
    expect(readFileSync(join(tmp, 'queued', 'queued', 'metrics.json'), 'utf8')).toBe(readFileSync(join(tmp, 'local', 'queued', 'metrics.json'), 'utf8'));
    // The killed worker never finished its cell; the survivor took it over after the lock expired.
    expect(started.w.log.some((l) => l.includes(`cell ${cellId} finished`))).toBe(false);
    expect(survivor.log.some((l) => l.includes(`cell ${cellId} finished`))).toBe(true);
    await stop(survivor);

    // No worker now: every cell is a completed job with the same content hash, so the run still finishes.
    const again = await runCli(['run', file, '--queue', REDIS!, '--queue-name', queue, '--no-cache', '--out', join(tmp, 'again'), '-q']);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(tmp, 'again', 'queued', 'metrics.json'), 'utf8')).toBe(readFileSync(join(tmp, 'local', 'queued', 'metrics.json'), 'utf8'));
  }, 240_000);

  it('a worker whose data differ fails the run with one line naming both checksums', async () => {
    // Two registries with the same dataset name; in the worker's, one recording is different.
    const mine = join(tmp, 'reg-coordinator');
    const theirs = join(tmp, 'reg-worker');
    for (const r of [mine, theirs]) cpSync(join(ROOT, 'datasets', 'toy-server'), join(r, 'toy-server'), { recursive: true });
    const mf = join(theirs, 'toy-server', 'manifest.json');
    const m = JSON.parse(readFileSync(mf, 'utf8')) as { files: Record<string, string> };
    const victim = Object.keys(m.files).find((f) => f.endsWith('.strace'))!;
    writeFileSync(join(theirs, 'toy-server', victim), readFileSync(join(theirs, 'toy-server', victim), 'utf8').split('\n').slice(0, 40).join('\n') + '\n');
    m.files[victim] = '0'.repeat(64);
    writeFileSync(mf, JSON.stringify(m, null, 2));
    const exp = join(tmp, 'differ.yaml');
    writeFileSync(exp, 'name: differ\ndatasets:\n  - name: toy-server\n    split: { train: { subset: train } }\ndetectors: [{ kind: stide }]\nk: [4]\nframes: [10]\nthresholds: { count: [1] }\n');
    const q = `${queue}-differ`;
    const w = startWorker(q, { ...process.env, STIDEBENCH_REGISTRY: theirs });
    await w.lines((l) => l.includes(' ready:'), 30_000);
    const r = await runCli(['run', exp, '--queue', REDIS!, '--queue-name', q, '--no-cache', '--out', join(tmp, 'differ'), '-q'], { ...process.env, STIDEBENCH_REGISTRY: mine });
    await stop(w);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^stidebench: cell toy-server stide\/per-program k=4 failed on the queue: worker .+: data differ for toy-server: the coordinator's manifest checksum is [0-9a-f]{16}, this worker's is [0-9a-f]{16}/);
  }, 120_000);
});

describe('run --queue without Redis', () => {
  it('says which address it could not reach, exit 1, no stack trace', () => {
    const r = spawnSync('node', [CLI, 'run', join(ROOT, 'experiments', 'quickstart.yaml'), '--queue', 'redis://127.0.0.1:1', '-q'], { encoding: 'utf8', cwd: tmp });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toMatch(/^stidebench: cannot reach Redis at 127\.0\.0\.1:1: ECONNREFUSED; expected a running redis-server/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const w = spawnSync('node', [CLI, 'worker', '--queue', 'redis://127.0.0.1:1'], { encoding: 'utf8', cwd: tmp });
    expect(w.status).toBe(1);
    expect(w.stderr.trim()).toMatch(/^stidebench: cannot reach Redis at 127\.0\.0\.1:1: ECONNREFUSED/);
  });
});
