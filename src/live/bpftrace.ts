// Owns running bpftrace for the live commands (record --backend bpftrace, watch --backend bpftrace; the
// line protocol and its runner also serve the kernel backend's loader): tracefs mounted or a clear
// message, the scope programs (a command's process tree or a set of pids and their threads/descendants,
// or a cgroup), starting bpftrace and waiting until its
// probes are attached (a marker printed by BEGIN), splitting its stdout into lines, counting its
// "Lost N events" notices, and stopping it: SIGINT (bpftrace runs END and prints its maps), repeated
// because bpftrace 0.17 loses a SIGINT that lands while it is busy, then SIGKILL after a timeout so a
// stuck tracer never hangs the monitor.

import { spawn, spawnSync, type ChildProcess, type StdioOptions } from 'node:child_process';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.js';

export const BPFTRACE_INSTALL = 'apt-get install -y bpftrace';

export const READY = 'STIDEBENCH-READY';
const TRACEFS = '/sys/kernel/tracing';
const DEBUG_TRACEFS = '/sys/kernel/debug/tracing';

/** The mounted tracefs, mounting it (root) when missing; an InputError saying how otherwise. */
export function ensureTracefs(): string {
  for (const p of [TRACEFS, DEBUG_TRACEFS]) if (existsSync(`${p}/events/raw_syscalls`)) return p;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    const r = spawnSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { encoding: 'utf8' });
    if (existsSync(`${TRACEFS}/events/raw_syscalls`)) return TRACEFS;
    const why = (r.error?.message ?? r.stderr ?? '').trim() || `exit status ${r.status}`;
    throw new InputError(`tracefs is not mounted and mounting it failed (mount -t tracefs nodev ${TRACEFS}: ${why})`, {
      expected: 'a kernel with tracefs (CONFIG_TRACING) and the raw_syscalls tracepoints',
    });
  }
  throw new InputError(`tracefs is not mounted at ${TRACEFS}; bpftrace needs it: run \`mount -t tracefs nodev ${TRACEFS}\` as root`);
}

/** bpftrace's version, or an InputError naming the install command. */
export function checkBpftrace(bin = 'bpftrace'): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined) {
    throw new InputError(`bpftrace is not installed (${bin}: ${(r.error as NodeJS.ErrnoException).code ?? r.error.message}); install it with \`${BPFTRACE_INSTALL}\``);
  }
  const m = /v?([0-9][0-9.]*\S*)/.exec(r.stdout ?? '');
  return m ? m[0]! : 'unknown';
}

/** Which tasks a bpftrace program watches. */
export type BpfScope =
  /**
   * These tasks (and every task they fork from now on). `prelude`: a launcher (startStopped) whose own
   * calls are not the command's: skipped until an exec succeeds, whose call is then the first printed.
   */
  | { kind: 'tasks'; tids: number[]; prelude?: number }
  /** Every task of the cgroup (v2) at this path. */
  | { kind: 'cgroup'; path: string };

/** The predicate and bookkeeping probes for a scope; `@t[tid]` marks a watched task in 'tasks'. */
export function scopeParts(scope: BpfScope): { begin: string; filter: string; probes: string; exitFilter: string } {
  if (scope.kind === 'cgroup') {
    const path = JSON.stringify(scope.path);
    return { begin: '', filter: `cgroup == cgroupid(${path})`, probes: '', exitFilter: `cgroup == cgroupid(${path})` };
  }
  return {
    begin: scope.tids.map((t) => `@t[${t | 0}] = 1;`).join(' '),
    filter: '@t[tid]',
    // A task forked by a watched task is watched; a failed insert (map full) is counted, not hidden.
    probes:
      'tracepoint:sched:sched_process_fork /@t[args->parent_pid]/ { @t[args->child_pid] = 1; ' +
      'if (@t[args->child_pid] == 0) { @mapfull = count(); } }\n',
    exitFilter: '@t[tid]',
  };
}

