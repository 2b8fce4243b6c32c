// Owns `stidebench watch`: online detection with a saved model, the paper's XenIds loop on a real
// system. Events come from a tracer it starts on a command (`-- CMD ARGS`) or on running processes
// (`--pid PID...`, their threads and their existing and future children), or from a trace file/stdin
// (`--input`), and go through one OnlineDetector (per-task k-buffer and locality frame, buffer cleared on
// the model's reset calls, alarm when the LFC reaches the threshold policy's minimum).
//
// Backends for live sources:
// - strace (default): `strace -f -q -ttt -s 64 -o /dev/fd/3`, where fd 3 is the write end of a FIFO that
//   was unlinked before strace started: the event channel has no path anywhere (nothing in strace's argv
//   or the file system names it). A command is started through a shell that closes fd 3 and then execs
//   it (`exec 3>&-; exec -a ARGV0 PATH ARGS`), so it inherits no descriptor of the channel; the shell's
//   own calls before that exec are dropped (EventDecoder preludeExecs). `--pid` attaches `-p` per process
//   (every thread of it) and its existing descendants; -f follows future children. We hold a write end
//   ourselves until strace exits, so the stream ends exactly when strace is done; the read end is polled
//   in batches (see pollFifo). ptrace loses no call: lost = 0. strace prints a call when it returns, so
//   `--on-alarm stop|kill` acts after the offending call completed, and after whatever the program did
//   while the batch waited to be read (counted per process as callsAfterAction).
// - bpftrace: a raw_syscalls tracepoint filtered to the scope prints "tid number" per call (and a line
//   per task end) into the same decoder; its "Lost N events" notices are counted.
// - kernel: see ./kernel-watch.ts and ./kernel-program.ts (the detector itself runs in eBPF; only alarms and counters leave the kernel).
//
// Actions only on what we watch: a same-user program can still reach a process's descriptors through
// /proc/PID/fd, so event lines are never trusted to choose whom to signal. `stop`/`kill` act on a pid
// only when (1) it is > 1, not watch itself or one of its ancestors, not the tracer; (2) the stream
// showed it created by the watched command (or it was given with --pid or found as its descendant);
// and (3) the kernel says it is ours right now: strace: `TracerPid` in /proc/PID/status is our strace;
// bpftrace: /proc shows it descends from the watched roots. Forged lines can change none of (1) and (3),
// so they cannot make watch signal anything outside the watched tree (kill(2) is never called with a pid
// <= 1, so never on a process group).
//
// Honesty: lost events are counted and reported (summary, --json), and watch exits EXIT_LOST unless
// --allow-loss; an alarm makes the exit status EXIT_ALARM. A process we stopped never leaves watch
// waiting: once every remaining watched task is stopped, gone or waiting for a child, the tracer
// detaches and watch ends, leaving the stopped processes stopped and saying so.
//
// Detectors: any registered kind with an online form (src/detectors/registry.ts onlineForm); each full
// window of a process is tested by it. A per-program model is watched against the union of its program
// databases (a live stream does not say which program a pid runs before its execve, and the union is
// what a shared model trained on the same data holds).
//
// Alarm reports are rate limited: the first alarm of a process is reported, then at most one report per
// `frame` windows of that process while it stays in alarm. Every alarming window is still counted. An
// alarm names the real calls of its window, also those outside the model's vocabulary.

import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, createReadStream, createWriteStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join, resolve as resolvePath } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { onlineForm } from '../detectors/registry.js';
import { resetMask } from '../detectors/xenids.js';
import { ALARM, OnlineDetector, type ProcessState } from './online.js';
import { InputError } from '../errors.js';
import { minAlarmLfc, policyLabel, type ThresholdPolicy } from '../eval/threshold.js';
import type { SyscallTable } from '../traces/trace.js';
import { awaitAttached, checkBpftrace, printEveryCallProgram, runBpftrace, startStopped, type BpftraceRun } from './bpftrace.js';
import type { SavedModel } from './model-file.js';
import { allTasks, maySignal, procStat, stalled, stoppedOrGone, tracerPid, withDescendants } from './procs.js';
import { exitStatusOf, STRACE_INSTALL, straceVersion } from './record.js';
import { EventDecoder, type EventSink, type StreamFormat } from './stream.js';

export type AlarmAction = 'report' | 'stop' | 'kill';
export type WatchBackend = 'strace' | 'bpftrace' | 'kernel';

/** watch's own exit status when it raised an alarm (unless events were lost). */
export const EXIT_ALARM = 3;
/** Exit status of record/watch when the tracer lost events (without --allow-loss). */
export const EXIT_LOST = 4;

export type WatchSource =
  | { kind: 'command'; argv: string[] }
  | { kind: 'pid'; pids: number[] }
  | { kind: 'cgroup'; path: string }
  | { kind: 'input'; path: string };

export interface WatchOptions {
  frame: number;
  policy: ThresholdPolicy;
  json?: boolean;
  /** JSON lines (alarms, then the summary) also go here, whatever `json` says (--events FILE). */
  events?: Writable;
  onAlarm?: AlarmAction;
  backend?: WatchBackend;
  /** Lost events do not make the exit status EXIT_LOST (they are still reported). */
  allowLoss?: boolean;
  /** Input format for --input (default auto). */
  format?: StreamFormat | 'auto';
  /** Numbering of `pid number` input (default: the model's training table, else Linux x86_64). */
  table?: SyscallTable;
  /** Where reports go (default process.stdout). */
  out?: Writable;
  /** Where notes go (attached, left stopped; default process.stderr). */
  notes?: Writable;
  /** stdio of a command started by watch (default inherit; with --json its stdout goes to our stderr). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  straceBin?: string;
  bpftraceBin?: string;
  /** Ends a live watch like Ctrl-C (the summary is still written). */
  signal?: AbortSignal;
  /** Keep every report and every process's final counts in the result (tests; not for long runs). */
  keepReports?: boolean;
  /** Calls that clear a process's buffer, instead of the model's (`--reset-on`). */
  resetOn?: readonly string[];
}

