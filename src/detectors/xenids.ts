// Owns the paper's online variant of Stide ("XenIds", Maiero & Miculan 2011): one database shared by all
// programs; an interleaved stream of (host, pid, syscall) events; a k-buffer and a locality frame per
// (host, pid); the buffer cleared on exec/vfork. The reset rule: a reset call clears the buffer and then
// starts the new buffer (the new program image begins with the exec). The batch scorer gives the same
// per-process windows as the online detector, so experiments and live monitoring agree by construction.

import { InputError } from '../errors.js';
import { LocalityFrame } from '../eval/frame.js';
import { WindowSet } from './window-set.js';
import type { DetectorConfig, Model } from './types.js';
import type { Alphabet } from '../traces/alphabet.js';
import type { Trace } from '../traces/trace.js';

/**
 * Calls that reset a process's buffer: Linux execve / execveat / vfork, and SunOS 4's execv (its old exec
 * entry point, in UNM calls.txt.sun; SunOS execve and vfork are spelled as on Linux).
 */
export const DEFAULT_RESET_ON = ['execve', 'execveat', 'vfork', 'execv'] as const;

/** Parses a `--reset-on` value: comma-separated syscall names (canonical names, as in the alphabet). */
export function parseResetOn(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InputError('--reset-on names no call', { text: value, expected: 'comma-separated syscall names, e.g. execve,execveat,vfork,execv' });
  for (const n of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_#]*$/.test(n)) throw new InputError(`--reset-on: bad syscall name`, { text: n, expected: 'comma-separated syscall names, e.g. execve,execveat,vfork,execv' });
  }
  return [...new Set(names)];
}

/** Marks, per dense id, whether the call resets a process's buffer. */
export function resetMask(alphabet: Alphabet, names: readonly string[]): Uint8Array {
  const mask = new Uint8Array(alphabet.size + 1);
  for (const n of names) {
    const id = alphabet.idOf(n);
    if (id !== undefined) mask[id] = 1;
  }
  return mask;
}

function isReset(mask: Uint8Array, id: number): boolean {
  return id < mask.length && mask[id] === 1;
}

/** Calls [start, end) segments of a trace between resets. */
function forEachSegment(calls: Int32Array, mask: Uint8Array, fn: (seg: Int32Array) => void): void {
  let start = 0;
  for (let i = 1; i < calls.length; i++) {
    if (isReset(mask, calls[i]!)) {
      fn(calls.subarray(start, i));
      start = i;
    }
  }
  if (calls.length > 0) fn(calls.subarray(start));
}

export class XenidsModel implements Model {
  readonly config: DetectorConfig;
  readonly db: WindowSet;

  constructor(config: DetectorConfig, db: WindowSet) {
    this.config = config;
    this.db = db;
  }

  get dbSize(): number {
    return this.db.size;
  }

  get dbBytes(): number {
    return this.db.bytes;
  }

  score(trace: Trace): Uint8Array {
    const mask = resetMask(trace.alphabet, this.config.resetOn);
    const parts: Uint8Array[] = [];
    let total = 0;
    forEachSegment(trace.calls, mask, (seg) => {
      const s = this.db.mismatches(seg);
      parts.push(s);
      total += s.length;
    });
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

export function trainXenids(traces: readonly Trace[], k: number, resetOn: readonly string[] = DEFAULT_RESET_ON): XenidsModel {
  const db = new WindowSet(k);
  for (const t of traces) {
    const mask = resetMask(t.alphabet, resetOn);
    forEachSegment(t.calls, mask, (seg) => db.addTrace(seg));
  }
  return new XenidsModel({ kind: 'xenids', scope: 'shared', k, resetOn: [...resetOn] }, db);
}

/** State the online detector keeps for one (host, pid). */
export interface ProcessState {
  host: number;
  pid: number;
  /** Ring buffer of the last k calls. */
  buf: Int32Array;
  filled: number;
  pos: number;
  frame: LocalityFrame;
  events: number;
  windows: number;
  mismatches: number;
  alarms: number;
  /** Window index of the first alarm, -1 while none. */
  firstAlarmWindow: number;
  /** Event index (calls seen by this process) of the first alarm, -1 while none. */
  firstAlarmEvent: number;
}

export interface OnlineOptions {
  /** Smallest LFC that alarms (from a threshold policy via minAlarmLfc). */
  minAlarmLfc: number;
  frame: number;
  /** Per dense id: 1 when the call clears the buffer. */
  resetMask: Uint8Array;
}

/** Outcome codes of OnlineDetector.push. */
export const NO_WINDOW = -1;
export const MATCH = 0;
export const MISMATCH = 1;
export const ALARM = 2;

/**
 * The streaming detector. push() is allocation-free after a process's first event; per-process state is
 * keyed by a number built from (host, pid), never a string.
 */
export class OnlineDetector {
  readonly db: WindowSet;
  readonly k: number;
  private readonly opts: OnlineOptions;
  private readonly procs = new Map<number, ProcessState>();
  private readonly tmp: Int32Array;
  /** The state touched by the last push (for callers that report details on alarm). */
  last: ProcessState | undefined;
  events = 0;

  constructor(db: WindowSet, opts: OnlineOptions) {
    this.db = db;
    this.k = db.k;
    this.opts = opts;
    this.tmp = new Int32Array(db.k);
  }

  static key(host: number, pid: number): number {
    return host * 0x100000000 + (pid >>> 0);
  }

  processes(): IterableIterator<ProcessState> {
    return this.procs.values();
  }

  get(host: number, pid: number): ProcessState | undefined {
    return this.procs.get(OnlineDetector.key(host, pid));
  }

  /** Forget a process (it exited); a reused pid starts fresh. Returns its final state. */
  end(host: number, pid: number): ProcessState | undefined {
    const key = OnlineDetector.key(host, pid);
    const s = this.procs.get(key);
    this.procs.delete(key);
    return s;
  }

  /** The current window of a process, oldest call first (valid when filled >= k). */
  currentWindow(s: ProcessState): Int32Array {
    const k = this.k;
    for (let j = 0; j < k; j++) this.tmp[j] = s.buf[(s.pos + j) % k]!;
    return this.tmp;
  }

  push(host: number, pid: number, id: number): number {
    this.events++;
    const key = OnlineDetector.key(host, pid);
    let s = this.procs.get(key);
    if (s === undefined) {
      s = {
        host, pid, buf: new Int32Array(this.k), filled: 0, pos: 0, frame: new LocalityFrame(this.opts.frame),
        events: 0, windows: 0, mismatches: 0, alarms: 0, firstAlarmWindow: -1, firstAlarmEvent: -1,
      };
      this.procs.set(key, s);
    }
    this.last = s;
    s.events++;
    const k = this.k;
    if (id < this.opts.resetMask.length && this.opts.resetMask[id] === 1) {
      s.filled = 0;
      s.pos = 0;
    }
    // Ring: pos is the slot of the oldest call once full.
    s.buf[s.pos] = id;
    s.pos = s.pos + 1 === k ? 0 : s.pos + 1;
    if (s.filled < k) s.filled++;
    if (s.filled < k) return NO_WINDOW;
    const w = this.currentWindow(s);
    const miss: 0 | 1 = this.db.has(w, 0) ? 0 : 1;
    s.windows++;
    s.mismatches += miss;
    const lfc = s.frame.push(miss);
    if (lfc >= this.opts.minAlarmLfc) {
      s.alarms++;
      if (s.firstAlarmWindow < 0) {
        s.firstAlarmWindow = s.windows - 1;
        s.firstAlarmEvent = s.events - 1;
      }
      return ALARM;
    }
    return miss;
  }
}
