// Owns the UNM reader: `.int` / `.int.gz` files of `pid<space|TAB>syscall` lines (trailing blanks and
// blank lines allowed; pids interleave). One RawTrace per pid, in order of first appearance.
//
// Parsing is one hand-written byte scan: no line strings, no regex, no per-call objects. Every record
// line takes at least 4 bytes ("0 0\n"), so (bytes + 1) / 4 bounds the records of a region and the scan
// never checks capacity. Fresh memory is what costs most after the scan itself (the first touch of a
// page is a page fault), so: files up to ~4 MB parse into a module-level scratch array reused from file
// to file, and each trace is then one exact-size copy; larger files count their lines (cheap) and parse
// straight into an array of that size, which a single-pid file keeps. Pids are tracked as runs (a new run
// when the pid changes), so the common single-pid file pays one comparison per record, and interleaved
// pids are gathered by copying whole runs into one exact-size array per pid.
// The scan is a fast loop without bounds checks over the bytes up to the region's last '\n' (every inner
// loop stops at that '\n'); a line it does not accept, and an unterminated last line, go to the general
// loop, which owns every error message. UnmParser runs the same scan over a stream of chunks (a line cut
// between chunks is carried over), for inflating a large file in pieces while it is parsed.
// Without ReadOptions.table, the calls.txt* next to the file (or one folder up) names the numbers.

import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InputError } from '../../errors.js';
import type { RawTrace, SyscallTable } from '../trace.js';
import { ArraySyscallTable } from '../syscalls/array-table.js';
import { isCallsTableName, loadCallsTable } from '../syscalls/unm-calls.js';
import { emptyFileWarning, lineTextAt, makeRawTrace } from './common.js';
import type { FileMeta, ReadResult } from './types.js';

const EXPECTED = 'two decimal integers "pid syscall"';
const MAX_INT = 2147483647;

/** Table used when no calls.txt is given or found: every number is named 'unm#<n>'. */
export const unmRawTable: SyscallTable = new ArraySyscallTable('unm', []);

/** Files whose record bound is at most this many entries parse into the shared scratch (4 MiB). */
const SCRATCH_MAX = 1 << 20;
let scratch = new Int32Array(1 << 14);
let scratchRuns = new Int32Array(64);

/** The scan's state between regions: records so far, pid runs ((first record, pid) pairs), line number. */
interface ScanState {
  /** Room for every record of the next region (see recordBound). */
  calls: Int32Array;
  k: number;
  runs: Int32Array<ArrayBuffer>;
  nRuns: number;
  lastPid: number;
  line: number;
}

/** At most this many records fit in `bytes` bytes. */
function recordBound(bytes: number): number {
  return Math.floor((bytes + 1) / 4);
}

/**
 * Parses buf[from, to) into the state. The region must hold whole lines, except that the last line of
 * the file may lack its '\n'. `calls` must have room for recordBound(to - from) more records.
 */
