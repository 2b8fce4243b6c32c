// watch on an endless stream: the per-process state (live processes, the watched tree, pending
// actions, program names) returns to a bound after processes exit, and the summary records and the
// alarm-delay sample stay bounded however many processes alarmed. Counts entries, not bytes or time
// (scripts/watch-memory.sh measures the peak RSS).

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { countThreshold } from '../../src/eval/threshold.js';
import { trainFromFiles, type SavedModel } from '../../src/live/model-file.js';
import { EventDecoder } from '../../src/live/stream.js';
import { DELAY_SAMPLES, DelaySample, MAX_TRACKED_PIDS, SUMMARY_RECORDS, Watcher } from '../../src/live/watch.js';

const NAMES = ['read', 'write', 'openat', 'close', 'fstat', 'mmap', 'munmap', 'brk', 'rt_sigaction', 'getpid', 'lseek', 'ioctl', 'poll', 'sendto', 'recvfrom', 'futex'];
const NORMAL = ['openat', 'fstat', 'read', 'read', 'close', 'write', 'getpid', 'brk', 'mmap', 'munmap', 'write', 'close'];

const dir = mkdtempSync(join(tmpdir(), 'stidebench-bounded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function model(): SavedModel {
  mkdirSync(join(dir, 'normal'), { recursive: true });
  const lines: string[] = [];
  for (let r = 0; r < 20; r++) for (const n of NORMAL) lines.push(`1000  ${n}() = 0`);
  writeFileSync(join(dir, 'normal', 'srv.strace'), lines.join('\n') + '\n');
  return trainFromFiles({ data: [join(dir, 'normal')], detector: 'xenids', k: 6, program: 'srv' }).model;
}

const sink = new Writable({ write: (_c, _e, cb) => cb() });

describe('watch: per-process state is bounded on an endless stream', () => {
  const m = model();

  it('20,000 short processes (every 10th alarming): live state returns to the live processes, records stay capped', () => {
    const w = new Watcher(m, { frame: 20, policy: countThreshold(6), out: sink });
    w.treeFromFirstEvent = true;
    w.action = 'kill'; // refused by the default guard (no live tracer): records pile up per pid unless freed
    const d = new EventDecoder(m.alphabet, w, { format: 'strace' });
    w.unknownNames = d.unknownNames;
    let x = 14;
    const rand = (n: number): number => {
      x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
      return x % n;
    };
    d.line('1000  execve("/usr/bin/srv", ["srv"], 0x7ffc /* 1 var */) = 0');
    const live: { pid: number; calls: string[] }[] = [];
    let maxLive = 0;
    let maxTree = 0;
    let maxActions = 0;
    let maxPrograms = 0;
    for (let i = 0; i < 20_000; i++) {
      const pid = 1001 + (i % 30_000);
      d.line(`1000  clone(child_stack=NULL, flags=SIGCHLD) = ${pid}`);
      const calls = i % 10 === 9 ? Array.from({ length: 30 }, () => NAMES[rand(NAMES.length)]!) : [...NORMAL];
      live.push({ pid, calls });
      for (const c of live) for (const n of c.calls.splice(0, 4)) d.line(`${c.pid}  ${n}() = 0`);
      if (live.length >= 4) {
        const c = live.shift()!;
        for (const n of c.calls) d.line(`${c.pid}  ${n}() = 0`);
        d.line(`${c.pid}  +++ exited with 0 +++`);
      }
      if (i % 500 === 499) {
        const st = w.trackedState();
        maxLive = Math.max(maxLive, st.live, st.detector);
        maxTree = Math.max(maxTree, st.tree);
        maxActions = Math.max(maxActions, st.actions);
        maxPrograms = Math.max(maxPrograms, d.trackedState().programs);
        expect(st.records).toBeLessThanOrEqual(2 * SUMMARY_RECORDS);
      }
    }
    // The parent and at most 4 children are alive at any time: so is what is kept per process.
    expect(maxLive).toBeLessThanOrEqual(5);
    expect(maxTree).toBeLessThanOrEqual(5);
    expect(maxActions).toBeLessThanOrEqual(4);
    expect(maxPrograms).toBeLessThanOrEqual(5);
    for (const c of live) d.line(`${c.pid}  +++ exited with 0 +++`);
    d.line('1000  +++ exited with 0 +++');
    const st = w.trackedState();
    expect([st.live, st.detector, st.tree, st.actions, d.trackedState().programs]).toEqual([0, 0, 0, 0, 0]);
    const s = w.finish();
    expect(s.processes).toBe(20_001);
    expect(s.processesAlarmed).toBeGreaterThanOrEqual(2000); // every 10th child (and the parent: clone is not in the model)
    expect(s.latency).toHaveLength(SUMMARY_RECORDS);
    expect(s.latencyOmitted).toBe(s.processesAlarmed - SUMMARY_RECORDS);
    expect(s.actions).toHaveLength(SUMMARY_RECORDS);
    expect(s.actions.every((a) => a.action === 'refused')).toBe(true);
    expect(s.actionsOmitted).toBe(s.processesAlarmed - SUMMARY_RECORDS);
  });

  it('fork lines naming children that already exited cannot grow the tree or the program names past the bound', () => {
    const w = new Watcher(m, { frame: 20, policy: countThreshold(6), out: sink });
    w.treeFromFirstEvent = true;
    const d = new EventDecoder(m.alphabet, w, { format: 'strace' });
    d.line('1000  execve("/usr/bin/srv", ["srv"], 0x7ffc /* 1 var */) = 0');
    const n = MAX_TRACKED_PIDS + 5000;
    for (let i = 0; i < n; i++) {
      const pid = 2000 + i;
      d.line(`${pid}  read() = 0`);
      d.line(`${pid}  +++ exited with 0 +++`);
      d.line(`1000  clone(child_stack=NULL, flags=SIGCHLD) = ${pid}`); // printed after the child's end
    }
    expect(w.trackedState().tree).toBeLessThanOrEqual(MAX_TRACKED_PIDS);
    expect(d.trackedState().programs).toBeLessThanOrEqual(MAX_TRACKED_PIDS);
    expect(w.trackedState().live).toBe(1); // the parent
  });

  it('distinct unknown call names are kept up to a bound', () => {
    const w = new Watcher(m, { frame: 20, policy: countThreshold(6), out: sink });
    const d = new EventDecoder(m.alphabet, w, { format: 'strace' });
    for (let i = 0; i < 10_000; i++) d.line(`5  nosuchcall${i}() = 0`);
    const st = d.trackedState();
    expect(st.unknownNames).toBeLessThanOrEqual(4096);
    expect(st.names).toBeLessThanOrEqual(4096);
    expect(w.finish().events).toBe(10_000);
  });

  it('the alarm-delay sample keeps count and max exact and at most DELAY_SAMPLES values', () => {
    const ds = new DelaySample();
    let x = 7;
    const all: number[] = [];
    for (let i = 0; i < 100_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) & 0x7fffffff;
      const v = x % 1000;
      all.push(v);
      ds.add(v);
      expect(ds.samples.length).toBeLessThanOrEqual(DELAY_SAMPLES);
    }
    const st = ds.stats()!;
    expect(st.n).toBe(100_000);
    expect(st.max).toBe(Math.max(...all));
    const sorted = all.sort((a, b) => a - b);
    expect(Math.abs(st.median - sorted[49_999]!)).toBeLessThanOrEqual(20); // evenly spaced sample of a uniform stream
  });
});
