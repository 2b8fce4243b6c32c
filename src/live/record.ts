// Owns `stidebench record`: running one command under a syscall tracer and leaving a trace file plus its
// `.meta.json` sidecar (label, program, family, exact argv, time, exit status, backend, tracer version).
//
// strace backend: `strace -f -qq -s 32 -o TMP -- CMD ARGS...`, spawned with an argument vector (never a
// shell) and inherited stdio, so the command sees the terminal and its arguments arrive untouched.
// bpftrace backend: the command is started stopped (a `kill -STOP $$; exec "$@"` launcher), bpftrace
// attaches raw_syscalls:sys_enter filtered to that pid and every task forked from it
// (sched:sched_process_fork), then the command is continued (the launcher's own calls until its exec
// succeeds are not recorded, as under strace); output is UNM-style `tid number` lines in
// Linux x86_64 numbering. Both write to a temporary name next to FILE and rename at the end (trace first,
// then sidecar), so a reader never sees a half-written recording under the final name.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';
import type { Label } from '../traces/trace.js';
import { awaitAttached, BPFTRACE_INSTALL, printEveryCallProgram, runBpftrace, startStopped } from './bpftrace.js';

export type RecordBackend = 'strace' | 'bpftrace';

export interface RecordOptions {
  /** Trace file to write; the sidecar is `<output>.meta.json`. */
  output: string;
  /** argv of the command: command[0] is the program (looked up in PATH by the tracer). */
  command: string[];
  label?: Label;
  /** Defaults to the basename of command[0]. */
  program?: string;
  family?: string | null;
  backend?: RecordBackend;
  /** stdio of the traced command (default 'inherit'; tests use 'pipe' to capture output). */
  stdio?: 'inherit' | 'pipe' | 'ignore';
  /** Called with the tracer's child process right after spawn (tests read piped stdout from it). */
  onSpawn?: (child: ChildProcess) => void;
  /** Executables, for tests and unusual installs. */
  straceBin?: string;
  bpftraceBin?: string;
}

export interface RecordingMeta {
  label: Label;
  program: string;
  family: string | null;
  command: string[];
  recordedAt: string;
  exitStatus: number;
  backend: RecordBackend;
  straceVersion: string | null;
  bpftraceVersion?: string | null;
  /**
   * Calls the tracer reported lost (bpftrace's "Lost N events": its ring buffer overflowed), so the
   * trace is incomplete; 0 for strace (ptrace stops the program on every call and loses none).
   */
  lostEvents: number;
}

export interface RecordResult {
  /** The command's exit status (128 + signal number when a signal killed it). */
  exitStatus: number;
  /** Calls lost by the tracer (see RecordingMeta.lostEvents). */
  lostEvents: number;
  tracePath: string;
  metaPath: string;
  meta: RecordingMeta;
}

export const STRACE_INSTALL = 'apt-get install -y strace';
export { BPFTRACE_INSTALL };

/** `strace -V` first line's version ("6.1"), or an InputError naming the install command. */
export function straceVersion(bin = 'strace'): string {
  const r = spawnSync(bin, ['-V'], { encoding: 'utf8' });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`strace is not installed (${bin} not found in PATH); install it with \`${STRACE_INSTALL}\``);
    throw new InputError(`cannot run ${bin}: ${r.error.message}; install strace with \`${STRACE_INSTALL}\``);
  }
  const m = /version\s+([0-9][0-9.]*)/.exec(r.stdout ?? '');
  return m ? m[1]! : (r.stdout ?? '').split('\n')[0]!.trim() || 'unknown';
}

/** `bpftrace --version` ("v0.17.0"), or an InputError naming the install command. */
export function bpftraceVersion(bin = 'bpftrace'): string {
  const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  if (r.error !== undefined) {
    const code = (r.error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`bpftrace is not installed (${bin} not found in PATH); install it with \`${BPFTRACE_INSTALL}\``);
    throw new InputError(`cannot run ${bin}: ${r.error.message}; install bpftrace with \`${BPFTRACE_INSTALL}\``);
  }
  const m = /v?([0-9][0-9.]*\S*)/.exec(r.stdout ?? '');
  return m ? m[0]! : 'unknown';
}

/** Exit status as a shell reports it: the code, or 128 + signal number for a signal death. */
export function exitStatusOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  if (signal !== null) return 128 + (osConstants.signals[signal] ?? 0);
  return 1;
}

/** A fresh temporary path in the same folder as `finalPath` (same file system, so rename is atomic). */
export function tempPathFor(finalPath: string): string {
  return join(dirname(finalPath), `.${basename(finalPath)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Writes `text` to `path` through a temporary file and a rename. */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** ISO time without milliseconds, as the sample dataset's sidecars spell it. */
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * While a child runs, the recorder must survive the terminal's SIGINT (the child got it too and its
 * death is what we report) and pass SIGTERM/SIGHUP on, so the sidecar is always written.
 */
function guardSignals(child: ChildProcess): () => void {
  const onInt = (): void => {};
  const forward = (sig: NodeJS.Signals) => (): void => {
    try {
      child.kill(sig);
    } catch {
      // already gone
    }
  };
  const onTerm = forward('SIGTERM');
  const onHup = forward('SIGHUP');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  return () => {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
  };
}

function waitExit(child: ChildProcess, what: string, install: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((res, rej) => {
    child.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') rej(new InputError(`${what} is not installed; install it with \`${install}\``));
      else rej(new InputError(`cannot run ${what}: ${e.message}`));
    });
    child.once('exit', (code, signal) => res({ code, signal }));
  });
}