function scan(buf: Uint8Array, from: number, to: number, st: ScanState, file: string): void {
  const calls = st.calls;
  let pidRuns = st.runs;
  let nRuns = st.nRuns;
  let lastPid = st.lastPid;
  let k = st.k;
  let line = st.line;
  let i = from;

  // Fast loop over [from, end): buf[end - 1] is '\n', so no inner loop can run past it.
  let end = to;
  while (end > from && buf[end - 1] !== 10) end--;
  while (i < end) {
    const lineStart = i;
    let c = buf[i]!;
    while (c === 32 || c === 9 || c === 13) c = buf[++i]!;
    if (c === 10) {
      i++;
      line++;
      continue;
    }
    if (c < 48 || c > 57) {
      i = lineStart;
      break;
    }
    let pid = c - 48;
    c = buf[++i]!;
    while (c >= 48 && c <= 57) {
      pid = pid * 10 + (c - 48);
      c = buf[++i]!;
    }
    if ((c !== 32 && c !== 9) || pid > MAX_INT) {
      i = lineStart;
      break;
    }
    do c = buf[++i]!;
    while (c === 32 || c === 9);
    if (c < 48 || c > 57) {
      i = lineStart;
      break;
    }
    let sc = c - 48;
    c = buf[++i]!;
    while (c >= 48 && c <= 57) {
      sc = sc * 10 + (c - 48);
      c = buf[++i]!;
    }
    while (c === 32 || c === 9 || c === 13) c = buf[++i]!;
    if (c !== 10 || sc > MAX_INT) {
      i = lineStart;
      break;
    }
    i++;
    line++;
    if (pid !== lastPid) {
      if (2 * nRuns === pidRuns.length) pidRuns = grow(pidRuns);
      pidRuns[2 * nRuns] = k;
      pidRuns[2 * nRuns + 1] = pid;
      nRuns++;
      lastPid = pid;
    }
    calls[k++] = sc;
  }

  // General loop: the rest of the region (the line the fast loop stopped at and what follows, or an
  // unterminated last line), with bounds checks and every error.
  if (i < to) {
    const n = to;
    const fail = (message: string, at: number, atLine: number): never => {
      throw new InputError(message, { file, line: atLine, text: lineTextAt(buf, at), expected: EXPECTED });
    };
    while (i < n) {
      let c = buf[i]!;
      // Leading blanks; a blank line is skipped.
      while (c === 32 || c === 9 || c === 13) {
        if (++i === n) break;
        c = buf[i]!;
      }
      if (i === n) break;
      if (c === 10) {
        i++;
        line++;
        continue;
      }

      const pidStart = i;
      let pid = 0;
      while (c >= 48 && c <= 57) {
        pid = pid * 10 + (c - 48);
        if (++i === n) break;
        c = buf[i]!;
      }
      if (i === pidStart) fail('pid is not a decimal integer', pidStart, line);
      if (i === n || c === 10 || c === 13) fail('missing syscall column', pidStart, line);
      if (c !== 32 && c !== 9) fail('pid is not a decimal integer', pidStart, line);
      if (pid > MAX_INT) fail('pid is too large', pidStart, line);
      do {
        if (++i === n) break;
        c = buf[i]!;
      } while (c === 32 || c === 9);
      if (i === n || c === 10 || c === 13) fail('missing syscall column', pidStart, line);

      const scStart = i;
      let sc = 0;
      while (c >= 48 && c <= 57) {
        sc = sc * 10 + (c - 48);
        if (++i === n) break;
        c = buf[i]!;
      }
      if (i === scStart) fail('syscall is not a decimal integer', pidStart, line);
      if (sc > MAX_INT) fail('syscall number is too large', pidStart, line);
      if (i < n) {
        // Trailing blanks, then the end of the line.
        while (c === 32 || c === 9 || c === 13) {
          if (++i === n) break;
          c = buf[i]!;
        }
        if (i < n) {
          if (c !== 10) fail(c >= 48 && c <= 57 ? 'extra column' : 'syscall is not a decimal integer', pidStart, line);
          i++;
          line++;
        }
      }
      if (pid !== lastPid) {
        if (2 * nRuns === pidRuns.length) pidRuns = grow(pidRuns);
        pidRuns[2 * nRuns] = k;
        pidRuns[2 * nRuns + 1] = pid;
        nRuns++;
        lastPid = pid;
      }
      calls[k++] = sc;
    }
  }
  st.runs = pidRuns;
  st.nRuns = nRuns;
  st.lastPid = lastPid;
  st.k = k;
  st.line = line;
}

/**
 * The traces of a finished scan. `owned`: st.calls belongs to this file and may be kept (a view of it
 * when at most `slack` entries are unused), else every trace is an exact-size copy.
 */
function finish(st: ScanState, owned: boolean, slack: number, file: string, meta: FileMeta, table: SyscallTable): ReadResult {
  const { calls, k } = st;
  if (k === 0) return { traces: [], warnings: [emptyFileWarning(file)] };
  if (st.nRuns === 1) {
    const out = !owned ? calls.slice(0, k) : k === calls.length ? calls : calls.length - k <= slack ? calls.subarray(0, k) : calls.slice(0, k);
    return { traces: [makeRawTrace(meta, st.lastPid, out, table)], warnings: [] };
  }
  return { traces: gatherRuns(st.runs, st.nRuns, calls, k, meta, table), warnings: [] };
}

