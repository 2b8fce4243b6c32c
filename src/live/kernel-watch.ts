// Owns `watch --backend kernel`: builds (./kernel-build.ts) and runs the libbpf loader of bpf/stide.bpf.c
// with the configuration of ./kernel-program.ts on a scope (a command started stopped, whose launcher's
// own calls before its exec are skipped like the strace backend drops them; pids with their threads and
// descendants; or a cgroup), turns its alarm lines into the same reports and summary as the user-space
// watch (src/live/watch.ts), and ends it cleanly (SIGINT -> the loader drains its ring buffer and dumps
// the counts of live threads; SIGKILL after a timeout). Lost events (the loader's "Lost N events": alarm
// or thread-end records the ring buffer could not take) and map-full conditions are reported, never hidden.
//
// Stop/kill are sent by the kernel program itself (bpf_send_signal) to the task making the call that
// completed the alarming window, before that call returns to user space: the distance is measured per
// thread from its final call count (calls after the alarming one; 0 expected for kill).

import type { ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { InputError } from '../errors.js';
import { minAlarmLfc, policyLabel } from '../eval/threshold.js';
import { linuxX86_64 } from '../traces/syscalls/linux-x86_64.js';
import { awaitAttached, runLineTool, startStopped } from './bpftrace.js';
import { kernelBuild, KERNEL_TOOLCHAIN_INSTALL } from './kernel-build.js';
import type { SavedModel } from './model-file.js';
import { allTasks, procStat, stalled, withDescendants } from './procs.js';
import { exitStatusOf } from './record.js';
import {
  CappedList,
  DelaySample,
  formatAlarm,
  formatSummary,
  watchStatus,
  type ActionRecord,
  type AlarmReport,
  type ProcessLatency,
  type ProcessRecord,
  type WatchOptions,
  type WatchResult,
  type WatchSource,
  type WatchSummary,
  listedRecords,
} from './watch.js';
import { kernelProgram, type KernelScope } from './kernel-program.js';

interface ThreadCounts {
  events: number;
  windows: number;
  mismatches: number;
  alarms: number;
  firstAlarmWindow: number;
}

export async function watchKernel(model: SavedModel, source: Exclude<WatchSource, { kind: 'input' }>, opts: WatchOptions): Promise<WatchResult> {
  const out = opts.out ?? process.stdout;
  const minLfc = minAlarmLfc(opts.policy, opts.frame);
  if (minLfc > opts.frame) {
    throw new InputError(`threshold ${policyLabel(opts.policy)} can never alarm in a frame of ${opts.frame} windows`, {
      expected: `a count threshold <= ${opts.frame} or a ratio < 1`,
    });
  }
  const build = kernelBuild();
  const table = linuxX86_64;
  let launcher: ChildProcess | undefined;
  let scope: KernelScope;
  let roots: number[] = [];
  if (source.kind === 'command') {
    launcher = await startStopped(source.argv, opts.stdio ?? (opts.json ? ['inherit', 2, 'inherit'] : 'inherit'));
    roots = [launcher.pid!];
    scope = { kind: 'tasks', tids: roots, prelude: launcher.pid! };
  } else if (source.kind === 'pid') {
    roots = withDescendants(source.pids);
    scope = { kind: 'tasks', tids: allTasks(roots) };
  } else {
    scope = { kind: 'cgroup', path: source.path };
  }
  const action = opts.onAlarm ?? 'report';
  const prog = kernelProgram(model, { frame: opts.frame, minLfc, scope, action, table, ownPid: process.pid }, opts.resetOn ?? model.config.resetOn);

  // Bounded on endless streams like the user-space watch: threads that ended are summed (their records
  // kept only with keepReports, as watch.ts keeps its processLog), a thread's first-alarm state goes with
  // its end line, and the listed latencies/actions stop at SUMMARY_RECORDS (counted beyond).
  const reports: AlarmReport[] = [];
  const latencies = new CappedList<ProcessLatency>();
  const endedSum = { processes: 0, events: 0, windows: 0, mismatches: 0, alarms: 0 };
  const endedRecords: ProcessRecord[] = [];
  const alive = new Map<number, Partial<ThreadCounts>>();
  const firstAlarm = new Map<number, { event: number; action: ActionRecord['action'] | null }>();
  const actionRecords = new CappedList<ActionRecord>();
  const delays = new DelaySample();
  let totalEvents = 0;
  let totalMismatches = 0;
  let nReports = 0;
  let stoppedAny = false;
  const keep = opts.keepReports ?? false;

  const emit = (r: AlarmReport | WatchSummary): void => {
    const line = JSON.stringify(r) + '\n';
    if (opts.json) out.write(line);
    else out.write((r.type === 'alarm' ? formatAlarm(r) : formatSummary(r)) + '\n');
    opts.events?.write(line);
  };
  // The window's real calls (syscall numbers, oldest first): named like the other backends name them.
  const callNames = (nrs: string): string[] => nrs.split(',').map((n) => table.name(Number(n)));
  const END_RE = /^@(ev|win|mis|al|fa1)\[(\d+)\]: (\d+)$/;
  const onLine = (l: string): void => {
    const c = l.charCodeAt(0);
    if (c === 65 /* A */ && l.startsWith('A ')) {
      const nowNs = process.hrtime.bigint();
      const f = l.split(' ');
      const tid = Number(f[1]);
      const window = Number(f[3]);
      const event = Number(f[4]);
      const ns = BigInt(f[7]!);
      const t0 = BigInt(f[8]!);
      const comm = f.slice(10).join(' ');
      const first = !firstAlarm.has(tid);
      let act: AlarmReport['action'] = 'none';
      if (first) {
        // The kernel acted (or not) by the rule in kernel-program.ts: first report, pid > 1, not watch.
        const pid = Number(f[2]);
        act = action === 'report' ? 'none' : pid > 1 && pid !== process.pid ? (action === 'stop' ? 'stopped' : 'killed') : 'refused';
        if (act === 'stopped') stoppedAny = true;
        firstAlarm.set(tid, { event, action: act === 'none' ? null : act });
        latencies.add({ pid: tid, program: comm || null, calls: event + 1, window, ms: Math.round(Number(ns - t0) / 1000) / 1000 });
      }
      delays.add(Number(nowNs - ns) / 1e6);
      const r: AlarmReport = {
        type: 'alarm',
        time: new Date(performance.timeOrigin + Number(ns) / 1e6 - (Number(nowNs) / 1e6 - performance.now())).toISOString(),
        traceTime: null,
        pid: tid,
        program: comm || null,
        window,
        event,
        lfc: Number(f[5]),
        frame: opts.frame,
        sequence: callNames(f[9]!),
        first,
        action: act,
      };
      nReports++;
      if (keep) reports.push(r);
      emit(r);
    } else if (c === 69 /* E */ && l.startsWith('E ')) {
      const f = l.split(' ').map(Number);
      const tid = f[1]!;
      const t: ProcessRecord = { pid: tid, events: f[2]!, windows: f[3]!, mismatches: f[4]!, alarms: f[5]!, firstAlarmWindow: f[6]! - 1 };
      endedSum.processes++;
      endedSum.events += t.events;
      endedSum.windows += t.windows;
      endedSum.mismatches += t.mismatches;
      endedSum.alarms += t.alarms;
      if (keep) endedRecords.push(t);
      // The thread is gone: its action is final (a reused tid is a new thread, with a first alarm of its own).
      const fa = firstAlarm.get(tid);
      if (fa !== undefined) {
        if (fa.action !== null) actionRecords.add({ pid: tid, action: fa.action, callsAfterAction: t.events - (fa.event + 1) });
        firstAlarm.delete(tid);
      }
    } else if (c === 64 /* @ */) {
      const m = END_RE.exec(l);
      if (m) {
        const tid = Number(m[2]);
        const a = alive.get(tid) ?? {};
        const v = Number(m[3]);
        if (m[1] === 'ev') a.events = v;
        else if (m[1] === 'win') a.windows = v;
        else if (m[1] === 'mis') a.mismatches = v;
        else if (m[1] === 'al') a.alarms = v;
        else a.firstAlarmWindow = v - 1;
        alive.set(tid, a);
      } else if (l.startsWith('@nev: ')) totalEvents = Number(l.slice(6));
      else if (l.startsWith('@nmis: ')) totalMismatches = Number(l.slice(7));
    }
  };

  const run = runLineTool(build.loader, [build.object], {
    onLine,
    input: prog.config,
    notFound: `the kernel backend's loader is missing (${build.loader}); install the toolchain with \`${KERNEL_TOOLCHAIN_INSTALL}\``,
  });
  const launcherExit = launcher
    ? new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => launcher.once('exit', (code, signal) => res({ code, signal })))
    : undefined;
  try {
    await awaitAttached(
      run,
      120_000,
      (msg) => `the kernel backend's eBPF program could not be loaded (${msg}); it needs root (or CAP_BPF + CAP_PERFMON) and a kernel with BTF (/sys/kernel/btf/vmlinux)`,
    );
  } catch (e) {
    launcher?.kill('SIGKILL');
    throw e;
  }
  const started = performance.now();
  if (source.kind !== 'command') {
    (opts.notes ?? process.stderr).write(
      source.kind === 'pid'
        ? `stidebench: kernel program attached to ${roots.length} process(es): ${roots.join(' ')}; future children are followed\n`
        : `stidebench: kernel program attached to cgroup ${source.path}\n`,
    );
  }
  if (launcher) process.kill(launcher.pid!, 'SIGCONT');

  // Ends: the command exits, Ctrl-C / SIGTERM, bpftrace exits, or everything left is stopped.
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await new Promise((r) => setTimeout(r, 200)); // the last events of the tree
    await run.stop();
  };
  let exitStatus = 0;
  let commandEnded = false;
  launcherExit?.then(({ code, signal }) => {
    commandEnded = true;
    exitStatus = exitStatusOf(code, signal);
    void stop();
  });
  const onSig = (): void => void stop();
  opts.signal?.addEventListener('abort', onSig);
  if (opts.signal?.aborted) onSig();
  process.on('SIGINT', onSig);
  process.on('SIGTERM', onSig);
  const stallTimer = setInterval(() => {
    if (!stoppedAny || roots.length === 0) return;
    const tasks = allTasks(withDescendants(roots));
    if (tasks.every((t) => stalled(t))) void stop();
  }, 200);
  let code: number | null;
  try {
    ({ code } = await run.exit);
  } finally {
    clearInterval(stallTimer);
    opts.signal?.removeEventListener('abort', onSig);
    process.off('SIGINT', onSig);
    process.off('SIGTERM', onSig);
  }
  const seconds = (performance.now() - started) / 1000;
  if (!stopping && code !== 0) {
    launcher?.kill('SIGKILL');
    throw new InputError(`the kernel backend's loader failed: ${run.stderr().trim().split('\n').at(-1) ?? `exit status ${code}`}`);
  }

  // Per-thread counts: ended threads (summed; records with keepReports), then the END dump of the living
  // ones (the kernel drops a thread's state at its exit, so a tid is never in both at once).
  const living: ProcessRecord[] = [];
  for (const [tid, a] of alive) {
    if (!(a.events! > 0)) continue;
    living.push({
      pid: tid,
      events: a.events ?? 0,
      windows: a.windows ?? 0,
      mismatches: a.mismatches ?? 0,
      alarms: a.alarms ?? 0,
      firstAlarmWindow: a.firstAlarmWindow ?? -1,
    });
  }
  const processes = keep ? [...endedRecords, ...living].sort((x, y) => x.pid - y.pid) : [];
  const liveActions: ActionRecord[] = [];
  for (const [tid, fa] of firstAlarm) {
    if (fa.action === null) continue;
    const p = living.find((x) => x.pid === tid);
    liveActions.push({ pid: tid, action: fa.action, callsAfterAction: p ? p.events - (fa.event + 1) : 0 });
  }
  const { processesAlarmed, ...listed } = listedRecords(latencies, actionRecords, liveActions);
  const actions = listed.actions;
  const leftStopped = actions.filter((a) => a.action === 'stopped' && /^[Tt]$/.test(procStat(a.pid)?.state ?? '')).map((a) => a.pid);
  const sum = (f: (p: ProcessRecord) => number): number => living.reduce((acc, p) => acc + f(p), 0);
  const events = Math.max(totalEvents, endedSum.events + sum((p) => p.events));
  const summary: WatchSummary = {
    type: 'summary',
    backend: 'kernel',
    events,
    lostEvents: run.lost(),
    mapFull: run.mapFull(),
    seconds: Math.round(seconds * 1000) / 1000,
    eventsPerSecond: seconds > 0 ? Math.round(events / seconds) : 0,
    processes: endedSum.processes + living.length,
    windows: endedSum.windows + sum((p) => p.windows),
    mismatches: Math.max(totalMismatches, endedSum.mismatches + sum((p) => p.mismatches)),
    alarms: endedSum.alarms + sum((p) => p.alarms),
    reports: nReports,
    processesAlarmed,
    latencyClock: 'trace',
    ...listed,
    leftStopped,
    alarmDelayMs: delays.stats(),
    skippedLines: 0,
    threshold: policyLabel(opts.policy),
    minAlarmLfc: minLfc,
  };
  emit(summary);
  if (!commandEnded && launcher && !stoppedAny) launcher.kill('SIGKILL');
  return { summary, exitStatus, status: watchStatus(summary, exitStatus, opts.allowLoss ?? false), reports, processes };
}
