// Owns UNM `calls.txt.*` syscall tables (one name per line, line i = number i + firstNumber) and the
// small SunOS -> Linux name mapping used when SunOS and Linux traces are mixed.
//
// Table ids depend on content only, so files with equal content share an id (and an alphabet cache):
// the three files shipped with the UNM data get readable ids ('unm:calls.txt.sun', ...), any other file
// gets 'unm:sha256-<12 hex>'. A non-zero firstNumber is appended ('unm:calls.txt.sun+1').
//
// Names that repeat inside one file (calls.txt.sun lists stat, fstat, setpgrp and mount twice; xlock's
// new.calls.txt.linux lists ipc_subcall 13 times) keep their first line plain; a later repeat at line
// index i (0-based) becomes '<name>#<i>', so distinct numbers never merge into one canonical name.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InputError } from '../../errors.js';
import { ArraySyscallTable } from './array-table.js';

/** sha256 (first 12 hex) of the names joined by '\n' -> readable id, for the files shipped with UNM. */
const KNOWN_CALLS_FILES: Readonly<Record<string, string>> = {
  // Pinned by test/traces/syscalls.test.ts against the real files.
  '0545a8f71757': 'calls.txt.sun', // lpr_mit, lpr_unm, UNM-synthetic-sendmail
  'de6878be0c63': 'calls.txt.linux42', // named, login, ps, inetd, stide
  '29b08a04fd8f': 'new.calls.txt.linux', // xlock
};

export interface CallsTableOptions {
  /** Number named by the first line. 0 for every shipped file per the UNM pages (see SOURCE.md). */
  firstNumber?: number;
}

const cache = new Map<string, ArraySyscallTable>();

/** Parses calls.txt text. `file` only names the source in errors. */
export function parseCallsTable(text: string, file: string, opts: CallsTableOptions = {}): ArraySyscallTable {
  const first = opts.firstNumber ?? 0;
  if (!Number.isInteger(first) || first < 0) throw new RangeError(`firstNumber must be a non-negative integer, got ${first}`);
  const lines = text.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const raw: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const name = lines[i]!.trim();
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new InputError('bad syscall name in calls table', {
        file,
        line: i + 1,
        text: lines[i]!,
        expected: 'one syscall name per line (letters, digits, "_")',
      });
    }
    raw.push(name);
  }
  if (raw.length === 0) throw new InputError('empty syscall table', { file, expected: 'one syscall name per line' });

  const hash = createHash('sha256').update(raw.join('\n')).digest('hex').slice(0, 12);
  const base = KNOWN_CALLS_FILES[hash] ?? `sha256-${hash}`;
  const id = `unm:${base}${first === 0 ? '' : `+${first}`}`;
  const hit = cache.get(id);
  if (hit) return hit;

  const seen = new Set<string>();
  const names: (string | null)[] = new Array<string | null>(first).fill(null);
  for (let i = 0; i < raw.length; i++) {
    const n = raw[i]!;
    names.push(seen.has(n) ? `${n}#${i}` : n);
    seen.add(n);
  }
  const table = new ArraySyscallTable(id, names);
  cache.set(id, table);
  return table;
}

/** Loads a UNM calls.txt file. Same content -> same table object and id. */
export function loadCallsTable(path: string, opts: CallsTableOptions = {}): ArraySyscallTable {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new InputError(`cannot read syscall table: ${(e as Error).message}`, { file: path });
  }
  return parseCallsTable(text, path, opts);
}

/** True when a file name looks like a UNM syscall table (calls.txt.sun, new.calls.txt.linux, ...). */
export function isCallsTableName(path: string): boolean {
  return /(^|\.)calls\.txt(\.|$)/.test(basename(path));
}

/**
 * SunOS 4 names (as spelled in calls.txt.sun) whose Linux syscall has a different name. Deliberately
 * small: only calls that are the same kernel operation. Every other SunOS name either is spelled as on
 * Linux (read, open, vfork, execve, ...) or has no exact Linux counterpart (sigvec, sigblock, vtimes ...).
 *  - sbreak: the BSD/SunOS data-segment break call (libc brk()/sbrk() call it) = Linux brk.
 *  - execv: the old SunOS exec entry point, execve with a null environment = Linux execve.
 */
export const sunosToLinux: Readonly<Record<string, string>> = Object.freeze({
  sbreak: 'brk',
  execv: 'execve',
});
