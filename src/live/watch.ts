// Owns `stidebench watch`: online detection with a saved model, the paper's XenIds loop on a real
// system. Events come from a tracer it starts (`-- CMD ARGS`, `--pid PID`) or from a trace file/stdin
// (`--input`), and go through one OnlineDetector (per-pid k-buffer and locality frame, buffer cleared on
// the model's reset calls, alarm when the LFC reaches the threshold policy's minimum).
//
// Live backend: `strace -f -q -ttt -s 64 -o /dev/fd/3`, where fd 3 is the write end of a FIFO that was
// unlinked before strace started: the event channel has no path anywhere (nothing in strace's argv or
// the file system names it). The traced command is started through a shell that closes fd 3 and then
// execs it (`exec 3>&-; exec -a ARGV0 PATH ARGS`), so the command inherits no descriptor of the channel;
// the shell's own calls before that exec are dropped (EventDecoder preludeExecs), so the events are
// exactly those of tracing the command itself. We hold a write end ourselves until strace exits, so the
// stream ends exactly when strace is done; the read end is polled in batches (see pollFifo) because
// waking up on every strace line is slower than tracing itself. `-q` (not `-qq`) keeps the `+++ exited`
// lines that end a pid's state. strace prints a call when it returns, so `--on-alarm stop|kill` reacts
// right after the offending call completed (not before it, unlike the paper's synchronous Xenini mode).
//
// Actions only on what we watch: a same-user program can still reach a process's descriptors through
// /proc/PID/fd, so event lines are never trusted to choose whom to signal. `stop`/`kill` act on a pid
// only when (1) it is > 1, not watch itself, not strace, and not in watch's process group; (2) the
// stream showed it created by the watched command (or it was given with --pid); and (3) the kernel says
// our own strace traces it right now (`TracerPid` in /proc/PID/status). Forged lines can change none of
// (1) and (3), so they cannot make watch signal anything outside the watched tree.
//
// Detectors: any registered kind with an online form (src/detectors/registry.ts onlineForm); each full
// window of a process is tested by it. A per-program model is watched against the union of its program
// databases (a live stream does not say which program a pid runs before its execve, and the union is
// what a shared model trained on the same data holds).
//
// Alarm reports are rate limited: the first alarm of a process is reported, then at most one report per
// `frame` windows of that process while it stays in alarm. Every alarming window is still counted.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, closeSync, constants as fsConstants, createReadStream, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
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
import type { SavedModel } from './model-file.js';
import { exitStatusOf, STRACE_INSTALL, straceVersion } from './record.js';
import { EventDecoder, type EventSink, type StreamFormat } from './stream.js';

export type AlarmAction = 'report' | 'stop' | 'kill';

export type WatchSource = { kind: 'command'; argv: string[] } | { kind: 'pid'; pid: number } | { kind: 'input'; path: string };

export interface WatchOptions {
  frame: number;
  policy: ThresholdPolicy;
  json?: boolean;
  onAlarm?: AlarmAction;
  /** Input format for --input (default auto). */
  format?: StreamFormat | 'auto';
  /** Numbering of `pid number` input (default: the model's training table, else Linux x86_64). */
  table?: SyscallTable;
  /** Where reports go (default process.stdout). */
  out?: Writable;
  /** stdio of a command started by watch (default inherit). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  straceBin?: string;
  /** Keep every report in WatchResult.reports (tests; a long-running monitor should not). */
  keepReports?: boolean;
}

export interface AlarmReport {
  type: 'alarm';
  /** ISO time: from the trace's timestamp when it has one, else the time of detection. */
  time: string;
  pid: number;
  program: string | null;
  /** Window index within the process (0-based) and calls seen by the process so far. */
  window: number;
  event: number;
  lfc: number;
  frame: number;
  /** The current window, oldest call first, as canonical syscall names. */
  sequence: string[];
  /** First report for this process? */
  first: boolean;
  /** 'refused': the pid failed the checks of the file comment (see `refused`). */
  action: 'none' | 'stopped' | 'killed' | 'failed' | 'refused';
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

export interface WatchSummary {
  type: 'summary';
  events: number;
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
  latency: ProcessLatency[];
  skippedLines: number;
  threshold: string;
  minAlarmLfc: number;
}

interface ProcInfo {
  firstTs: number;
  firstWall: number;
  lastReported: number;
  acted: boolean;
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
  private readonly info = new Map<number, ProcInfo>();
  private readonly names: readonly string[];
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
  private started = performance.now();
  private endedAt: number | undefined;
  private ended = { processes: 0, windows: 0, mismatches: 0, alarms: 0 };
  private readonly latencies: ProcessLatency[] = [];
  private sawTraceTime = false;
  reports = 0;
  skippedLines = 0;
  /** Every report, for callers that want them as objects (tests); null to keep none. */
  readonly alarmLog: AlarmReport[] | null;

