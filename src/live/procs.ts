// Owns what the live monitor reads about processes from /proc: the tasks (threads) of a process, the
// descendants of a set of pids (for `watch --pid`, which follows existing children too), a task's state
// and tracer, and the guard every stop/kill goes through (never pid <= 1, never our own process or
// process group, only a task verified to be in the watched scope).

import { readdirSync, readFileSync } from 'node:fs';

/** Fields of /proc/PID/stat after the command name: state, ppid, pgrp. Undefined when the task is gone. */
export function procStat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = text.lastIndexOf(')');
  const f = text.slice(close + 2).split(' ');
  return { state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]) };
}

/** TracerPid of a task (0 = not traced), undefined when it is gone. */
export function tracerPid(pid: number): number | undefined {
  try {
    const m = /^TracerPid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Thread ids of a process (itself included); empty when it is gone. */
export function tasksOf(pid: number): number[] {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number).filter((t) => t > 0);
  } catch {
    return [];
  }
}

/** Every live process (tgid) with its parent, from one scan of /proc. */
function processTable(): Map<number, number> {
  const parent = new Map<number, number>();
  for (const e of readdirSync('/proc')) {
    const c = e.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const pid = Number(e);
    const st = procStat(pid);
    if (st !== undefined) parent.set(pid, st.ppid);
  }
  return parent;
}

/** The given pids and all their live descendant processes (not threads), roots first. */
export function withDescendants(roots: readonly number[]): number[] {
  const parent = processTable();
  const children = new Map<number, number[]>();
  for (const [pid, pp] of parent) {
    let l = children.get(pp);
    if (l === undefined) children.set(pp, (l = []));
    l.push(pid);
  }
  const seen = new Set<number>();
  const out: number[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const p = queue.shift()!;
    if (seen.has(p)) continue;
    seen.add(p);
    out.push(p);
    for (const c of children.get(p) ?? []) queue.push(c);
  }
  return out;
}

/** Every task (thread) of the given processes. */
export function allTasks(pids: readonly number[]): number[] {
  const out: number[] = [];
  for (const p of pids) out.push(...tasksOf(p));
  return out;
}

/** The pids a user may point `watch --pid` at: they must exist and be neither init nor ourselves. */
export function checkWatchPids(pids: readonly number[]): void {
  for (const p of pids) {
    if (p <= 1) throw new Error(`pid ${p} cannot be watched (init or the kernel)`);
    if (p === process.pid) throw new Error(`pid ${p} is this monitor itself`);
    if (procStat(p) === undefined) throw new Error(`no process with pid ${p}`);
  }
}

/** This process and its ancestors: never signalled, whatever a stream says. */
function ownLine(): Set<number> {
  const out = new Set<number>();
  let p = process.pid;
  while (p > 1 && !out.has(p)) {
    out.add(p);
    const st = procStat(p);
    if (st === undefined) break;
    p = st.ppid;
  }
  return out;
}

/**
 * May the monitor send a stop/kill to `pid`? Never to pid <= 1 (a kill(2) with 0 or -1 would reach a
 * whole process group or every process), never to itself or one of its ancestors, never to a task of
 * the monitor's own process group unless it is in scope, and only when `inScope` proves the task is
 * watched (strace: its TracerPid is our tracer; bpftrace/kernel: the tid came from our scope-filtered
 * program). The check is made right before the signal, so a pid reused by an unrelated process fails it.
 */
export function maySignal(pid: number, inScope: (pid: number) => boolean): boolean {
  if (!Number.isInteger(pid) || pid <= 1) return false;
  if (ownLine().has(pid)) return false;
  if (procStat(pid) === undefined) return false;
  return inScope(pid);
}

/** True when the task is stopped (group stop or ptrace stop) or gone. */
export function stoppedOrGone(pid: number): boolean {
  const st = procStat(pid);
  return st === undefined || st.state === 'T' || st.state === 't' || st.state === 'Z' || st.state === 'X';
}

/**
 * True when the task cannot make progress on its own any more: stopped, gone, or blocked waiting for a
 * child (wchan do_wait; the parent of a stopped process). When every watched task is in this state after
 * a stop action, nothing will happen until someone resumes the stopped one.
 */
export function stalled(pid: number): boolean {
  if (stoppedOrGone(pid)) return true;
  try {
    return readFileSync(`/proc/${pid}/wchan`, 'utf8').trim() === 'do_wait';
  } catch {
    return true;
  }
}