/** `tid number` per call and `tid +++ exited +++` per task end: the stream today's watch decodes. */
export function printEveryCallProgram(scope: BpfScope): string {
  const s = scopeParts(scope);
  const pre = scope.kind === 'tasks' && scope.prelude !== undefined ? scope.prelude | 0 : undefined;
  // The launcher's calls (a PATH search may fail several execs) are held back; the exec that succeeds
  // (sched_process_exec) prints its call as the command's first.
  const call =
    pre === undefined
      ? `printf("%d %d\\n", tid, args->id);`
      : `if (@pre[tid]) { @prenr[tid] = args->id; } else { printf("%d %d\\n", tid, args->id); }`;
  return [
    `BEGIN { ${s.begin} ${pre === undefined ? '' : `@pre[${pre}] = 1;`} printf("${READY}\\n"); }`,
    s.probes,
    `tracepoint:raw_syscalls:sys_enter /${s.filter}/ { ${call} }`,
    pre === undefined ? '' : `tracepoint:sched:sched_process_exec /@pre[tid]/ { delete(@pre[tid]); printf("%d %d\\n", tid, @prenr[tid]); delete(@prenr[tid]); }`,
    `tracepoint:sched:sched_process_exit /${s.exitFilter}/ { printf("%d +++ exited +++\\n", tid); ${scope.kind === 'tasks' ? 'delete(@t[tid]);' : ''} }`,
    `END { ${scope.kind === 'tasks' ? 'clear(@t);' : ''} ${pre === undefined ? '' : 'clear(@pre); clear(@prenr);'} print(@mapfull); clear(@mapfull); }`,
  ]
    .filter((l) => l !== '')
    .join('\n');
}

export interface BpftraceRun {
  child: ChildProcess;
  /** Resolves once BEGIN printed the ready marker (every probe is attached then). */
  ready: Promise<void>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops bpftrace: SIGINT until it exits, SIGKILL after `timeoutMs`; resolves when it is gone. */
  stop: (timeoutMs?: number) => Promise<void>;
  /** stderr so far (first 8 kB), for error messages. */
  stderr: () => string;
  /** "Lost N events" notices summed (stdout). */
  lost: () => number;
  /** Tasks the scope could not add because a map was full (printed by END as @mapfull). */
  mapFull: () => number;
}

/**
 * Starts bpftrace on a program; every stdout line after the ready marker goes to onLine (in order), with
 * "Lost N events" lines counted and also passed on. Map sizes: BPFTRACE_MAP_KEYS_MAX = mapKeys.
 */
export function runBpftrace(program: string, opts: { bin?: string; onLine: (line: string) => void; mapKeys?: number; unsafe?: boolean }): BpftraceRun {
  ensureTracefs();
  const bin = opts.bin ?? 'bpftrace';
  const args = ['-B', 'line', ...(opts.unsafe ? ['--unsafe'] : []), '-e', program];
  return runLineTool(bin, args, {
    onLine: opts.onLine,
    env: { BPFTRACE_MAP_KEYS_MAX: String(opts.mapKeys ?? 65536), BPFTRACE_STRLEN: '64' },
    notFound: `bpftrace is not installed; install it with \`${BPFTRACE_INSTALL}\``,
  });
}

/**
 * Starts a tracer that speaks the protocol of our bpftrace programs (the ready marker, then lines, "Lost N
 * events" notices, "@mapfull: N" at the end): bpftrace itself or the kernel backend's loader
 * (bpf/stide-loader.c, whose configuration goes to its stdin).
 */
