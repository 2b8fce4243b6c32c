// Owns the streaming detector behind `watch`: an interleaved stream of (host, pid, syscall) events, a
// k-buffer and a locality frame per (host, pid), the buffer cleared on the model's reset calls, and each
// full window tested by the model's online form (a WindowTest from the detector registry). The reset
// rule is the one of the batch scorer of xenids (src/detectors/xenids.ts): a reset call clears the buffer
// and then starts the new one, so batch and online windows agree by construction.
// For window-set models (stide, xenids, t-stide) the online form has a rolling key: each process keeps
// its window's exact packed key, rolled forward by one call per event (a few shifts), and the set is
// probed with it directly; the ring buffer is then only written, and read to report an alarm's window.

import { LocalityFrame } from '../eval/frame.js';
import type { RollingTest, WindowTest } from '../detectors/types.js';

/** State the online detector keeps for one (host, pid). */
export interface ProcessState {
  host: number;
  pid: number;
  /** Ring buffer of the last k calls. */
  buf: Int32Array;
  /** Rolling key of the last calls (models with a rolling form; else empty). */
  key: Int32Array;
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
  readonly model: WindowTest;
  readonly k: number;
  private readonly opts: OnlineOptions;
  private readonly procs = new Map<number, ProcessState>();
  private readonly tmp: Int32Array;
  private readonly rolling: RollingTest | undefined;
  /** The state touched by the last push (for callers that report details on alarm). */
  last: ProcessState | undefined;
  events = 0;

  constructor(model: WindowTest, opts: OnlineOptions) {
    this.model = model;
    this.k = model.k;
    this.opts = opts;
    this.tmp = new Int32Array(model.k);
    this.rolling = model.rolling;
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
        host, pid, buf: new Int32Array(this.k), key: new Int32Array(this.rolling?.lanes ?? 0), filled: 0, pos: 0, frame: new LocalityFrame(this.opts.frame),
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
    const rolling = this.rolling;
    // k rolls replace every bit of the key, so after a reset (filled = 0) it needs no clearing.
    if (rolling !== undefined) rolling.roll(s.key, id);
    if (s.filled < k) s.filled++;
    if (s.filled < k) return NO_WINDOW;
    const verdict = rolling !== undefined ? rolling.testKey(s.key) : this.model.test(this.currentWindow(s));
    const miss = verdict === 0 ? 0 : 1;
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