export interface AlarmReport {
  type: 'alarm';
  /**
   * Time of the offending call: ISO from the trace's epoch timestamp, HH:MM:SS.ffffff for a time-of-day
   * trace, the detection time for a live stream without timestamps, null for input without timestamps.
   */
  time: string | null;
  /** The trace's own timestamp of the call (seconds as printed), null when it has none. */
  traceTime: number | null;
  /** Input line of the call (--input only). */
  line?: number;
  pid: number;
  program: string | null;
  /** Window index within the process (0-based) and calls seen by the process so far. */
  window: number;
  event: number;
  lfc: number;
  frame: number;
  /** The current window, oldest call first, by real name (also calls outside the model's vocabulary). */
  sequence: string[];
  /** First report for this process? */
  first: boolean;
  /** 'refused': the pid failed the checks of the file comment (see `refused`); 'gone': it had ended before the signal. */
  action: 'none' | 'stopped' | 'killed' | 'failed' | 'refused' | 'gone';
  /** Why an action was refused. */
  refused?: string;
}

export interface ProcessLatency {
  pid: number;
  program: string | null;
  /** Calls of the process up to and including the one that completed the first alarming window. */
  calls: number;
  window: number;
  /** From the process's first event to its first alarm; null when not measurable. */
  ms: number | null;
}

/** What a stop/kill did, and how far from the offending call it landed. */
export interface ActionRecord {
  pid: number;
  action: 'stopped' | 'killed' | 'failed' | 'refused' | 'gone';
  /** Calls the process made after the one that completed the alarming window (as the tracer saw them). */
  callsAfterAction: number;
}

/** Final counts of one process (task), as the detector kept them. */
export interface ProcessRecord {
  pid: number;
  events: number;
  windows: number;
  mismatches: number;
  alarms: number;
  firstAlarmWindow: number;
}

export interface WatchSummary {
  type: 'summary';
  backend: WatchBackend | 'input';
  events: number;
  /** Calls the tracer reported lost (its buffer overflowed): the counts below miss them. */
  lostEvents: number;
  /** Tasks the kernel-side scope could not add (a map was full). */
  mapFull: number;
  seconds: number;
  eventsPerSecond: number;
  processes: number;
  windows: number;
  mismatches: number;
  /** Alarming windows (every window whose LFC reached the threshold). */
  alarms: number;
  /** Alarm lines printed (rate limited). */
  reports: number;
  processesAlarmed: number;
  /** 'trace' when latencies come from strace timestamps, 'wall' when measured while processing. */
  latencyClock: 'trace' | 'wall';
  /** The first SUMMARY_RECORDS alarmed processes (processesAlarmed counts them all). */
  latency: ProcessLatency[];
  /** The first SUMMARY_RECORDS actions; actionsOmitted counts those not listed. */
  actions: ActionRecord[];
  /** Alarmed processes / actions beyond SUMMARY_RECORDS, counted but not listed (present when > 0). */
  latencyOmitted?: number;
  actionsOmitted?: number;
  /** Processes stopped by --on-alarm stop and left stopped when watch ended. */
  leftStopped: number[];
  /**
   * Live only: from the call that completed an alarming window (its tracer timestamp: strace -ttt wall
   * clock, kernel CLOCK_MONOTONIC) to the moment watch read the alarm; null without timestamps.
   */
  alarmDelayMs: { median: number; max: number; n: number } | null;
  skippedLines: number;
  threshold: string;
  minAlarmLfc: number;
}

/**
 * Per-run records listed in the summary (alarmed processes, actions) are kept for the first this many;
 * later ones are counted only, so an endless stream of alarming processes keeps memory bounded.
 */
export const SUMMARY_RECORDS = 1000;

/**
 * Most pids remembered as created by the watched command (or their program names in the decoder)
 * without having been seen to exit. Exited pids are forgotten at once; this bound only matters when a
 * fork line names a child that already exited (strace can print it after the child's last line). The
 * oldest is forgotten first; a forgotten pid is refused an action, never wrongly signalled.
 */
export const MAX_TRACKED_PIDS = 65536;

/** Alarm delays: count and max exactly, the median over at most DELAY_SAMPLES evenly spaced samples. */
export const DELAY_SAMPLES = 8192;

/**
 * Bounded record of alarm delays: keeps every delay until DELAY_SAMPLES, then every 2nd, 4th, ... (the
 * stride doubles each time the sample fills), so the median is over evenly spaced samples of all of them.
 */
export class DelaySample {
  n = 0;
  max = -Infinity;
  readonly samples: number[] = [];
  private stride = 1;

  add(ms: number): void {
    if (this.n % this.stride === 0) {
      this.samples.push(ms);
      if (this.samples.length >= DELAY_SAMPLES) {
        let w = 0;
        for (let r = 0; r < this.samples.length; r += 2) this.samples[w++] = this.samples[r]!;
        this.samples.length = w;
        this.stride *= 2;
      }
    }
    this.n++;
    if (ms > this.max) this.max = ms;
  }

  stats(): WatchSummary['alarmDelayMs'] {
    if (this.n === 0) return null;
    const s = [...this.samples].sort((a, b) => a - b);
    return { median: round3(s[Math.floor((s.length - 1) / 2)]!), max: round3(this.max), n: this.n };
  }
}

/** The first SUMMARY_RECORDS records of a kind (alarmed processes, actions) and how many there were. */
export class CappedList<T> {
  readonly items: T[] = [];
  total = 0;

  add(x: T): void {
    this.total++;
    if (this.items.length < SUMMARY_RECORDS) this.items.push(x);
  }
}

/**
 * The summary's listed records, for every backend: first-alarm latencies, and the actions on processes
 * that ended followed by those on processes still live (the first SUMMARY_RECORDS of them), each with
 * the count of those not listed when there are any.
 */
export function listedRecords(
  latency: CappedList<ProcessLatency>,
  endedActions: CappedList<ActionRecord>,
  liveActions: Iterable<ActionRecord>,
): Pick<WatchSummary, 'processesAlarmed' | 'latency' | 'actions' | 'latencyOmitted' | 'actionsOmitted'> {
  const actions = [...endedActions.items, ...liveActions];
  const actionsOmitted = endedActions.total - endedActions.items.length + Math.max(0, actions.length - SUMMARY_RECORDS);
  return {
    processesAlarmed: latency.total,
    latency: latency.items,
    actions: actions.slice(0, SUMMARY_RECORDS),
    ...(latency.total > latency.items.length ? { latencyOmitted: latency.total - latency.items.length } : {}),
    ...(actionsOmitted > 0 ? { actionsOmitted } : {}),
  };
}

/** Adds to an insertion-ordered set, forgetting the oldest entry beyond `cap`. */
export function addBounded(set: Set<number>, v: number, cap: number): void {
  set.add(v);
  if (set.size > cap) set.delete(set.values().next().value!);
}

