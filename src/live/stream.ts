// Owns turning a live byte stream of trace text into detector events: incremental line splitting
// (lines split across chunks, a last line without newline, CRLF), then per line either a strace call
// (via StraceLineParser) or a UNM/bpftrace `pid number` pair, mapped to the model's dense id by canonical
// name (names the model never saw map to its `<unknown>` id). Process ends (`+++ exited ...`,
// `+++ killed by ...`) are reported so a reused pid starts fresh. Also keeps, per pid, the program it
// runs: the basename of its last successful execve, inherited through clone/fork/vfork return values.
//
// Events go to an EventSink as plain numbers (pid, id, ts): no object per event on this side. A call the
// model never saw still reaches the detector as the model's `<unknown>` id (so detection is exactly the
// batch scorer's), but its real name is kept: the sink gets an index into `unknownNames` so an alarm can
// print what was really called (socket, connect, ...), not `<unknown>`.
//
// Tracer chatter is recognised in every format, strict or not, and never decides the format of `auto`
// input: bpftrace's "Attaching N probes..." preamble, "Lost N events" (summed in `lost`: the stream is
// incomplete and the caller must say so), strace's "Process N attached/detached" and blank lines.
// UNM-style streams may carry "tid +++ exited +++" lines (the live bpftrace backend prints them when a
// task ends) so a reused tid starts fresh.

import { basename } from 'node:path';
import { InputError } from '../errors.js';
import type { Alphabet } from '../traces/alphabet.js';
import { UNKNOWN } from '../traces/alphabet.js';
import { StraceLineParser } from '../traces/readers/strace-line.js';
import { linuxX86_64 } from '../traces/syscalls/linux-x86_64.js';
import type { SyscallTable } from '../traces/trace.js';

export type StreamFormat = 'strace' | 'unm';

export interface EventSink {
  /**
   * One system call of `pid` (0 when the input has no pid column); ts in seconds, NaN when unknown.
   * `unknown` >= 0 when the call is not in the model's vocabulary: index of its real name in the
   * decoder's `unknownNames` (id is then the model's `<unknown>` id); -1 otherwise.
   */
  event(pid: number, id: number, ts: number, unknown: number): void;
  /** The process ended; its state may be dropped (a later event with the same pid is a new process). */
  exit(pid: number, ts: number): void;
  /** A successful clone/fork/vfork of `parent` returned `child` (strace input only). */
  fork?(parent: number, child: number): void;
}

/**
 * Splits a byte stream into lines. Bytes are decoded as latin1 (one char per byte), so a chunk boundary
 * can never split a character; syscall names and pids are ASCII anyway.
 */
export class LineSplitter {
  private rest = '';