/** Parses UNM bytes (already gunzipped). `file` names the source in errors. */
export function parseUnm(buf: Uint8Array, file: string, meta: FileMeta, table: SyscallTable): ReadResult {
  const n = buf.length;
  const bound = recordBound(n);
  let calls: Int32Array;
  let owned = false;
  if (bound <= SCRATCH_MAX) {
    if (scratch.length < bound) scratch = new Int32Array(Math.min(SCRATCH_MAX, Math.max(bound, scratch.length * 2)));
    calls = scratch;
  } else {
    // Count the lines (an upper bound on the records), so one exact-size array suffices.
    let lines = 0;
    for (let p = 0; p < n; p++) if (buf[p] === 10) lines++;
    if (buf[n - 1] !== 10) lines++;
    calls = new Int32Array(lines);
    owned = true;
  }
  const st: ScanState = { calls, k: 0, runs: scratchRuns, nRuns: 0, lastPid: -1, line: 1 };
  scan(buf, 0, n, st, file);
  scratchRuns = st.runs;
  // Single pid: keep the array (a view when at most a few blank lines were counted as lines).
  return finish(st, owned, 16, file, meta, table);
}

/** True when buf[s, e) is a valid UNM record line or a blank line (see the scan). */
function validUnmLine(buf: Uint8Array, s: number, e: number): boolean {
  let i = s;
  const blank = (c: number): boolean => c === 32 || c === 9 || c === 13;
  while (i < e && blank(buf[i]!)) i++;
  if (i === e) return true;
  for (let field = 0; field < 2; field++) {
    const d = i;
    let v = 0;
    while (i < e && buf[i]! >= 48 && buf[i]! <= 57) v = v * 10 + (buf[i++]! - 48);
    if (i === d || v > MAX_INT) return false;
    const b = i;
    while (i < e && blank(buf[i]!)) i++;
    if (field === 0 && (i === b || i === e)) return false;
  }
  return i === e;
}

/**
 * parseUnm that, in lenient mode, drops the lines the strict reader refuses (counted and reported with
 * the first one) and parses the rest. Strict: parseUnm itself.
 */
export function parseUnmLenient(buf: Uint8Array, file: string, meta: FileMeta, table: SyscallTable): ReadResult {
  try {
    return parseUnm(buf, file, meta, table);
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
  }
  const kept = new Uint8Array(buf.length + 1);
  let k = 0;
  let skipped = 0;
  let first = '';
  let line = 1;
  for (let s = 0; s < buf.length; line++) {
    let e = buf.indexOf(10, s);
    if (e < 0) e = buf.length;
    if (validUnmLine(buf, s, e)) {
      kept.set(buf.subarray(s, e), k);
      k += e - s;
    } else if (skipped++ === 0) {
      first = `line ${line}: ${JSON.stringify(lineTextAt(buf, s).slice(0, 80))}`;
    }
    // Blank placeholder keeps later line numbers right.
    kept[k++] = 10;
    s = e + 1;
  }
  const r = parseUnm(kept.subarray(0, k), file, meta, table);
  return { ...r, warnings: [`${file}: --lenient: skipped ${skipped} malformed line(s), first at ${first}`, ...r.warnings], skipped };
}

/**
 * Incremental parseUnm over a stream of chunks (e.g. gunzip output): push every chunk in order, then
 * end(). Gives what parseUnm gives on the concatenated bytes, errors included. `sizeHint` (the expected
 * total bytes, e.g. the gzip ISIZE) sizes the calls array after the first chunk; a single-pid trace
 * keeps that array (a view of it when at most 1/32 of it is unused), so it is copied at most once.
 */
export class UnmParser {
  private readonly st: ScanState = { calls: new Int32Array(0) as Int32Array, k: 0, runs: new Int32Array(64), nRuns: 0, lastPid: -1, line: 1 };
  /** Bytes of an unfinished line carried over to the next chunk. */
  private carry: Uint8Array = new Uint8Array(256);
  private carryLen = 0;
  /** Bytes scanned so far. */
  private parsed = 0;

  constructor(
    private readonly file: string,
    private readonly meta: FileMeta,
    private readonly table: SyscallTable,
    private readonly sizeHint = 0,
  ) {}

  /**
   * Makes room for the records of buf[from, to). Growing sizes the array for the whole file: the records
   * per byte seen so far times sizeHint, plus 2%, so a file of even line lengths is allocated once.
   */
  private reserve(buf: Uint8Array, from: number, to: number): void {
    const st = this.st;
    const need = st.k + recordBound(to - from);
    if (need <= st.calls.length) return;
    let size = need + (need >> 1);
    if (this.sizeHint > this.parsed + (to - from)) {
      let records = st.k;
      let bytes = this.parsed;
      if (records === 0) {
        for (let p = from; p < to; p++) if (buf[p] === 10) records++;
        bytes = to - from;
      }
      if (bytes > 0) size = Math.max(need, Math.ceil((records / bytes) * this.sizeHint * 1.02) + 1024);
    }
    const next = new Int32Array(size);
    next.set(st.calls.subarray(0, st.k));
    st.calls = next;
  }