interface ProcInfo {
  firstTs: number;
  firstWall: number;
  lastReported: number;
  acted: boolean;
  /** Real names of the last calls outside the vocabulary: [event index, name index, ...]. */
  unknown: number[] | null;
}

/**
 * The detector side of watch: an EventSink that feeds the OnlineDetector, writes rate-limited alarm
 * reports and keeps the summary. Usable on its own (tests push events directly).
 */
export class Watcher implements EventSink {
  readonly detector: OnlineDetector;
  readonly model: SavedModel;
  readonly frame: number;
  readonly minLfc: number;
  readonly policy: ThresholdPolicy;
  private readonly json: boolean;
  private readonly out: Writable;
  private readonly events: Writable | undefined;
  private readonly info = new Map<number, ProcInfo>();
  private readonly names: readonly string[];
  private readonly unknownId: number;
  /** Set by watch(): what to do to an alarming live process, and who knows program names. */
  action: AlarmAction = 'report';
  /**
   * Set by watch() for live sources: the kernel-side check of a pid before it is signalled; returns
   * why the pid must not be touched, or null.
   */
  guard: (pid: number) => string | null = () => 'no live tracer';
  /** Pids the stream showed created by the watched command (or given with --pid). */
  readonly tree = new Set<number>();
  /** The first pid of the stream is the watched command (command mode). */
  treeFromFirstEvent = false;
  programOf: (pid: number) => string | undefined = () => undefined;
  /** bpftrace: every tid of the stream comes from our in-kernel scope filter (the guard still checks /proc). */
  treeFromScope = false;
  /** Real names behind the `unknown` indices of event() (the decoder's unknownNames). */
  unknownNames: readonly string[] = [];
  /** Input line of the current event (--input), for reports. */
  lineOf: (() => number) | null = null;
  /** Called after a stop action (watch uses it to notice when everything left is stopped). */
  onStopped: (pid: number) => void = () => {};
  backend: WatchSummary['backend'] = 'input';
  private started = performance.now();
  private endedAt: number | undefined;
  private ended = { processes: 0, windows: 0, mismatches: 0, alarms: 0 };
  /** First-alarm latencies (the first SUMMARY_RECORDS; total = processes alarmed). */
  private readonly latencies = new CappedList<ProcessLatency>();
  /** Actions on processes still live (callsAfterAction still counting), by pid. */
  private readonly actions = new Map<number, ActionRecord>();
  /** Actions on processes that ended (the first SUMMARY_RECORDS), and how many more were not kept. */
  private readonly actionRecords = new CappedList<ActionRecord>();
  private sawTraceTime = false;
  /** Alarm delays (ms) of live alarms with wall-clock trace timestamps. */
  readonly delays = new DelaySample();
  reports = 0;
  skippedLines = 0;
  lostEvents = 0;
  mapFull = 0;
  leftStopped: number[] = [];
  /** Every report, for callers that want them as objects (tests); null to keep none. */
  readonly alarmLog: AlarmReport[] | null;
  /** Every process's final counts (tests, equivalence checks); null to keep none. */
  readonly processLog: ProcessRecord[] | null;

  constructor(
    model: SavedModel,
    opts: { frame: number; policy: ThresholdPolicy; json?: boolean; out?: Writable; events?: Writable; keepReports?: boolean; resetOn?: readonly string[] },
  ) {
    this.model = model;
    this.frame = opts.frame;
    this.policy = opts.policy;
    this.minLfc = minAlarmLfc(opts.policy, opts.frame);
    if (this.minLfc > opts.frame) {
      throw new InputError(`threshold ${policyLabel(opts.policy)} can never alarm in a frame of ${opts.frame} windows`, {
        expected: `a count threshold <= ${opts.frame} or a ratio < 1`,
      });
    }
    this.json = opts.json ?? false;
    this.out = opts.out ?? process.stdout;
    this.events = opts.events;
    this.alarmLog = opts.keepReports ? [] : null;
    this.processLog = opts.keepReports ? [] : null;
    this.names = model.alphabet.allNames();
    this.unknownId = model.alphabet.idOf('<unknown>') ?? -1;
    this.detector = new OnlineDetector(onlineForm(model.detector), {
      minAlarmLfc: this.minLfc,
      frame: opts.frame,
      resetMask: resetMask(model.alphabet, opts.resetOn ?? model.config.resetOn),
    });
  }

  /** Restarts the events/s clock (call when the stream really starts). */
  startClock(): void {
    this.started = performance.now();
  }

  event(pid: number, id: number, ts: number, unknown = -1): void {
    if (this.treeFromFirstEvent) {
      this.treeFromFirstEvent = false;
      this.tree.add(pid);
    }
    const r = this.detector.push(0, pid, id);
    const s = this.detector.last!;
    let info: ProcInfo | undefined;
    if (s.events === 1) {
      info = { firstTs: ts, firstWall: performance.now(), lastReported: -1, acted: false, unknown: null };
      this.info.set(pid, info);
      if (ts === ts) this.sawTraceTime = true; // not NaN
    }
    if (unknown >= 0) {
      info ??= this.info.get(pid)!;
      const u = (info.unknown ??= []);
      u.push(s.events - 1, unknown);
      // Keep only what can still be in the window.
      if (u.length > 4 * this.detector.k) u.splice(0, u.length - 2 * this.detector.k);
    }
    if (this.actions.size > 0) {
      const a = this.actions.get(pid);
      if (a !== undefined) a.callsAfterAction++;
    }
    if (r === ALARM) this.alarm(pid, s, ts);
  }

  fork(parent: number, child: number): void {
    if (this.tree.has(parent)) addBounded(this.tree, child, MAX_TRACKED_PIDS);
  }

  exit(pid: number): void {
    const s = this.detector.end(0, pid);
    if (s !== undefined) this.retire(s);
    this.info.delete(pid);
    // Everything kept per pid goes with it (a reused pid is a new process, seen created anew).
    this.tree.delete(pid);
    const a = this.actions.get(pid);
    if (a !== undefined) this.actionRecords.add(a);
    this.actions.delete(pid);
  }

  /**
   * How many entries the per-process state holds (for tests of boundedness): live processes (info,
   * detector), tree pids, pending actions, and the bounded summary records and delay sample.
   */
  trackedState(): { live: number; detector: number; tree: number; actions: number; records: number; delaySamples: number } {
    return {
      live: this.info.size,
      detector: [...this.detector.processes()].length,
      tree: this.tree.size,
      actions: this.actions.size,
      records: this.latencies.items.length + this.actionRecords.items.length,
      delaySamples: this.delays.samples.length,
    };
  }