export function runLineTool(
  bin: string,
  args: string[],
  opts: { onLine: (line: string) => void; env?: Record<string, string>; input?: string; notFound: string },
): BpftraceRun {
  const child = spawn(bin, args, {
    stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...opts.env },
  });
  if (opts.input !== undefined) {
    child.stdin!.on('error', () => undefined); // a loader that failed early closes its stdin: its stderr says why
    child.stdin!.end(opts.input);
  }
  let err = '';
  let lost = 0;
  let mapFull = 0;
  let ready = false;
  let pending = '';
  let resolveReady!: () => void;
  const readyP = new Promise<void>((r) => (resolveReady = r));
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => {
    if (err.length < 8000) err += s;
  });
  child.stdout!.setEncoding('latin1');
  const line = (l: string): void => {
    if (!ready) {
      if (l === READY) {
        ready = true;
        resolveReady();
      }
      return;
    }
    if (l.charCodeAt(0) === 76 /* L */) {
      const m = /^Lost (\d+) events/.exec(l);
      if (m) lost += Number(m[1]);
    } else if (l.startsWith('@mapfull: ')) {
      mapFull += Number(l.slice(10)) || 0;
    }
    opts.onLine(l);
  };
  child.stdout!.on('data', (s: string) => {
    pending += s;
    let start = 0;
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      line(pending.slice(start, nl));
      start = nl + 1;
      nl = pending.indexOf('\n', start);
    }
    pending = pending.slice(start);
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res, rej) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      rej(e.code === 'ENOENT' ? new InputError(opts.notFound) : new InputError(`cannot run ${bin}: ${e.message}`)),
    );
    child.stdout!.once('end', () => {
      if (pending !== '') line(pending);
      pending = '';
    });
    child.once('close', (code, signal) => res({ code, signal }));
  });
  const stop = async (timeoutMs = 5000): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) {
      await exit.catch(() => undefined);
      return;
    }
    child.kill('SIGINT');
    const again = setInterval(() => child.kill('SIGINT'), 300);
    const hard = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    try {
      await exit.catch(() => undefined);
    } finally {
      clearInterval(again);
      clearTimeout(hard);
    }
  };
  return { child, ready: readyP, exit, stop, stderr: () => err, lost: () => lost, mapFull: () => mapFull };
}

/** Waits for the ready marker; an InputError with the tracer's own reason when it exits first. */
export async function awaitAttached(run: BpftraceRun, timeoutMs = 60_000, failure?: (reason: string) => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const first = await Promise.race([
    run.ready.then(() => 'ready' as const),
    run.exit.then(() => 'exit' as const),
    new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs))),
  ]).finally(() => clearTimeout(timer));
  if (first === 'ready') return;
  if (first === 'timeout') await run.stop(1000);
  else await run.exit;
  const lines = run
    .stderr()
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.includes('RLIMIT_MEMLOCK'));
  const msg = (lines.find((l) => l.includes('ERROR')) ?? lines[0] ?? (first === 'timeout' ? `no ready marker within ${timeoutMs} ms` : 'bpftrace exited before attaching')).replace(/^.*?ERROR: /, '');
  throw new InputError(
    failure
      ? failure(msg)
      : `bpftrace could not attach (${msg}); it needs root (or CAP_BPF + CAP_PERFMON), a kernel with BPF tracepoints and tracefs mounted at ${TRACEFS}`,
  );
}

/** Starts `argv` stopped (a `kill -STOP $$; exec "$@"` launcher) so a tracer can attach before its first call. */
export async function startStopped(argv: string[], stdio: StdioOptions, prefix: string[] = []): Promise<ChildProcess> {
  // `prefix` runs the launcher itself under a wrapper that execs it (e.g. taskset -c 0).
  const cmd = [...prefix, '/bin/sh', '-c', 'kill -STOP $$; exec "$@"', 'sh', ...argv];
  const launcher = spawn(cmd[0]!, cmd.slice(1), { stdio });
  if (launcher.pid === undefined) {
    await new Promise((r) => launcher.once('error', r));
    throw new InputError('cannot start the command');
  }
  const { readFileSync } = await import('node:fs');
  for (let i = 0; i < 1000; i++) {
    try {
      const stat = readFileSync(`/proc/${launcher.pid}/stat`, 'utf8');
      const state = stat.charAt(stat.lastIndexOf(')') + 2);
      if (state === 'T' || state === 't' || state === 'Z' || state === 'X') break;
    } catch {
      break;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  return launcher;
}
