// Owns the reader entry points: readTraceFile (load, gunzip, dispatch by format, empty-file warning)
// and detectFormat for `--format auto` (file name first, then a sniff of the first bytes).

import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { constants as zc, gunzipSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import { linuxI386 } from '../syscalls/linux-i386.js';
import { parseAdfa } from './adfa.js';
import { emptyFileWarning, isBlank, isGzip, loadBytes } from './common.js';
import { parseCsv } from './csv.js';
import { parseStrace } from './strace.js';
import { StraceLineParser } from './strace-line.js';
import type { FileMeta, ReadOptions, ReadResult, TraceFormat } from './types.js';
import { findCallsTable, parseUnm, unmRawTable } from './unm.js';

export type { FileMeta, ReadOptions, ReadResult, TraceFormat } from './types.js';
export { StraceLineParser, STRACE_LINE_EXPECTED } from './strace-line.js';
export type { StraceCall, StraceLineParserOptions } from './strace-line.js';
export { parseAdfa } from './adfa.js';
export { parseCsv } from './csv.js';
export { parseStrace } from './strace.js';
export { findCallsTable, parseUnm, unmRawTable } from './unm.js';

export const TRACE_FORMATS: readonly TraceFormat[] = ['unm', 'adfa', 'strace', 'csv'];

/**
 * Reads one trace file (gzip is detected by content and gunzipped for every format). An empty file
 * gives no traces and a warning. Tables: ReadOptions.table, else UNM: the calls.txt* beside the file or
 * one folder up (else 'unm#<n>' names); ADFA-LD: linux-i386; strace -n: linux-x86_64; CSV numbers: none.
 */
export function readTraceFile(
  format: TraceFormat | 'auto',
  absPath: string,
  meta: FileMeta,
  opts: ReadOptions = {},
): ReadResult {
  const buf = loadBytes(absPath);
  if (isBlank(buf)) return { traces: [], warnings: [emptyFileWarning(absPath)] };
  const f = format === 'auto' ? detectFormat(absPath, buf.subarray(0, 65536)) : format;
  switch (f) {
    case 'unm':
      return parseUnm(buf, absPath, meta, opts.table ?? findCallsTable(absPath) ?? unmRawTable);
    case 'adfa':
      return parseAdfa(buf, absPath, meta, opts.table ?? linuxI386);
    case 'strace':
      return parseStrace(buf.toString('utf8'), absPath, meta, opts.table);
    case 'csv':
      return parseCsv(buf.toString('utf8'), absPath, meta, opts.table);
    default:
      throw new InputError(`unknown trace format ${JSON.stringify(f)}`, { expected: TRACE_FORMATS.join(', ') });
  }
}

const FORMAT_EXPECTED =
  'UNM "pid syscall" lines, ADFA-LD syscall numbers, strace output, or CSV/TSV with a header (or pass --format)';

/**
 * Guesses the format of a file from its name and first bytes (gzip allowed, may be cut anywhere).
 * Names: *.int[.gz] -> unm, *.csv/*.tsv -> csv, *.strace -> strace. Content: two integers per line ->
 * unm; three or more integers on the first line -> adfa; strace lines -> strace; a header with a
 * "syscall" column -> csv. A blank file is reported as 'unm' (every reader turns it into a warning).
 */
export function detectFormat(absPath: string, firstBytes: Buffer): TraceFormat {
  const name = basename(absPath).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.int')) return 'unm';
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  if (name.endsWith('.strace')) return 'strace';

  let head: Buffer = firstBytes;
  if (isGzip(head)) {
    try {
      head = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      throw new InputError(`corrupt gzip data (${(e as Error).message})`, { file: absPath, expected: 'a gzip stream' });
    }
  }
  const text = head.subarray(0, 65536).toString('latin1');
  const lines = text.split('\n');
  if (lines.length > 1 && !text.endsWith('\n')) lines.pop(); // the last line may be cut
  const nonBlank = lines.map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  const first = nonBlank[0];
  if (first === undefined) return 'unm';

  if (/^[\d \t]+$/.test(first)) {
    const fields = first.trim().split(/[ \t]+/).length;
    if (fields === 2 && nonBlank.slice(0, 20).every((l) => /^\s*\d+[ \t]+\d+\s*$/.test(l))) return 'unm';
    if (fields >= 3 && nonBlank.every((l) => /^[\d \t]*$/.test(l))) return 'adfa';
  }
  if (/syscall/i.test(first) && /[,\t;|]/.test(first)) return 'csv';
  const parser = new StraceLineParser({ file: absPath });
  try {
    for (const l of nonBlank.slice(0, 10)) parser.parseLine(l);
    return 'strace';
  } catch {
    // not strace
  }
  throw new InputError('cannot detect the trace format', { file: absPath, line: 1, text: first, expected: FORMAT_EXPECTED });
}

/** Reads up to 64 KiB of a file and detects its format. */
export function detectFileFormat(absPath: string): TraceFormat {
  let fd: number;
  try {
    fd = openSync(absPath, 'r');
  } catch (e) {
    throw new InputError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: absPath });
  }
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return detectFormat(absPath, buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