  private retire(s: ProcessState): void {
    this.ended.processes++;
    this.ended.windows += s.windows;
    this.ended.mismatches += s.mismatches;
    this.ended.alarms += s.alarms;
    this.processLog?.push({
      pid: s.pid,
      events: s.events,
      windows: s.windows,
      mismatches: s.mismatches,
      alarms: s.alarms,
      firstAlarmWindow: s.firstAlarmWindow,
    });
  }

  /** The window of a process by real name: the model's names, unknown calls by the name the tracer gave. */
  private windowNames(s: ProcessState, info: ProcInfo): string[] {
    const w = this.detector.currentWindow(s);
    const k = w.length;
    const seq: string[] = new Array<string>(k);
    const firstEvent = s.events - k;
    for (let j = 0; j < k; j++) {
      let name = this.names[w[j]!] ?? '?';
      if (w[j] === this.unknownId && info.unknown !== null) {
        const u = info.unknown;
        for (let q = u.length - 2; q >= 0; q -= 2) {
          if (u[q] === firstEvent + j) {
            name = this.unknownNames[u[q + 1]!] ?? name;
            break;
          }
        }
      }
      seq[j] = name;
    }
    return seq;
  }

  private alarm(pid: number, s: ProcessState, ts: number): void {
    const info = this.info.get(pid)!;
    const windowIndex = s.windows - 1;
    const first = info.lastReported < 0;
    if (first) {
      const traceMs = ts === ts && info.firstTs === info.firstTs ? (ts - info.firstTs) * 1000 : NaN;
      const wallMs = performance.now() - info.firstWall;
      this.latencies.add({
        pid,
        program: this.programOf(pid) ?? null,
        calls: s.firstAlarmEvent + 1,
        window: s.firstAlarmWindow,
        ms: traceMs === traceMs ? round3(traceMs) : round3(wallMs),
      });
    } else if (windowIndex - info.lastReported < this.frame) {
      return;
    }
    info.lastReported = windowIndex;
    let action: AlarmReport['action'] = 'none';
    let refused: string | undefined;
    if (this.action !== 'report' && !info.acted) {
      refused = this.refusal(pid);
      if (refused === undefined) {
        info.acted = true;
        action = this.act(pid);
      } else {
        action = 'refused'; // not marked acted: a later report retries (the fork line may come later)
        if (!this.actions.has(pid)) this.actions.set(pid, { pid, action: 'refused', callsAfterAction: 0 });
      }
    }
    const live = this.lineOf === null;
    if (live && ts === ts && ts > 1e9) this.delays.add(Date.now() - ts * 1000);
    const report: AlarmReport = {
      type: 'alarm',
      time: alarmTime(ts, live),
      traceTime: ts === ts ? ts : null,
      ...(this.lineOf !== null ? { line: this.lineOf() } : {}),
      pid,
      program: this.programOf(pid) ?? null,
      window: windowIndex,
      event: s.events - 1,
      lfc: s.frame.lfc,
      frame: this.frame,
      sequence: this.windowNames(s, info),
      first,
      action,
      ...(refused !== undefined ? { refused } : {}),
    };
    this.reports++;
    this.alarmLog?.push(report);
    this.emit(report);
  }

  /** Writes one report (alarm or summary) to the text/JSON output and the --events stream. */
  emit(r: AlarmReport | WatchSummary): void {
    const line = JSON.stringify(r) + '\n';
    if (this.json) this.out.write(line);
    else this.out.write((r.type === 'alarm' ? formatAlarm(r) : formatSummary(r)) + '\n');
    this.events?.write(line);
  }

  /** Why `pid` must not be signalled (see the file comment), or undefined when it may be. */
  private refusal(pid: number): string | undefined {
    if (!Number.isInteger(pid) || pid <= 1) return `pid ${pid} is never signalled`;
    if (pid === process.pid) return 'that is watch itself';
    if (!maySignal(pid, () => true)) return `pid ${pid} is watch's own ancestor or gone`;
    if (!this.treeFromScope && !this.tree.has(pid)) return `pid ${pid} was not seen created by the watched command`;
    return this.guard(pid) ?? undefined;
  }

  private act(pid: number): AlarmReport['action'] {
    const sig = this.action === 'stop' ? 'SIGSTOP' : 'SIGKILL';
    let res: ActionRecord['action'];
    try {
      process.kill(pid, sig);
      res = this.action === 'stop' ? 'stopped' : 'killed';
    } catch {
      res = 'failed';
    }
    this.actions.set(pid, { pid, action: res, callsAfterAction: 0 });
    if (res === 'stopped') this.onStopped(pid);
    return res;
  }

  /** Has this task been seen (and not ended)? */
  isLive(pid: number): boolean {
    return this.info.has(pid);
  }

  /** Tasks still open (seen, not exited). */
  livePids(): number[] {
    return [...this.info.keys()];
  }