  constructor(model: SavedModel, opts: { frame: number; policy: ThresholdPolicy; json?: boolean; out?: Writable; keepReports?: boolean }) {
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
    this.alarmLog = opts.keepReports ? [] : null;
    this.names = model.alphabet.allNames();
    this.detector = new OnlineDetector(onlineForm(model.detector), {
      minAlarmLfc: this.minLfc,
      frame: opts.frame,
      resetMask: resetMask(model.alphabet, model.config.resetOn),
    });
  }

  /** Restarts the events/s clock (call when the stream really starts). */
  startClock(): void {
    this.started = performance.now();
  }

  event(pid: number, id: number, ts: number): void {
    if (this.treeFromFirstEvent) {
      this.treeFromFirstEvent = false;
      this.tree.add(pid);
    }
    const r = this.detector.push(0, pid, id);
    const s = this.detector.last!;
    if (s.events === 1) {
      this.info.set(pid, { firstTs: ts, firstWall: performance.now(), lastReported: -1, acted: false });
      if (ts === ts) this.sawTraceTime = true; // not NaN
    }
    if (r === ALARM) this.alarm(pid, s, ts);
  }

  fork(parent: number, child: number): void {
    if (this.tree.has(parent)) this.tree.add(child);
  }

  exit(pid: number): void {
    const s = this.detector.end(0, pid);
    if (s !== undefined) this.retire(s);
    this.info.delete(pid);
  }

  private retire(s: ProcessState): void {
    this.ended.processes++;
    this.ended.windows += s.windows;
    this.ended.mismatches += s.mismatches;
    this.ended.alarms += s.alarms;
  }