  /** Calls onLine for every complete line in the chunk (without '\n' or a trailing '\r'). */
  push(chunk: Uint8Array | string, onLine: (line: string) => void): void {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('latin1');
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl < 0) {
      this.rest += text;
      return;
    }
    if (this.rest !== '') {
      const first = this.rest + text.slice(0, nl);
      this.rest = '';
      onLine(stripCr(first));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    while (nl >= 0) {
      onLine(stripCr(text.slice(start, nl)));
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    this.rest = start < text.length ? text.slice(start) : '';
  }

  /** End of stream: a last line without newline is still a line. */
  end(onLine: (line: string) => void): void {
    if (this.rest !== '') {
      const last = this.rest;
      this.rest = '';
      onLine(stripCr(last));
    }
  }
}

function stripCr(s: string): string {
  return s.length > 0 && s.charCodeAt(s.length - 1) === 13 ? s.slice(0, -1) : s;
}

export interface DecoderOptions {
  /** 'auto' decides on the first non-blank line: two integers = unm, anything else = strace. */
  format?: StreamFormat | 'auto';
  /** Numbering of UNM/bpftrace numbers (default: Linux x86_64, as bpftrace prints). */
  table?: SyscallTable;
  /** Names the source in errors. */
  file?: string;
  /** Unparseable lines: throw InputError (true, default for files) or count them in `skipped` (live). */
  strict?: boolean;
  /**
   * Drop every call of the stream's first pid before its n-th execve line (strace input): hides the
   * calls of a wrapper that execs the real command (watch's descriptor-closing shell), so the events
   * are exactly those of tracing the command itself. 0 (default) drops nothing.
   */
  preludeExecs?: number;
}

/** "[pid] [ts] [[nr]] +++ exited with 0 +++", "+++ killed by SIGKILL +++", "+++ superseded by execve in pid N +++". */
const EXIT_RE = /^\s*(?:\[pid\s+(\d+)\]\s*|(\d+)[ \t]+)?(\d[\d:.]*[ \t]+)?(?:\[\s*\d+\]\s*)?\+\+\+ (?:exited|killed|superseded)/;
/** Tracer lines that are not events, in any format: bpftrace's preamble and loss notices, strace's attach notices. */
const PREAMBLE_RE = /^\s*(?:Attaching \d+ probes?\.\.\.|strace: Process \d+ (?:attached|detached)(?: with \d+ threads?)?)\s*$/;
const LOST_RE = /^\s*Lost (\d+) events\s*$/;
const FORK_NAMES = new Set(['clone', 'clone3', 'fork', 'vfork']);
/** Distinct call names cached (Linux has about 460; a garbled stream could name millions). */
const MAX_NAMES = 4096;
/** Pids with a known program name not seen to exit (see Watcher's MAX_TRACKED_PIDS). */
const MAX_PROGRAM_PIDS = 65536;
const EXEC_NAMES = new Set(['execve', 'execveat']);

/** Decodes lines into events for a sink, using one model alphabet. */
export class EventDecoder {
  private readonly alphabet: Alphabet;
  private readonly sink: EventSink;
  private readonly unknownId: number;
  private readonly table: SyscallTable;
  private readonly file: string | undefined;
  private readonly strict: boolean;
  private format: StreamFormat | 'auto';
  private readonly splitter = new LineSplitter();
  private readonly parser: StraceLineParser;
  /** Strace name -> dense id * 4 + kind (see straceLine). */
  private readonly nameIds = new Map<string, number>();
  /** UNM raw number -> dense id (-2 = not looked up yet). */
  private rawIds = new Int32Array(0);
  private readonly programs = new Map<number, string>();
  /** Real names of calls outside the model's vocabulary, in order of first appearance. */
  readonly unknownNames: string[] = [];
  /** Events the tracer reported lost ("Lost N events"), and tracer notices skipped (preamble). */
  lost = 0;
  notices = 0;
  private readonly onLineBound: (line: string) => void;
  /** Lines seen, calls emitted, lines skipped as unparseable (non-strict). */
  lines = 0;
  events = 0;
  /** Calls dropped as the wrapper prelude (see DecoderOptions.preludeExecs). */
  preludeCalls = 0;
  private preludeLeft: number;
  private preludePid = -1;

  constructor(alphabet: Alphabet, sink: EventSink, opts: DecoderOptions = {}) {
    this.alphabet = alphabet;
    this.sink = sink;
    const u = alphabet.idOf(UNKNOWN);
    if (u === undefined) throw new RangeError(`the model alphabet has no ${UNKNOWN} id (freeze it first)`);
    this.unknownId = u;
    this.table = opts.table ?? linuxX86_64;
    this.file = opts.file;
    this.strict = opts.strict ?? true;
    this.format = opts.format ?? 'auto';
    this.parser = new StraceLineParser({ file: opts.file, strict: this.strict });
    this.preludeLeft = opts.preludeExecs ?? 0;
    this.onLineBound = (line) => this.line(line);
  }

  get skipped(): number {
    return this.parser.skipped + this.unmSkipped;
  }
  private unmSkipped = 0;

  /** The detected or configured input format (undefined while 'auto' has seen no line). */
  get detectedFormat(): StreamFormat | undefined {
    return this.format === 'auto' ? undefined : this.format;
  }

  /** Program of a pid: basename of its last successful execve (or its parent's), when known. */
  programOf(pid: number): string | undefined {
    return this.programs.get(pid);
  }