  /** Ends every process still open and returns the summary. */
  finish(): WatchSummary {
    if (this.endedAt === undefined) {
      this.endedAt = performance.now();
      for (const s of [...this.detector.processes()]) this.retire(s);
    }
    const seconds = (this.endedAt - this.started) / 1000;
    const events = this.detector.events;
    const { processesAlarmed, ...listed } = listedRecords(this.latencies, this.actionRecords, this.actions.values());
    return {
      type: 'summary',
      backend: this.backend,
      events,
      lostEvents: this.lostEvents,
      mapFull: this.mapFull,
      seconds: round3(seconds),
      eventsPerSecond: seconds > 0 ? Math.round(events / seconds) : 0,
      processes: this.ended.processes,
      windows: this.ended.windows,
      mismatches: this.ended.mismatches,
      alarms: this.ended.alarms,
      reports: this.reports,
      processesAlarmed,
      latencyClock: this.sawTraceTime ? 'trace' : 'wall',
      ...listed,
      leftStopped: this.leftStopped,
      alarmDelayMs: this.delays.stats(),
      skippedLines: this.skippedLines,
      threshold: policyLabel(this.policy),
      minAlarmLfc: this.minLfc,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Median, max and count of alarm delays (ms, 3 decimals); null when there are none. */
export function delayStats(d: readonly number[]): WatchSummary['alarmDelayMs'] {
  if (d.length === 0) return null;
  const s = [...d].sort((a, b) => a - b);
  return { median: round3(s[Math.floor((s.length - 1) / 2)]!), max: round3(s.at(-1)!), n: s.length };
}

/** See AlarmReport.time. */
export function alarmTime(ts: number, live: boolean): string | null {
  if (ts === ts && ts > 1e9) return new Date(ts * 1000).toISOString();
  if (ts === ts && ts >= 0 && ts < 86400 * 2) {
    const h = Math.floor(ts / 3600);
    const m = Math.floor((ts % 3600) / 60);
    const sec = ts - h * 3600 - m * 60;
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(6).padStart(9, '0')}`;
  }
  return live ? new Date().toISOString() : null;
}

export function formatAlarm(r: AlarmReport): string {
  const prog = r.program ?? '?';
  const act = r.action === 'none' ? '' : ` action=${r.action}` + (r.refused !== undefined ? ` (${r.refused})` : '');
  const at = r.line !== undefined ? ` line=${r.line}` : '';
  return `ALARM ${r.time ?? '-'}${at} pid=${r.pid} program=${prog} window=${r.window} call=${r.event} lfc=${r.lfc}/${r.frame}${act} seq=${r.sequence.join(',')}`;
}

export function formatSummary(s: WatchSummary): string {
  const lines = [
    `summary: ${s.events} events in ${s.seconds.toFixed(3)} s (${s.eventsPerSecond} events/s), ${s.processes} processes, ` +
      `${s.windows} windows, ${s.mismatches} mismatches, threshold ${s.threshold} (LFC >= ${s.minAlarmLfc})`,
    `lost: ${s.lostEvents} events lost by the tracer` +
      (s.lostEvents > 0 ? ' (INCOMPLETE: the counts above miss them)' : '') +
      (s.mapFull > 0 ? `, ${s.mapFull} tasks not watched (kernel map full)` : '') +
      (s.backend === 'strace' ? ' (strace/ptrace loses none)' : ''),
    `alarms: ${s.alarms} alarming windows, ${s.reports} reported, ${s.processesAlarmed} processes alarmed` +
      (s.skippedLines > 0 ? `, ${s.skippedLines} unparseable lines skipped` : ''),
  ];
  for (const l of s.latency) {
    lines.push(
      `  pid ${l.pid} (${l.program ?? '?'}): first alarm after ${l.calls} calls (window ${l.window})` +
        (l.ms !== null ? `, ${l.ms} ms (${s.latencyClock} clock)` : ''),
    );
  }
  if (s.latencyOmitted !== undefined) lines.push(`  ... and ${s.latencyOmitted} more alarmed processes (only the first ${SUMMARY_RECORDS} are listed)`);
  for (const a of s.actions) {
    lines.push(`  pid ${a.pid}: ${a.action}; ${a.callsAfterAction} further calls seen after the alarming one`);
  }
  if (s.actionsOmitted !== undefined) lines.push(`  ... and ${s.actionsOmitted} more actions (only the first ${SUMMARY_RECORDS} are listed)`);
  if (s.alarmDelayMs !== null) {
    lines.push(`  alarm delay (offending call -> alarm read by watch): median ${s.alarmDelayMs.median} ms, max ${s.alarmDelayMs.max} ms over ${s.alarmDelayMs.n} alarms`);
  }
  if (s.leftStopped.length > 0) {
    lines.push(`  left stopped: ${s.leftStopped.join(' ')} (resume with kill -CONT, or end with kill -KILL)`);
  }
  return lines.join('\n');
}

/** watch's exit status: EXIT_LOST when events were lost (unless allowed), EXIT_ALARM on an alarm, else the command's. */
export function watchStatus(s: WatchSummary, commandStatus: number, allowLoss: boolean): number {
  if ((s.lostEvents > 0 || s.mapFull > 0) && !allowLoss) return EXIT_LOST;
  if (s.alarms > 0) return EXIT_ALARM;
  return commandStatus;
}

/** Opens --input (a path, or '-' for stdin), gunzipping gzip data. */
function openInput(path: string): Readable {
  if (path === '-') return process.stdin;
  let head = Buffer.alloc(0);
  try {
    const fd = openSync(path, 'r');
    try {
      const b = Buffer.alloc(2);
      const n = readSync(fd, b, 0, 2, 0);
      head = b.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'input file not found' : `cannot read input: ${(e as Error).message}`, { file: path });
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  if (head.length === 2 && head[0] === 0x1f && head[1] === 0x8b) return raw.pipe(createGunzip());
  return raw;
}

interface LiveBackend {
  /** Feeds the decoder until the tracer is done. */
  pump: (decoder: EventDecoder) => Promise<void>;
  /** The tracer's proof that a task is watched (strace: TracerPid), for the attach notice. */
  inScope: (pid: number) => boolean;
  /** strace's pid (the TracerPid of its tracees). */
  tracerPid?: number;
  /** bpftrace: the processes whose trees are watched (empty for a cgroup). */
  roots: number[];
  /** Detach from everything (leaving stopped processes stopped) so the stream ends. */
  detach: () => void;
  /** Ctrl-C. */
  interrupt: () => void;
  /** Resolves with the tracer's (strace) or command's (bpftrace) exit. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  lost: () => number;
  mapFull: () => number;
  cleanup: () => void;
}

/** stdio for a started command: with --json on stdout, its stdout goes to our stderr (never mixed). */
function commandStdio(opts: WatchOptions): ['inherit' | 'pipe' | 'ignore', 'inherit' | 'pipe' | 'ignore' | number, 'inherit' | 'pipe' | 'ignore'] {
  if (opts.stdio !== undefined) return [opts.stdio, opts.stdio, opts.stdio];
  return opts.json ? ['inherit', 2, 'inherit'] : ['inherit', 'inherit', 'inherit'];
}

/** The executable `cmd` names: itself when it has a slash, else the first match on PATH. */
export function resolveCommand(cmd: string): string {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, fsConstants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  };
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : resolvePath(cmd);
    if (!executable(p)) throw new InputError(`cannot run ${cmd}: not an executable file`);
    return p;
  }
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, cmd);
    if (executable(p)) return p;
  }
  throw new InputError(`command not found: ${cmd}`, { expected: 'a program on PATH or a path to an executable' });
}

/**
 * The argv strace runs for `-- CMD`: a shell that closes fd 3 (the event channel) and execs the command
 * with its own argv[0]. bash's `exec -a` keeps argv[0]; without bash, sh execs the resolved path.
 */
function wrappedCommand(argv: readonly string[]): string[] {
  const path = resolveCommand(argv[0]!);
  let bash = false;
  try {
    accessSync('/bin/bash', fsConstants.X_OK);
    bash = true;
  } catch {
    bash = false;
  }
  return bash
    ? ['/bin/bash', '-c', 'exec 3>&-; exec -a "$0" "$@"', argv[0]!, path, ...argv.slice(1)]
    : ['/bin/sh', '-c', 'exec 3>&-; exec "$@"', 'sh', path, ...argv.slice(1)];
}

/** Starts strace writing into an unlinked FIFO passed as its fd 3; see the file comment. */
function startStrace(source: Extract<WatchSource, { kind: 'command' | 'pid' }>, opts: WatchOptions, batchMs: number): LiveBackend {
  const bin = opts.straceBin ?? 'strace';
  straceVersion(bin);
  const wrapped = source.kind === 'command' ? wrappedCommand(source.argv) : [];
  const dir = mkdtempSync(join(tmpdir(), 'stidebench-watch-'));
  const fifo = join(dir, 'events');
  const mk = spawnSync('mkfifo', ['-m', '600', fifo]);
  if (mk.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new InputError(`cannot create a FIFO for strace output (mkfifo: ${mk.error?.message ?? mk.stderr?.toString().trim()})`);
  }
  let rfd: number;
  let wfd: number | null;
  try {
    rfd = openSync(fifo, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    wfd = openSync(fifo, fsConstants.O_WRONLY | fsConstants.O_NONBLOCK);
  } finally {
    // From here on the channel exists only as descriptors: no path names it.
    rmSync(dir, { recursive: true, force: true });
  }
  const base = ['-f', '-q', '-ttt', '-s', '64', '-o', '/dev/fd/3'];
  const args = source.kind === 'command' ? [...base, '--', ...wrapped] : [...base, ...source.pids.flatMap((p) => ['-p', String(p)])];
  const stdio: StdioOptions = source.kind === 'command' ? [...commandStdio(opts), wfd] : ['ignore', 'inherit', 'inherit', wfd];
  const child = spawn(bin, args, { stdio });
  let giveUp = false;
  const closeWriter = (): void => {
    if (wfd !== null) {
      closeSync(wfd);
      wfd = null;
    }
  };
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      closeWriter();
      rej(e.code === 'ENOENT' ? new InputError(`strace is not installed; install it with \`${STRACE_INSTALL}\``) : new InputError(`cannot run strace: ${e.message}`));
    });
    child.once('exit', (code, signal) => {
      closeWriter();
      res({ code, signal });
    });
  });
  return {
    pump: (decoder) => pollFifo(rfd, decoder, batchMs, () => giveUp),
    inScope: (pid) => child.pid !== undefined && tracerPid(pid) === child.pid,
    tracerPid: child.pid,
    roots: source.kind === 'pid' ? source.pids : [],
    // SIGTERM: strace detaches from every tracee and exits. Detaching from a stopped tracee can take
    // strace many seconds (measured: 17-27 s), so it gets 1 s, then SIGKILL: the kernel then detaches
    // every tracee itself, and one in group stop stays stopped.
    // Detaching from a stopped tracee can take strace many seconds (measured: 17-27 s), and SIGKILL
    // would kill the command it started (strace sets PTRACE_O_EXITKILL on it): so SIGTERM, and the
    // stream is given up 1 s later whether or not strace has finished; it detaches on its own.
    detach: () => {
      child.kill('SIGTERM');
      setTimeout(() => (giveUp = true), 1000).unref();
    },
    // A started command gets Ctrl-C from the terminal itself (strace ignores it); an attached strace detaches.
    interrupt: () => {
      if (source.kind === 'pid') child.kill('SIGINT');
    },
    exit,
    lost: () => 0,
    mapFull: () => 0,
    cleanup: () => {
      closeWriter();
      closeSync(rfd);
    },
  };
}