  private alarm(pid: number, s: ProcessState, ts: number): void {
    const info = this.info.get(pid)!;
    const windowIndex = s.windows - 1;
    const first = info.lastReported < 0;
    if (first) {
      const traceMs = ts === ts && info.firstTs === info.firstTs ? (ts - info.firstTs) * 1000 : NaN;
      const wallMs = performance.now() - info.firstWall;
      this.latencies.push({
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
      }
    }
    const w = this.detector.currentWindow(s);
    const seq: string[] = new Array<string>(w.length);
    for (let j = 0; j < w.length; j++) seq[j] = this.names[w[j]!] ?? '?';
    const report: AlarmReport = {
      type: 'alarm',
      time: new Date(ts === ts && ts > 1e9 ? ts * 1000 : Date.now()).toISOString(),
      pid,
      program: this.programOf(pid) ?? null,
      window: windowIndex,
      event: s.events - 1,
      lfc: s.frame.lfc,
      frame: this.frame,
      sequence: seq,
      first,
      action,
      ...(refused !== undefined ? { refused } : {}),
    };
    this.reports++;
    this.alarmLog?.push(report);
    this.out.write(this.json ? JSON.stringify(report) + '\n' : formatAlarm(report) + '\n');
  }

  /** Why `pid` must not be signalled (see the file comment), or undefined when it may be. */
  private refusal(pid: number): string | undefined {
    if (!Number.isInteger(pid) || pid <= 1) return `pid ${pid} is never signalled`;
    if (pid === process.pid) return 'that is watch itself';
    if (!this.tree.has(pid)) return `pid ${pid} was not seen created by the watched command`;
    return this.guard(pid) ?? undefined;
  }

  private act(pid: number): AlarmReport['action'] {
    const sig = this.action === 'stop' ? 'SIGSTOP' : 'SIGKILL';
    try {
      process.kill(pid, sig);
      return this.action === 'stop' ? 'stopped' : 'killed';
    } catch {
      return 'failed';
    }
  }

  /** Ends every process still open and returns the summary. */
  finish(): WatchSummary {
    if (this.endedAt === undefined) {
      this.endedAt = performance.now();
      for (const s of [...this.detector.processes()]) this.retire(s);
    }
    const seconds = (this.endedAt - this.started) / 1000;
    const events = this.detector.events;
    return {
      type: 'summary',
      events,
      seconds: round3(seconds),
      eventsPerSecond: seconds > 0 ? Math.round(events / seconds) : 0,
      processes: this.ended.processes,
      windows: this.ended.windows,
      mismatches: this.ended.mismatches,
      alarms: this.ended.alarms,
      reports: this.reports,
      processesAlarmed: this.latencies.length,
      latencyClock: this.sawTraceTime ? 'trace' : 'wall',
      latency: this.latencies,
      skippedLines: this.skippedLines,
      threshold: policyLabel(this.policy),
      minAlarmLfc: this.minLfc,
    };
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

export function formatAlarm(r: AlarmReport): string {
  const prog = r.program ?? '?';
  const act = r.action === 'none' ? '' : ` action=${r.action}` + (r.refused !== undefined ? ` (${r.refused})` : '');
  return `ALARM ${r.time} pid=${r.pid} program=${prog} window=${r.window} call=${r.event} lfc=${r.lfc}/${r.frame}${act} seq=${r.sequence.join(',')}`;
}

export function formatSummary(s: WatchSummary): string {
  const lines = [
    `summary: ${s.events} events in ${s.seconds.toFixed(3)} s (${s.eventsPerSecond} events/s), ${s.processes} processes, ` +
      `${s.windows} windows, ${s.mismatches} mismatches, threshold ${s.threshold} (LFC >= ${s.minAlarmLfc})`,
    `alarms: ${s.alarms} alarming windows, ${s.reports} reported, ${s.processesAlarmed} processes alarmed` +
      (s.skippedLines > 0 ? `, ${s.skippedLines} unparseable lines skipped` : ''),
  ];
  for (const l of s.latency) {
    lines.push(
      `  pid ${l.pid} (${l.program ?? '?'}): first alarm after ${l.calls} calls (window ${l.window})` +
        (l.ms !== null ? `, ${l.ms} ms (${s.latencyClock} clock)` : ''),
    );
  }
  return lines.join('\n');
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
  /** Non-blocking read end of the FIFO. */
  fd: number;
  child: ChildProcess;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  cleanup: () => void;
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
function startStrace(source: Exclude<WatchSource, { kind: 'input' }>, opts: WatchOptions): LiveBackend {
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
  const args = source.kind === 'command' ? [...base, '--', ...wrapped] : [...base, '-p', String(source.pid)];
  const io = source.kind === 'command' ? (opts.stdio ?? 'inherit') : 'ignore';
  const child = spawn(bin, args, { stdio: [io, source.kind === 'command' ? io : 'inherit', source.kind === 'command' ? io : 'inherit', wfd] });
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
    fd: rfd,
    child,
    exit,
    cleanup: () => {
      closeWriter();
      closeSync(rfd);
    },
  };
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
  reports: AlarmReport[];
}

/** Runs watch to completion: until the input ends, the command exits, or the attached pid goes. */
export async function watch(model: SavedModel, source: WatchSource, opts: WatchOptions): Promise<WatchResult> {
  const out = opts.out ?? process.stdout;
  const w = new Watcher(model, { frame: opts.frame, policy: opts.policy, json: opts.json, out, keepReports: opts.keepReports });
  const live = source.kind !== 'input';
  w.action = live ? (opts.onAlarm ?? 'report') : 'report';
  if (!live && opts.onAlarm !== undefined && opts.onAlarm !== 'report') {
    throw new InputError(`--on-alarm ${opts.onAlarm} needs a live source`, { expected: '-- CMD ... or --pid PID (with --input, only report)' });
  }
  const table = opts.table ?? modelInputTable(model);
  const decoder = new EventDecoder(model.alphabet, w, {
    format: live ? 'strace' : (opts.format ?? 'auto'),
    // Command mode: drop the descriptor-closing shell's calls, up to the exec of the command itself.
    preludeExecs: source.kind === 'command' ? 2 : 0,
    table,
    file: source.kind === 'input' ? (source.path === '-' ? '<stdin>' : source.path) : '<strace>',
    // A file is input like any other (a bad line stops with file:line); a live stream, including stdin
    // piped from a tracer, skips and counts lines that are not calls (bpftrace's "Lost N events").
    strict: !live && !(source.kind === 'input' && source.path === '-'),
  });
  // Live: a pid whose execve we did not see (attached with --pid, or forked before) is named by the
  // kernel's comm, read only when a report needs it.
  w.programOf = live ? (pid) => decoder.programOf(pid) ?? procComm(pid) : (pid) => decoder.programOf(pid);

  let backend: LiveBackend | undefined;
  let stream: Readable | undefined;
  if (source.kind === 'input') stream = openInput(source.path);
  else {
    backend = startStrace(source, opts);
    w.guard = tracedBy(backend.child.pid);
    if (source.kind === 'command') w.treeFromFirstEvent = true;
    else w.tree.add(source.pid);
  }

  // Ctrl-C: a started command gets it from the terminal itself; an attached strace is told to detach;
  // with --input we stop reading. Either way the summary is still printed.
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
    if (source.kind === 'pid') backend?.child.kill('SIGINT');
    stream?.destroy();
  };
  const onSigterm = (): void => {
    if (backend) backend.child.kill('SIGTERM');
    else stream?.destroy();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigterm);
  let exitStatus = 0;
  try {
    w.startClock();
    try {
      if (backend) await pollFifo(backend.fd, decoder, LIVE_BATCH_MS);
      else for await (const chunk of stream!) decoder.push(chunk as Buffer);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (interrupted && code === 'ERR_STREAM_PREMATURE_CLOSE') {
        // Ctrl-C while reading --input: summarise what was read.
      } else if (e instanceof InputError) {
        throw e;
      } else {
        const what = typeof code === 'string' && code.startsWith('Z_') ? 'corrupt or truncated gzip data' : 'cannot read input';
        throw new InputError(`${what} (${(e as Error).message})`, { file: source.kind === 'input' ? source.path : '<strace>' });
      }
    }
    if (!interrupted || backend !== undefined) decoder.end();
    if (backend) {
      const { code, signal } = await backend.exit;
      if (source.kind === 'command') {
        exitStatus = exitStatusOf(code, signal);
        if (w.detector.events === 0 && exitStatus !== 0) {
          throw new InputError(`nothing was traced for \`${source.argv[0]}\` (exit status ${exitStatus}); is the command installed and executable?`);
        }
      } else if (source.kind === 'pid' && code !== 0 && !interrupted && w.detector.events === 0) {
        throw new InputError(`strace could not attach to pid ${source.pid} (exit status ${exitStatusOf(code, signal)}); does it exist, and may this user ptrace it?`);
      }
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigterm);
    backend?.cleanup();
  }
  w.skippedLines = decoder.skipped;
  const summary = w.finish();
  out.write(opts.json ? JSON.stringify(summary) + '\n' : formatSummary(summary) + '\n');
  return { summary, exitStatus, reports: w.alarmLog ?? [] };
}

/**
 * Live reading in batches. strace writes every line with its own write(2); a reader blocked on the pipe
 * is woken by each one, and those wake-ups cost more than the tracing itself (ls -R on a 2-CPU VM:
 * 3-7x slower than strace writing to a file). So the FIFO is never waited on: it is read (non-blocking,
 * up to 1 MiB at a time) until empty, then left alone for `ms` milliseconds while strace's writes just
 * fill the pipe buffer (when it is full, strace and so the traced program wait for us). Costs at most
 * `ms` of extra detection latency. The stream ends when every writer is gone (strace exited and we
 * closed our own write end).
 */
export const LIVE_BATCH_MS = 10;

async function pollFifo(fd: number, decoder: EventDecoder, ms: number): Promise<void> {
  const buf = Buffer.allocUnsafe(1 << 20);
  for (;;) {
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