function checkOutputDir(output: string): void {
  const dir = dirname(output);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new InputError('output folder does not exist', { file: output, expected: 'an existing folder for the trace file' });
  }
  if (existsSync(output) && statSync(output).isDirectory()) {
    throw new InputError('output is a folder', { file: output, expected: 'a trace file name' });
  }
}

export async function record(opts: RecordOptions): Promise<RecordResult> {
  if (opts.command.length === 0 || opts.command[0] === '') {
    throw new InputError('no command to record', { expected: 'stidebench record -o FILE -- CMD [ARGS...]' });
  }
  const backend = opts.backend ?? 'strace';
  const output = resolve(opts.output);
  checkOutputDir(output);
  const label: Label = opts.label ?? 'normal';
  const program = opts.program ?? basename(opts.command[0]!);
  const family = opts.family ?? null;

  const recordedAt = isoSeconds(new Date());
  const tmpTrace = tempPathFor(output);
  let exitStatus: number;
  let lostEvents = 0;
  let sVersion: string | null = null;
  let bVersion: string | null | undefined;
  try {
    if (backend === 'strace') {
      sVersion = straceVersion(opts.straceBin);
      exitStatus = await recordStrace(opts, tmpTrace);
    } else {
      bVersion = bpftraceVersion(opts.bpftraceBin);
      ({ exitStatus, lostEvents } = await recordBpftrace(opts, tmpTrace));
    }
    if (!existsSync(tmpTrace) || statSync(tmpTrace).size === 0) {
      throw new InputError(
        `nothing was recorded for \`${opts.command[0]}\` (exit status ${exitStatus}); is the command installed and executable?`,
        { file: output },
      );
    }
    renameSync(tmpTrace, output);
  } catch (e) {
    rmSync(tmpTrace, { force: true });
    throw e;
  }

  const meta: RecordingMeta = {
    label,
    program,
    family,
    command: [...opts.command],
    recordedAt,
    exitStatus,
    backend,
    straceVersion: sVersion,
    lostEvents,
  };
  if (backend === 'bpftrace') meta.bpftraceVersion = bVersion ?? null;
  const metaPath = output + '.meta.json';
  writeFileAtomic(metaPath, JSON.stringify(meta, null, 2) + '\n');
  return { exitStatus, lostEvents, tracePath: output, metaPath, meta };
}

async function recordStrace(opts: RecordOptions, tmpTrace: string): Promise<number> {
  const bin = opts.straceBin ?? 'strace';
  const args = ['-f', '-qq', '-s', '32', '-o', tmpTrace, '--', ...opts.command];
  const child = spawn(bin, args, { stdio: opts.stdio ?? 'inherit' });
  opts.onSpawn?.(child);
  const release = guardSignals(child);
  try {
    const { code, signal } = await waitExit(child, 'strace', STRACE_INSTALL);
    // strace exits with the command's status and re-raises a fatal signal of the command on itself.
    return exitStatusOf(code, signal);
  } finally {
    release();
  }
}

/**
 * bpftrace backend: the command starts stopped, bpftrace attaches to it and every task it forks
 * (threads included: strace -f also follows threads, and both print thread ids), then the command is
 * continued. Calls go to the file as "tid number" lines; "Lost N events" notices are counted.
 */
async function recordBpftrace(opts: RecordOptions, tmpTrace: string): Promise<{ exitStatus: number; lostEvents: number }> {
  const launcher = await startStopped(opts.command, opts.stdio ?? 'inherit');
  opts.onSpawn?.(launcher);
  const launcherExit = waitExit(launcher, '/bin/sh', 'apt-get install -y dash');
  const pid = launcher.pid!;
  const out = createWriteStream(tmpTrace);
  let buf: string[] = [];
  const flush = (): void => {
    if (buf.length > 0) out.write(buf.join('\n') + '\n');
    buf = [];
  };
  const CALL = /^\d+ \d+$/;
  let run: ReturnType<typeof runBpftrace>;
  try {
    run = runBpftrace(printEveryCallProgram({ kind: 'tasks', tids: [pid], prelude: pid }), {
      bin: opts.bpftraceBin,
      onLine: (l) => {
        if (CALL.test(l)) {
          buf.push(l);
          if (buf.length >= 4096) flush();
        }
      },
    });
    await awaitAttached(run);
  } catch (e) {
    launcher.kill('SIGKILL');
    await launcherExit.catch(() => undefined);
    out.destroy();
    throw e;
  }
  const release = guardSignals(launcher);
  try {
    process.kill(pid, 'SIGCONT');
    const { code, signal } = await launcherExit;
    // Give bpftrace a moment to flush the last events of the tree, then stop it (SIGINT runs END).
    await new Promise((r) => setTimeout(r, 200));
    await run.stop();
    flush();
    await new Promise<void>((r) => out.end(() => r()));
    return { exitStatus: exitStatusOf(code, signal), lostEvents: run.lost() };
  } finally {
    release();
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
  }
}