/**
 * bpftrace printing every call of the scope into the decoder. A command starts stopped so bpftrace is
 * attached before its first call; pids are taken with their threads and existing descendants.
 */
async function startBpftraceBackend(source: Extract<WatchSource, { kind: 'command' | 'pid' | 'cgroup' }>, opts: WatchOptions): Promise<LiveBackend> {
  checkBpftrace(opts.bpftraceBin);
  let launcher: ChildProcess | undefined;
  let tids: number[] = [];
  if (source.kind === 'command') {
    launcher = await startStopped(source.argv, commandStdio(opts));
    tids = [launcher.pid!];
  } else if (source.kind === 'pid') {
    tids = allTasks(withDescendants(source.pids));
  }
  // Command mode: the launcher's own calls before the command's exec are dropped in the kernel (as the
  // strace backend drops them), so every backend counts the same calls.
  const scope =
    source.kind === 'cgroup' ? { kind: 'cgroup' as const, path: source.path } : { kind: 'tasks' as const, tids, ...(launcher ? { prelude: launcher.pid! } : {}) };
  let feed: (l: string) => void = () => {};
  const lines: string[] = [];
  let decoderRef: EventDecoder | undefined;
  const run: BpftraceRun = runBpftrace(printEveryCallProgram(scope), {
    bin: opts.bpftraceBin,
    onLine: (l) => (decoderRef ? feed(l) : lines.push(l)),
  });
  const launcherExit = launcher
    ? new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => launcher.once('exit', (code, signal) => res({ code, signal })))
    : undefined;
  try {
    await awaitAttached(run);
  } catch (e) {
    launcher?.kill('SIGKILL');
    throw e;
  }
  if (source.kind !== 'command') {
    (opts.notes ?? process.stderr).write(
      source.kind === 'pid'
        ? `stidebench: bpftrace attached to ${tids.length} thread(s) of ${source.pids.join(' ')} and their descendants; future children are followed\n`
        : `stidebench: bpftrace attached to cgroup ${source.path}\n`,
    );
  }
  if (launcher) process.kill(launcher.pid!, 'SIGCONT');
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await new Promise((r) => setTimeout(r, 200)); // the last events of the tree
    await run.stop();
  };
  launcherExit?.then(stop);
  return {
    pump: async (decoder) => {
      decoderRef = decoder;
      feed = (l) => {
        decoder.line(l);
      };
      for (const l of lines.splice(0)) feed(l);
      const r = await run.exit;
      if (!stopping && r.code !== 0 && run.stderr().includes('ERROR')) throw new InputError(`bpftrace failed: ${run.stderr().trim().split('\n').at(-1)}`);
    },
    inScope: () => false,
    roots: source.kind === 'command' ? [launcher!.pid!] : source.kind === 'pid' ? withDescendants(source.pids) : [],
    detach: () => void stop(),
    interrupt: () => void stop(),
    exit: launcherExit ?? run.exit,
    lost: run.lost,
    mapFull: run.mapFull,
    cleanup: () => {
      if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    },
  };
}

