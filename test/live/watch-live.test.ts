// Live watch with real tracers (issue 13 item 0): --pid on several processes follows their existing
// children and says when attached; --on-alarm stop never leaves watch hung (the stopped process is left
// stopped and listed); the bpftrace backend feeds the same detector; bpftrace losses are counted and
// make record exit 4. bpftrace tests skip with a message where eBPF cannot run.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countThreshold } from '../../src/eval/threshold.js';
import { record } from '../../src/live/record.js';
import { trainFromFiles, type SavedModel } from '../../src/live/model-file.js';
import { procStat } from '../../src/live/procs.js';
import { watch } from '../../src/live/watch.js';
import { collectOutput, writeLiveCliEntry } from '../helpers.js';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'stidebench-watch-live-'));
let model: SavedModel;

/** Does bpftrace run here (root, tracefs, BPF)? The reason when not. */
export function bpftraceUsable(): string | null {
  const r = spawnSync('bpftrace', ['-e', 'BEGIN { printf("ok\\n"); exit(); }'], { encoding: 'utf8', timeout: 30_000 });
  if (r.error) return `bpftrace not runnable: ${r.error.message}`;
  if (!/^ok$/m.test(r.stdout ?? '')) return `bpftrace failed: ${(r.stderr ?? '').trim().split('\n').at(-1)}`;
  return null;
}
const noBpf = bpftraceUsable();

