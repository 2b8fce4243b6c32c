// Owns the strace file reader (`strace -o FILE` output, see strace-line.ts for the line grammar): one
// trace per pid in order of first appearance, or one trace with pid null when there is no pid column.
// With -n on every call the raw numbers are x86_64 (or ReadOptions.table) numbers; if any printed name
// disagrees with that table (e.g. a 32-bit process traced by a 64-bit strace), the file falls back to
// the printed names (table 'names') with a warning. Without -n the printed names are used.

import type { SyscallTable } from '../trace.js';
import { linuxX86_64 } from '../syscalls/linux-x86_64.js';
import { namesTable } from '../syscalls/names.js';
import { IntBuilder, PidGroups, makeRawTrace } from './common.js';
import { StraceLineParser } from './strace-line.js';
import type { FileMeta, ReadResult } from './types.js';

interface Group {
  names: IntBuilder;
  nrs: IntBuilder;
}

/** Bytes of a line [start, end) as text (a string only ever holds one line, never the whole file). */
function lineOf(src: string | Uint8Array, start: number, end: number): string {
  return typeof src === 'string' ? src.slice(start, end) : Buffer.from(src.buffer, src.byteOffset + start, end - start).toString('utf8');
}

/**
 * Parses strace output, given as text or as bytes (read line by line, so a file larger than the
 * longest JS string is fine). Lenient: malformed or incomplete lines are skipped and counted.
 */
export function parseStrace(text: string | Uint8Array, file: string, meta: FileMeta, numberTable?: SyscallTable, lenient = false): ReadResult {
  const table = numberTable ?? linuxX86_64;
  const parser = new StraceLineParser({ file, strict: !lenient, complete: true });
  const groups = new PidGroups<Group>(() => ({ names: new IntBuilder(), nrs: new IntBuilder() }));
  let allNumbered = true;
  let mismatch: string | null = null;
  let start = 0;
  const len = text.length;
  while (start < len) {
    let nl = typeof text === 'string' ? text.indexOf('\n', start) : text.indexOf(10, start);
    if (nl < 0) nl = len;
    const call = parser.parseLine(lineOf(text, start, nl));
    start = nl + 1;
    if (call === null) continue;
    const g = groups.get(call.pid);
    g.names.push(namesTable.intern(call.name));
    if (call.nr === null) {
      allNumbered = false;
    } else if (allNumbered && mismatch === null) {
      if (table.name(call.nr) !== call.name) mismatch = `[${call.nr}] ${call.name} (line ${parser.line})`;
      g.nrs.push(call.nr);
    }
  }

  const warnings: string[] = [];
  if (parser.skipped > 0) {
    const f = parser.firstSkipped!;
    warnings.push(`${file}: --lenient: skipped ${parser.skipped} malformed line(s), first at line ${f.line}: ${JSON.stringify(f.text)}`);
  }
  const useNumbers = allNumbered && mismatch === null && groups.size > 0;
  if (allNumbered && mismatch !== null) {
    warnings.push(`${file}: strace -n numbers do not match table ${table.id}, e.g. ${mismatch}; used the printed names`);
  }
  const traces = groups.groups.map((g, k) =>
    useNumbers
      ? makeRawTrace(meta, groups.keys[k] ?? null, g.nrs.toArray(), table)
      : makeRawTrace(meta, groups.keys[k] ?? null, g.names.toArray(), namesTable),
  );
  if (traces.length === 0) warnings.push(`${file}: no system calls in strace output`);
  return parser.skipped > 0 ? { traces, warnings, skipped: parser.skipped } : { traces, warnings };
}