/**
 * Parent-side check before signalling `pid` (bpftrace backend): /proc must show it (its thread group)
 * descending from one of the watched roots right now.
 */
export function descendsFrom(roots: readonly number[]): (pid: number) => string | null {
  const set = new Set(roots);
  return (pid) => {
    let p = tgidOf(pid);
    if (p === undefined) return `pid ${pid} no longer exists`;
    for (let hops = 0; p !== undefined && p > 1 && hops < 4096; hops++) {
      if (set.has(p)) return null;
      p = procStat(p)?.ppid;
    }
    return set.size === 0 ? 'no watched roots (cgroup scope: actions need --pid or a command)' : `pid ${pid} does not descend from the watched processes`;
  };
}

function tgidOf(pid: number): number | undefined {
  try {
    const m = /^Tgid:\s*(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Parent-side check before signalling `pid`: it must be traced right now by our own strace. */
export function tracedBy(tracerPid: number | undefined): (pid: number) => string | null {
  return (pid) => {
    if (tracerPid === undefined) return 'no live tracer';
    if (pid === tracerPid) return 'that is the tracer';
    let status: string;
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return `pid ${pid} no longer exists`;
    }
    const m = /^TracerPid:\s*(\d+)/m.exec(status);
    const tracer = m ? Number(m[1]) : -1;
    return tracer === tracerPid ? null : `pid ${pid} is not traced by this watch (TracerPid ${tracer})`;
  };
}

export interface WatchResult {
  summary: WatchSummary;
  /** The watched command's exit status (command mode), else 0. */
  exitStatus: number;
  /** watch's own exit status (see watchStatus). */
  status: number;
  reports: AlarmReport[];
  /** Every process's final counts (keepReports only). */
  processes: ProcessRecord[];
}

/** Runs watch to completion: until the input ends, the command exits, or the attached pids go. */
export async function watch(model: SavedModel, source: WatchSource, opts: WatchOptions): Promise<WatchResult> {
  const backendKind: WatchBackend = opts.backend ?? 'strace';
  if (backendKind === 'kernel' && source.kind !== 'input') {
    const { watchKernel } = await import('./kernel-watch.js');
    return watchKernel(model, source, opts);
  }
  const out = opts.out ?? process.stdout;
  const notes = opts.notes ?? process.stderr;
  const w = new Watcher(model, { frame: opts.frame, policy: opts.policy, json: opts.json, out, events: opts.events, keepReports: opts.keepReports, ...(opts.resetOn ? { resetOn: opts.resetOn } : {}) });
  const live = source.kind !== 'input';
  w.action = live ? (opts.onAlarm ?? 'report') : 'report';
  w.backend = live ? backendKind : 'input';
  if (!live && opts.onAlarm !== undefined && opts.onAlarm !== 'report') {
    throw new InputError(`--on-alarm ${opts.onAlarm} needs a live source`, { expected: '-- CMD ..., --pid PID or --cgroup PATH (with --input, only report)' });
  }
  if (source.kind === 'cgroup' && backendKind === 'strace') {
    throw new InputError('--cgroup needs --backend bpftrace or kernel', { expected: 'strace attaches to pids, not cgroups' });
  }
  const table = opts.table ?? modelInputTable(model);
  const viaBpftrace = live && backendKind === 'bpftrace';
  const decoder = new EventDecoder(model.alphabet, w, {
    format: !live ? (opts.format ?? 'auto') : viaBpftrace ? 'unm' : 'strace',
    // Command mode (strace): drop the descriptor-closing shell's calls, up to the exec of the command itself.
    preludeExecs: source.kind === 'command' && !viaBpftrace ? 2 : 0,
    table,
    file: source.kind === 'input' ? (source.path === '-' ? '<stdin>' : source.path) : viaBpftrace ? '<bpftrace>' : '<strace>',
    // A file is input like any other (a bad line stops with file:line); a live stream, including stdin
    // piped from a tracer, skips and counts lines that are not calls.
    strict: !live && !(source.kind === 'input' && source.path === '-'),
  });
  w.unknownNames = decoder.unknownNames;
  if (!live) w.lineOf = () => decoder.lines;
  // Live: a pid whose execve we did not see (attached with --pid, or forked before) is named by the
  // kernel's comm, read only when a report needs it.
  w.programOf = live ? (pid) => decoder.programOf(pid) ?? procComm(pid) : (pid) => decoder.programOf(pid);

  let backend: LiveBackend | undefined;
  let stream: Readable | undefined;
  let attachedPids: number[] = [];
  if (source.kind === 'input') stream = openInput(source.path);
  else if (backendKind === 'bpftrace') {
    backend = await startBpftraceBackend(source, opts);
    w.treeFromScope = true;
    w.guard = descendsFrom(backend.roots);
  } else {
    if (source.kind === 'cgroup') throw new Error('unreachable');
    let pids: number[] = [];
    if (source.kind === 'pid') {
      // strace -p attaches every thread of a process; existing children are attached explicitly and
      // future ones followed by -f.
      pids = withDescendants(source.pids);
      source = { kind: 'pid', pids };
    }
    // Actions act sooner with short batches (the program runs on while a batch waits to be read).
    backend = startStrace(source, opts, opts.onAlarm === 'stop' || opts.onAlarm === 'kill' ? 1 : LIVE_BATCH_MS);
    w.guard = tracedBy(backend.tracerPid);
    if (source.kind === 'command') w.treeFromFirstEvent = true;
    else for (const p of pids) w.tree.add(p);
    attachedPids = pids;
  }

  // A stopped process must not keep watch waiting: once every open task is stopped, gone or waiting for
  // a child (its stopped child), nothing can happen any more: detach.
  let stopTimer: NodeJS.Timeout | undefined;
  const stopped = new Set<number>();
  let detached = false;
  w.onStopped = (pid) => {
    stopped.add(pid);
    stopTimer ??= setInterval(() => {
      const open = w.livePids();
      if (open.every((p) => stalled(p))) {
        detached = true;
        clearInterval(stopTimer);
        backend?.detach();
      }
    }, 200);
  };

  // Ctrl-C: a started command gets it from the terminal itself; an attached tracer is told to detach;
  // with --input we stop reading. After a stop action, Ctrl-C detaches (the stopped process cannot
  // react to it). Either way the summary is still printed.
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    if (stopped.size > 0) {
      detached = true;
      backend?.detach();
    } else backend?.interrupt();
    stream?.destroy();
  };
  const onSigterm = (): void => {
    if (backend) backend.detach();
    else stream?.destroy();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  opts.signal?.addEventListener('abort', onSigint);
  let exitStatus = 0;
  try {
    w.startClock();
    if (attachedPids.length > 0 && backend) void announceAttached(attachedPids, backend, notes);
    try {
      if (backend) await backend.pump(decoder);
      else for await (const chunk of stream!) decoder.push(chunk as Buffer);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (interrupted && code === 'ERR_STREAM_PREMATURE_CLOSE') {
        // Ctrl-C while reading --input: summarise what was read.
      } else if (e instanceof InputError) {
        throw e;
      } else {
        const what = typeof code === 'string' && code.startsWith('Z_') ? 'corrupt or truncated gzip data' : 'cannot read input';
        throw new InputError(`${what} (${(e as Error).message})`, { file: source.kind === 'input' ? source.path : '<tracer>' });
      }
    }
    if (!interrupted || backend !== undefined) decoder.end();
    if (backend) {
      const { code, signal } = detached ? { code: 0, signal: null } : await backend.exit;
      if (source.kind === 'command' && !detached) {
        exitStatus = exitStatusOf(code, signal);
        if (w.detector.events === 0 && exitStatus !== 0) {
          throw new InputError(`nothing was traced for \`${source.argv[0]}\` (exit status ${exitStatus}); is the command installed and executable?`);
        }
      } else if (source.kind === 'pid' && backendKind === 'strace' && code !== 0 && !interrupted && !detached && w.detector.events === 0) {
        throw new InputError(`strace could not attach to pid ${source.pids.join(', ')} (exit status ${exitStatusOf(code, signal)}); does it exist, and may this user ptrace it?`);
      }
    }
  } finally {
    clearInterval(stopTimer);
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    opts.signal?.removeEventListener('abort', onSigint);
    backend?.cleanup();
  }
  w.skippedLines = decoder.skipped;
  w.lostEvents = decoder.lost;
  w.mapFull = backend?.mapFull() ?? 0;
  w.leftStopped = [...stopped].filter((p) => readState(p) === 'T' || readState(p) === 't');
  const summary = w.finish();
  w.emit(summary);
  return {
    summary,
    exitStatus,
    status: watchStatus(summary, exitStatus, opts.allowLoss ?? false),
    reports: w.alarmLog ?? [],
    processes: w.processLog ?? [],
  };
}

function readState(pid: number): string | undefined {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return t.charAt(t.lastIndexOf(')') + 2);
  } catch {
    return undefined;
  }
}

/**
 * Says on stderr when strace has attached to every task of the given processes (their TracerPid is our
 * strace), and names processes that appeared meanwhile and are not watched (forked before their parent
 * was attached).
 */
async function announceAttached(pids: number[], backend: LiveBackend, notes: Writable): Promise<void> {
  const t0 = performance.now();
  for (;;) {
    const tasks = allTasks(pids);
    const pending = tasks.filter((t) => !backend.inScope(t) && !stoppedOrGone(t));
    if (pending.length === 0) {
      notes.write(
        `stidebench: attached to ${pids.length} process(es), ${tasks.length} thread(s): ${pids.join(' ')} (${Math.round(performance.now() - t0)} ms); future children are followed\n`,
      );
      // A process forked between the scan and its parent's attach is not followed: name those still
      // alive and untraced after a moment (a child forked after the attach is traced within it).
      const untraced = (): number[] =>
        withDescendants(pids).filter((p) => {
          const t = tracerPid(p);
          return t !== undefined && !backend.inScope(p) && !stoppedOrGone(p);
        });
      let missed = untraced();
      if (missed.length > 0) {
        await new Promise((r) => setTimeout(r, 200));
        missed = untraced().filter((p) => missed.includes(p));
      }
      if (missed.length > 0) notes.write(`stidebench: warning: ${missed.length} process(es) forked during attach are not watched: ${missed.join(' ')}\n`);
      return;
    }
    if (performance.now() - t0 > 10_000) {
      notes.write(`stidebench: warning: after 10 s, ${pending.length} thread(s) are still not traced: ${pending.slice(0, 20).join(' ')}\n`);
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * Live reading in batches. strace writes every line with its own write(2); a reader blocked on the pipe
 * is woken by each one, and those wake-ups cost more than the tracing itself (ls -R on a 2-CPU VM:
 * 3-7x slower than strace writing to a file). So the FIFO is never waited on: it is read (non-blocking,
 * up to 1 MiB at a time) until empty, then left alone for `ms` milliseconds while strace's writes just
 * fill the pipe buffer (when it is full, strace and so the traced program wait for us). Costs at most
 * `ms` of extra detection latency (1 ms when --on-alarm stop|kill must act soon).
 */
export const LIVE_BATCH_MS = 10;

async function pollFifo(fd: number, decoder: EventDecoder, ms: number, giveUp: () => boolean = () => false): Promise<void> {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
    if (giveUp()) return;
    let n: number;
    try {
      n = readSync(fd, buf, 0, buf.length, null);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
      await new Promise((r) => setTimeout(r, ms));
      continue;
    }
    if (n === 0) return;
    decoder.push(buf.subarray(0, n)); // decoded to a string at once, so buf can be reused
    if (n < buf.length) await new Promise((r) => setTimeout(r, ms));
  }
}

function procComm(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The numbering the model was trained with for numeric input, when it recorded one. */
export function modelInputTable(model: SavedModel): SyscallTable | undefined {
  const t = model.training.inputTable;
  if (t === undefined || t === null) return undefined;
  const names = t.names;
  return { id: t.id, name: (n: number) => names[n] ?? `${t.id}#${n}` };
}

/** Opens --events FILE for JSON lines ('-' is stderr). */
export function openEvents(path: string): Writable {
  if (path === '-') return process.stderr;
  let fd: number;
  try {
    fd = openSync(path, 'w');
  } catch (e) {
    throw new InputError(`cannot write events: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: path });
  }
  return createWriteStream('', { fd });
}