beforeAll(async () => {
  const r = await record({ output: join(dir, 'cat.strace'), command: ['sh', '-c', 'cat /etc/hostname; cat /etc/hostname'], stdio: 'ignore' });
  expect(r.exitStatus).toBe(0);
  model = trainFromFiles({ data: [join(dir, 'cat.strace')], detector: 'xenids', k: 6 }).model;
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('watch --pid', () => {
  it('takes several pids, attaches their threads and existing children, says so, and follows new children', async () => {
    // Two independent shells; each already has a child loop shell when watch attaches.
    const loop = 'sh -c "while :; do cat /etc/hostname >/dev/null; sleep 0.05; done" & wait';
    const a = spawn('sh', ['-c', loop], { stdio: 'ignore' });
    const b = spawn('sh', ['-c', loop], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 300));
    const o = collectOutput();
    const notes = collectOutput();
    const kids = () =>
      spawnSync('ps', ['-o', 'pid=', '--ppid', `${a.pid},${b.pid}`], { encoding: 'utf8' })
        .stdout.trim()
        .split(/\s+/)
        .map(Number);
    const children = kids();
    expect(children.length).toBe(2);
    const p = watch(model, { kind: 'pid', pids: [a.pid!, b.pid!] }, { frame: 20, policy: countThreshold(20), out: o.out, notes: notes.out, keepReports: true });
    await new Promise((r) => setTimeout(r, 1500));
    for (const c of [...children, a.pid!, b.pid!]) {
      try {
        process.kill(c, 'SIGKILL');
      } catch {
        // gone
      }
    }
    const r = await p;
    expect(notes.text()).toMatch(/^stidebench: attached to \d+ process\(es\), \d+ thread\(s\): /);
    expect(notes.text()).not.toMatch(/not watched/);
    const pids = new Set(r.processes.map((x) => x.pid));
    // Events from the existing children, and from new processes (cat, sleep) they forked after attach.
    for (const c of children) expect(pids.has(c)).toBe(true);
    expect(r.processes.length).toBeGreaterThan(6);
    expect(r.summary.lostEvents).toBe(0);
  }, 30_000);
});

describe('--on-alarm stop', () => {
  it('stops the offender, then detaches instead of waiting for ever; the process is left stopped and listed', async () => {
    // The model knows cat; ls (and the shell waiting for it) is new. The shell waits for the stopped ls.
    const o = collectOutput();
    const t0 = Date.now();
    const r = await watch(
      model,
      // ls repeats until one is stopped in time (a fast ls may end before the signal lands).
      { kind: 'command', argv: ['sh', '-c', 'while :; do ls -la / /usr >/dev/null; sleep 0.05; done'] },
      { frame: 20, policy: countThreshold(5), onAlarm: 'stop', out: o.out, stdio: 'ignore', keepReports: true },
    );
    expect(Date.now() - t0).toBeLessThan(15_000);
    const stopped = r.summary.actions.filter((x) => x.action === 'stopped').map((x) => x.pid);
    expect(stopped.length).toBeGreaterThan(0);
    expect(r.summary.leftStopped.length).toBeGreaterThan(0);
    for (const pid of r.summary.leftStopped) {
      const st = procStat(pid);
      expect(st?.state).toMatch(/^[Tt]$/);
      process.kill(pid, 'SIGKILL');
      // Its shell waits for it: end the loop too.
      if (st !== undefined && st.ppid > 1 && st.ppid !== process.pid) process.kill(st.ppid, 'SIGKILL');
    }
    expect(o.text()).toMatch(/left stopped: \d+/);
    expect(o.text()).toMatch(/further calls seen after the alarming one/);
    expect(r.status).toBe(3);
  }, 30_000);
});

describe.skipIf(noBpf !== null)('bpftrace backend', () => {
  it('watch --backend bpftrace runs the same detector on every call of the command tree', async () => {
    const o = collectOutput();
    const r = await watch(model, { kind: 'command', argv: ['sh', '-c', 'cat /etc/hostname; ls / >/dev/null'] }, { frame: 20, policy: countThreshold(5), backend: 'bpftrace', out: o.out, stdio: 'ignore', keepReports: true });
    expect(r.exitStatus).toBe(0);
    expect(r.summary.backend).toBe('bpftrace');
    expect(r.summary.events).toBeGreaterThan(50);
    expect(r.summary.processes).toBeGreaterThanOrEqual(3); // sh, cat, ls (each a task that exited)
    expect(r.summary.lostEvents).toBe(0);
    expect(r.summary.processesAlarmed).toBeGreaterThan(0); // ls is not in the model
    expect(o.text()).toMatch(/^lost: 0 events lost by the tracer$/m);
  }, 60_000);

  it('watch -- CMD counts the same calls with every backend: the launcher shell\'s own calls before the exec are dropped', async () => {
    const counts: Record<string, unknown> = {};
    for (const backend of ['strace', 'bpftrace', 'kernel'] as const) {
      const r = await watch(model, { kind: 'command', argv: ['cat', '/etc/hostname'] }, { frame: 20, policy: countThreshold(5), backend, out: collectOutput().out, stdio: 'ignore', keepReports: true });
      expect(r.exitStatus).toBe(0);
      expect(r.processes.length).toBe(1);
      const p = r.processes[0]!;
      counts[backend] = { events: p.events, windows: p.windows, mismatches: p.mismatches };
    }
    expect(counts['bpftrace']).toEqual(counts['strace']);
    expect(counts['kernel']).toEqual(counts['strace']);
    // cat's own calls, from its execve on: the same model scores them without a mismatch.
    expect(counts['strace']).toMatchObject({ mismatches: 0 });
  }, 120_000);

  it('kernel backend: --on-alarm kill lands at the offending call (0 further calls), stop leaves the offender stopped and ends', async () => {
    const o = collectOutput();
    const k = await watch(model, { kind: 'command', argv: ['sh', '-c', 'cat /etc/hostname; ls -laR /usr/share/doc >/dev/null; true'] }, { frame: 20, policy: countThreshold(5), backend: 'kernel', onAlarm: 'kill', out: o.out, stdio: 'ignore', keepReports: true });
    expect(k.summary.backend).toBe('kernel');
    const killed = k.summary.actions.filter((a) => a.action === 'killed');
    expect(killed.length).toBeGreaterThan(0);
    for (const a of killed) expect(a.callsAfterAction).toBe(0);
    expect(k.summary.alarmDelayMs).not.toBeNull();
    const t0 = Date.now();
    const s = await watch(model, { kind: 'command', argv: ['sh', '-c', 'while :; do ls -la / /usr >/dev/null; sleep 0.05; done'] }, { frame: 20, policy: countThreshold(5), backend: 'kernel', onAlarm: 'stop', out: collectOutput().out, stdio: 'ignore', keepReports: true });
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(s.summary.leftStopped.length).toBeGreaterThan(0);
    for (const pid of s.summary.leftStopped) {
      const st = procStat(pid);
      process.kill(pid, 'SIGKILL');
      if (st !== undefined && st.ppid > 1 && st.ppid !== process.pid) process.kill(st.ppid, 'SIGKILL');
    }
  }, 120_000);

  it('record --backend bpftrace counts lost events (a 1-page buffer under dd bs=1) in the sidecar', async () => {
    const old = process.env.BPFTRACE_PERF_RB_PAGES;
    process.env.BPFTRACE_PERF_RB_PAGES = '1';
    try {
      const r = await record({ output: join(dir, 'dd.trace'), command: ['dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=300000'], backend: 'bpftrace', stdio: 'ignore' });
      const meta = JSON.parse(readFileSync(r.metaPath, 'utf8'));
      expect(r.lostEvents).toBeGreaterThan(0);
      expect(meta.lostEvents).toBe(r.lostEvents);
      const lines = readFileSync(r.tracePath, 'utf8').trim().split('\n').length;
      // What was recorded plus what was lost is about what dd made (2 calls per byte).
      expect(lines + r.lostEvents).toBeGreaterThan(550_000);
      // The command line says so and exits 4 (unless --allow-loss).
      const entry = writeLiveCliEntry(dir);
      const cli = (extra: string[]) =>
        spawnSync(join(ROOT, 'node_modules/.bin/tsx'), [entry, 'record', '-o', join(dir, 'dd2.trace'), '--backend', 'bpftrace', ...extra, '--', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=1', 'count=300000'], {
          encoding: 'utf8',
          env: { ...process.env, BPFTRACE_PERF_RB_PAGES: '1' },
        });
      const strict = cli([]);
      expect(strict.stderr).toMatch(/warning: the tracer lost \d+ events: the trace is incomplete/);
      expect(strict.status).toBe(4);
      expect(cli(['--allow-loss']).status).toBe(0);
    } finally {
      if (old === undefined) delete process.env.BPFTRACE_PERF_RB_PAGES;
      else process.env.BPFTRACE_PERF_RB_PAGES = old;
    }
  }, 120_000);
});

if (noBpf !== null) {
  it('bpftrace backend tests skipped', () => {
    console.warn(`skipping bpftrace backend tests: ${noBpf}`);
  });
}
