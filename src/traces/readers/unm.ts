// Owns the UNM reader: `.int` / `.int.gz` files of `pid<space|TAB>syscall` lines (trailing blanks and
// blank lines allowed; pids interleave). One RawTrace per pid, in order of first appearance. Parsing is
// a newline count (native indexOf) to size one Int32Array, then one hand-written byte scan: no line
// strings, no regex, no per-call objects. Interleaved pids are scattered into exact per-pid arrays.
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

/** Parses UNM bytes (already gunzipped). `file` names the source in errors. */
export function parseUnm(buf: Uint8Array, file: string, meta: FileMeta, table: SyscallTable): ReadResult {
  const n = buf.length;
  // Upper bound on records: the number of lines (memchr via indexOf), so one exact allocation suffices.
  let lines = 0;
  for (let p = 0; p < n; p++) if (buf[p] === 10) lines++;
  if (n > 0 && buf[n - 1] !== 10) lines++;
  const calls = new Int32Array(lines);
  let pids: Int32Array | null = null; // only allocated once a second pid shows up
  let firstPid = -1;
  let k = 0;

  const fail = (message: string, at: number, line: number): never => {
    throw new InputError(message, { file, line, text: lineTextAt(buf, at), expected: EXPECTED });
  };

  let i = 0;
  let line = 1;
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

    if (k === 0) firstPid = pid;
    else if (pids === null && pid !== firstPid) {
      pids = new Int32Array(lines);
      pids.fill(firstPid, 0, k);
    }
    if (pids !== null) pids[k] = pid;
    calls[k++] = sc;
  }

  if (k === 0) return { traces: [], warnings: [emptyFileWarning(file)] };
  if (pids === null) {
    // One process: keep the array (a view when at most a few blank lines were counted).
    const out = k === lines ? calls : lines - k <= 16 ? calls.subarray(0, k) : calls.slice(0, k);
    return { traces: [makeRawTrace(meta, firstPid, out, table)], warnings: [] };
  }
  return { traces: splitByPid(pids, calls, k, meta, table), warnings: [] };
}

/** Scatters interleaved records into one exact-size array per pid, in order of first appearance. */
function splitByPid(pids: Int32Array, calls: Int32Array, k: number, meta: FileMeta, table: SyscallTable): RawTrace[] {
  // Pass 1: replace each pid by its slot (order of first appearance) and count records per slot.
  const slotOf = new Map<number, number>();
  const order: number[] = [];
  let counts = new Int32Array(16);
  let lastPid = -1;
  let lastSlot = -1;
  for (let r = 0; r < k; r++) {
    const pid = pids[r]!;
    if (pid !== lastPid) {
      let s = slotOf.get(pid);
      if (s === undefined) {
        s = order.length;
        slotOf.set(pid, s);
        order.push(pid);
        if (s === counts.length) {
          const grown = new Int32Array(counts.length * 2);
          grown.set(counts);
          counts = grown;
        }
      }
      lastPid = pid;
      lastSlot = s;
    }
    pids[r] = lastSlot;
    counts[lastSlot]++;
  }
  // Pass 2: scatter.
  const arrays = order.map((_, s) => new Int32Array(counts[s]!));
  const fill = new Int32Array(order.length);
  for (let r = 0; r < k; r++) {
    const s = pids[r]!;
    arrays[s]![fill[s]!++] = calls[r]!;
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