  push(chunk: Uint8Array | string): void {
    this.splitter.push(chunk, this.onLineBound);
  }

  end(): void {
    this.splitter.end(this.onLineBound);
  }

  /** Decodes one line (without newline). */
  line(text: string): void {
    this.lines++;
    let fmt = this.format;
    // Tracer chatter is blank or starts with 'A', 'L' or 's' (after blanks); only such lines are
    // tested against the patterns, so a call line costs one character test here.
    let i0 = 0;
    while (i0 < text.length && isBlank(text.charCodeAt(i0))) i0++;
    const c0 = text.charCodeAt(i0);
    if (i0 === text.length || c0 === 65 /* A */ || c0 === 76 /* L */ || c0 === 115 /* s */) {
      if (this.notice(text)) return;
    }
    if (fmt === 'auto') {
      fmt = this.format = /^\s*\d+[ \t]+\d+\s*$/.test(text) ? 'unm' : 'strace';
    }
    if (fmt === 'unm') this.unmLine(text);
    else this.straceLine(text);
  }

  /** A tracer notice or blank line (true: consumed). */
  private notice(text: string): boolean {
    if (text.trim() === '') return true;
    const lost = LOST_RE.exec(text);
    if (lost !== null) {
      this.lost += Number(lost[1]);
      return true;
    }
    if (PREAMBLE_RE.test(text)) {
      this.notices++;
      return true;
    }
    return false;
  }

  private straceLine(text: string): void {
    const call = this.parser.parseLine(text);
    if (call === null) {
      // Not a call: a process end ("+++ exited ..."), or "<... clone resumed>...) = 1234" (the child pid
      // of a fork split by <unfinished ...>), or a signal / strace message.
      if (text.indexOf('+++ ') >= 0) {
        const m = EXIT_RE.exec(text);
        if (m !== null) {
          const pid = m[1] !== undefined ? Number(m[1]) : m[2] !== undefined ? Number(m[2]) : 0;
          const ts = m[3] !== undefined ? Number(m[3].trim()) : NaN;
          this.programs.delete(pid);
          this.sink.exit(pid, ts);
        }
      } else if (text.indexOf(' resumed>') >= 0) this.resumed(text);
      return;
    }
    const pid = call.pid ?? 0;
    // One hash lookup per call: the value is dense id * 4 + kind (0 plain, 1 exec, 2 fork).
    let v = this.nameIds.get(call.name);
    if (v === undefined) v = this.learnName(call.name);
    const kind = v & 3;
    if (this.preludeLeft > 0) {
      if (this.preludePid < 0) this.preludePid = pid;
      if (pid === this.preludePid) {
        if (kind === 1) this.preludeLeft--;
        if (this.preludeLeft > 0) {
          this.preludeCalls++;
          return;
        }
      }
    }
    if (kind !== 0) {
      if (kind === 1) this.execLine(pid, text);
      else this.forkLine(pid, text);
    }
    this.events++;
    const id = v >>> 2;
    this.sink.event(pid, id, call.ts ?? NaN, id === this.unknownId ? this.unknownIndex(call.name) : -1);
  }

  private learnName(name: string): number {
    const id = this.alphabet.idOf(name) ?? this.unknownId;
    const v = id * 4 + (EXEC_NAMES.has(name) ? 1 : FORK_NAMES.has(name) ? 2 : 0);
    if (this.nameIds.size < MAX_NAMES) this.nameIds.set(name, v); // beyond: looked up each time
    return v;
  }

  /** Index of a real name in unknownNames (added on first use; only for calls outside the vocabulary). */
  private readonly unknownIdx = new Map<string, number>();
  private unknownIndex(name: string): number {
    let i = this.unknownIdx.get(name);
    if (i === undefined) {
      if (this.unknownNames.length >= MAX_NAMES) return -1; // reported by the model's <unknown> name
      i = this.unknownNames.length;
      this.unknownNames.push(name);
      this.unknownIdx.set(name, i);
    }
    return i;
  }