  private scanRegion(buf: Uint8Array, from: number, to: number): void {
    this.reserve(buf, from, to);
    scan(buf, from, to, this.st, this.file);
    this.parsed += to - from;
  }

  private appendCarry(buf: Uint8Array, from: number, to: number): void {
    const len = this.carryLen + (to - from);
    if (len > this.carry.length) {
      const next = new Uint8Array(Math.max(len, this.carry.length * 2));
      next.set(this.carry.subarray(0, this.carryLen));
      this.carry = next;
    }
    this.carry.set(buf.subarray(from, to), this.carryLen);
    this.carryLen = len;
  }

  push(chunk: Uint8Array): void {
    let start = 0;
    if (this.carryLen > 0) {
      const nl = chunk.indexOf(10);
      if (nl < 0) {
        this.appendCarry(chunk, 0, chunk.length);
        return;
      }
      // The line cut between chunks, whole, on its own.
      this.appendCarry(chunk, 0, nl + 1);
      const line = this.carry.subarray(0, this.carryLen);
      this.carryLen = 0;
      this.scanRegion(line, 0, line.length);
      start = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last >= start) this.scanRegion(chunk, start, last + 1);
    const rest = last >= start ? last + 1 : start;
    if (rest < chunk.length) this.appendCarry(chunk, rest, chunk.length);
  }

  end(): ReadResult {
    if (this.carryLen > 0) {
      const line = this.carry.subarray(0, this.carryLen);
      this.carryLen = 0;
      this.scanRegion(line, 0, line.length);
    }
    const st = this.st;
    return finish(st, true, Math.max(16, st.k >> 5), this.file, this.meta, this.table);
  }
}

function grow(a: Int32Array): Int32Array<ArrayBuffer> {
  const next = new Int32Array(a.length * 2);
  next.set(a);
  return next;
}

/** Copies each run of records into one exact-size array per pid, pids in order of first appearance. */
function gatherRuns(pidRuns: Int32Array, nRuns: number, calls: Int32Array, k: number, meta: FileMeta, table: SyscallTable): RawTrace[] {
  // Pass 1: the slot of each run (order of first appearance) and the records per slot.
  const slotOf = new Map<number, number>();
  const order: number[] = [];
  const counts: number[] = [];
  const runSlot = new Int32Array(nRuns);
  for (let r = 0; r < nRuns; r++) {
    const pid = pidRuns[2 * r + 1]!;
    let s = slotOf.get(pid);
    if (s === undefined) {
      s = order.length;
      slotOf.set(pid, s);
      order.push(pid);
      counts.push(0);
    }
    runSlot[r] = s;
    const runEnd = r + 1 < nRuns ? pidRuns[2 * r + 2]! : k;
    counts[s]! += runEnd - pidRuns[2 * r]!;
  }
  // Pass 2: copy the runs (long runs with one memcpy, short ones element by element).
  const arrays = counts.map((c) => new Int32Array(c));
  const fill = new Int32Array(order.length);
  for (let r = 0; r < nRuns; r++) {
    const s = runSlot[r]!;
    const from = pidRuns[2 * r]!;
    const to = r + 1 < nRuns ? pidRuns[2 * r + 2]! : k;
    const dst = arrays[s]!;
    let at = fill[s]!;
    if (to - from > 16) {
      dst.set(calls.subarray(from, to), at);
      at += to - from;
    } else {
      for (let x = from; x < to; x++) dst[at++] = calls[x]!;
    }
    fill[s] = at;
  }
  return order.map((pid, s) => makeRawTrace(meta, pid, arrays[s]!, table));
}

const tableByDir = new Map<string, SyscallTable | null>();

/** The single calls.txt* in the file's folder, else in its parent folder; null when none or ambiguous. */
export function findCallsTable(absPath: string): SyscallTable | null {
  let dir = dirname(absPath);
  for (let level = 0; level < 2; level++) {
    let hit = tableByDir.get(dir);
    if (hit === undefined) {
      let names: string[] = [];
      try {
        names = readdirSync(dir).filter(isCallsTableName);
      } catch {
        names = [];
      }
      hit = names.length === 1 ? loadCallsTable(join(dir, names[0]!)) : null;
      tableByDir.set(dir, hit);
    }
    if (hit !== null) return hit;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}