  private execLine(pid: number, text: string): void {
    if (/\)\s+=\s+-1\b/.test(text)) return; // failed exec (PATH search): the program did not change
    const m = /execve(?:at)?\((?:[^,]*,\s*)?"((?:[^"\\]|\\.)*)"/.exec(text);
    if (m) this.setProgram(pid, basename(m[1]!) || m[1]!);
  }

  private forkLine(pid: number, text: string): void {
    const m = /\)\s+=\s+(\d+)\s*(?:<[^>]*>)?\s*$/.exec(text);
    if (m) this.inherit(pid, Number(m[1]));
  }

  private resumed(text: string): void {
    const m = /^\s*(?:\[pid\s+)?(\d+)\]?\s.*<\.\.\. (clone3?|v?fork|execveat|execve) resumed>.*\)\s+=\s+(-?\d+)/.exec(text);
    if (!m) return;
    const pid = Number(m[1]);
    const ret = Number(m[3]);
    if (m[2]!.startsWith('exec')) return; // the path was on the <unfinished ...> line, handled there
    if (ret > 0) this.inherit(pid, ret);
  }

  private inherit(parent: number, child: number): void {
    this.sink.fork?.(parent, child);
    const p = this.programs.get(parent);
    if (p !== undefined && !this.programs.has(child)) this.setProgram(child, p);
  }

  /** Program names are dropped on exit; a fork line after the child's exit cannot grow the map past the bound. */
  private setProgram(pid: number, program: string): void {
    this.programs.set(pid, program);
    if (this.programs.size > MAX_PROGRAM_PIDS) this.programs.delete(this.programs.keys().next().value!);
  }

  /** Entries of the per-pid and per-name state (for tests of boundedness). */
  trackedState(): { programs: number; names: number; unknownNames: number } {
    return { programs: this.programs.size, names: this.nameIds.size, unknownNames: this.unknownNames.length };
  }

  private unmLine(text: string): void {
    // Hand-written scan: "pid<blanks>number<blanks>", no regex, no allocation.
    const n = text.length;
    let i = 0;
    while (i < n && isBlank(text.charCodeAt(i))) i++;
    if (i === n) return;
    let pid = 0;
    const ps = i;
    let c = text.charCodeAt(i);
    while (c >= 48 && c <= 57) {
      pid = pid * 10 + (c - 48);
      c = ++i < n ? text.charCodeAt(i) : -1;
    }
    const pe = i;
    while (i < n && isBlank(text.charCodeAt(i))) i++;
    let nr = 0;
    const ns = i;
    c = i < n ? text.charCodeAt(i) : -1;
    while (c >= 48 && c <= 57) {
      nr = nr * 10 + (c - 48);
      c = ++i < n ? text.charCodeAt(i) : -1;
    }
    const ne = i;
    while (i < n && isBlank(text.charCodeAt(i))) i++;
    if (pe === ps || ne === ns || pe === ns || i !== n || pid > 2147483647 || nr > 2147483647) {
      if (pe > ps && text.indexOf('+++', pe) >= 0) {
        const m = EXIT_RE.exec(text);
        if (m !== null) {
          this.sink.exit(pid, NaN);
          return;
        }
      }
      if (!this.strict) {
        this.unmSkipped++;
        return;
      }
      throw new InputError('not a "pid number" line', { file: this.file, line: this.lines, text, expected: 'two decimal integers "pid syscall"' });
    }
    this.events++;
    const id = this.idOfRaw(nr);
    this.sink.event(pid, id, NaN, id === this.unknownId ? this.unknownIndex(this.table.name(nr)) : -1);
  }

  private idOfRaw(nr: number): number {
    if (nr < this.rawIds.length) {
      const hit = this.rawIds[nr]!;
      if (hit >= 0) return hit;
    } else {
      const grown = new Int32Array(Math.max(nr + 1, this.rawIds.length * 2, 512)).fill(-2);
      grown.set(this.rawIds);
      this.rawIds = grown;
    }
    const name = this.table.name(nr);
    const id = this.alphabet.idOf(name) ?? this.unknownId;
    this.rawIds[nr] = id;
    return id;
  }
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9;
}
