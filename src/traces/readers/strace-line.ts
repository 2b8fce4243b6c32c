// Owns parsing of single strace output lines, independent of files so live strace streams can reuse
// it. Understands the `-f` pid column ("1234  ..." or "[pid  1234] ..."), `-t`/`-tt`/`-ttt`/`-r`
// timestamps, `-n` syscall numbers ("[ 59] ") and `-i` instruction pointers. A call split by
// `<unfinished ...>` counts once, at its first line; "<... x resumed>", "--- SIGxxx ... ---",
// "+++ exited/killed ... +++" and strace's own "strace: ..." messages are not calls.

import { InputError } from '../../errors.js';

export interface StraceCall {
  /** The pid column, null when strace ran without -f (or for the main process in stderr output). */
  pid: number | null;
  /** Syscall name as printed (the canonical name). */
  name: string;
  /** Seconds: since the epoch (-ttt), since midnight (-t, -tt) or since the previous line (-r); else null. */
  ts: number | null;
  /** The `-n` syscall number, null without -n. */
  nr: number | null;
}

export interface StraceLineParserOptions {
  /** Names the source in errors (a path, or e.g. '<strace pid 123>'). */
  file?: string;
  /** true (default): a line that is not strace output throws InputError; false: it is counted in `skipped`. */
  strict?: boolean;
  /** Line number of the first line parsed (default 1). */
  firstLine?: number;
  /**
   * Require every call line to be complete (its result, or "<unfinished ...>"); an incomplete one is
   * bad (an error when strict, else skipped and counted). Default: the value of `strict`.
   */
  complete?: boolean;
}

export const STRACE_LINE_EXPECTED =
  'a strace line: "[pid] [time] [[nr]] name(...", "<... name resumed>", "--- SIGxxx ---", "+++ exited ... +++" or "strace: ..."';

const SP = 32;
const TAB = 9;
/** Largest pid accepted (Linux pid_max is at most 2^22; pids are int32 everywhere here). */
const MAX_PID = 2147483647;

/** Result of a finished call: ") = 0", ") = -1 ENOENT (...)", ") = ?", ") = 0x7f..", then anything (e.g. -T "<0.0001>"). */
const RESULT_RE = /\)[ \t]*=[ \t]+(?:-?\d+|0x[0-9a-fA-F]+|\?)(?:[ \t]|$)/;

/** True when text[from, end) holds a call's result or ends with "<unfinished ...>". */
function isComplete(text: string, from: number, end: number): boolean {
  if (text.endsWith('<unfinished ...>', end)) return true;
  // strace (stderr output) breaks a call line with its own message: "vfork(strace: Process 42 attached".
  if (text.includes('strace: Process ', from)) return true;
  // Only the tail is searched: the result is printed last (after arguments of any length).
  const tail = end - from > 4096 ? text.slice(end - 4096, end) : text.slice(from, end);
  return RESULT_RE.test(tail);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isNameStart(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;
}
function isNameChar(c: number): boolean {
  return isNameStart(c) || isDigit(c);
}
function isHex(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

export class StraceLineParser {
  /** Number of the last line parsed. */
  line: number;
  /** Lines that were not strace output (non-strict mode only). */
  skipped = 0;
  /** The first of those lines (non-strict mode only). */
  firstSkipped: { line: number; text: string } | null = null;
  private readonly file: string | undefined;
  private readonly strict: boolean;
  private readonly complete: boolean;
  private rest = '';

  constructor(opts: StraceLineParserOptions = {}) {
    this.file = opts.file;
    this.strict = opts.strict ?? true;
    this.complete = opts.complete ?? this.strict;
    this.line = (opts.firstLine ?? 1) - 1;
  }

  /** Parses one line (without its newline). Returns the call, or null for a line that is not a call. */
  parseLine(text: string): StraceCall | null {
    this.line++;
    let end = text.length;
    while (end > 0) {
      const c = text.charCodeAt(end - 1);
      if (c !== SP && c !== TAB && c !== 13) break;
      end--;
    }
    let i = 0;
    while (i < end && (text.charCodeAt(i) === SP || text.charCodeAt(i) === TAB)) i++;
    if (i === end) return null;
    if (text.startsWith('strace: ', i)) return null;

    let pid: number | null = null;
    let ts: number | null = null;
    let nr: number | null = null;

    // pid column: "[pid  1234] " (stderr output) or "1234  " (-o FILE with -f).
    if (text.startsWith('[pid', i)) {
      let j = i + 4;
      while (j < end && text.charCodeAt(j) === SP) j++;
      const s = j;
      while (j < end && isDigit(text.charCodeAt(j))) j++;
      if (j === s || text.charCodeAt(j) !== 93 /* ] */) return this.bad(text);
      pid = Number(text.slice(s, j));
      if (pid > MAX_PID) return this.bad(text, 'pid out of range');
      i = this.skipBlanks(text, j + 1, end);
    } else if (isDigit(text.charCodeAt(i))) {
      let j = i;
      while (j < end && isDigit(text.charCodeAt(j))) j++;
      const c = text.charCodeAt(j);
      if (c === SP || c === TAB) {
        pid = Number(text.slice(i, j));
        if (pid > MAX_PID) return this.bad(text, 'pid out of range');
        i = this.skipBlanks(text, j, end);
      }
    }

    // Timestamp: 12:34:56, 12:34:56.123456 or 1700000000.123456 (also -r's 0.000123).
    if (i < end && isDigit(text.charCodeAt(i))) {
      let j = i;
      while (j < end && text.charCodeAt(j) !== SP && text.charCodeAt(j) !== TAB) j++;
      ts = parseTimestamp(text, i, j);
      if (ts === null || !Number.isFinite(ts)) return this.bad(text);
      i = this.skipBlanks(text, j, end);
    }

    // "[  59] " (-n) and "[00007f0123456789] " (-i), in either order.
    while (i < end && text.charCodeAt(i) === 91 /* [ */) {
      const close = text.indexOf(']', i);
      if (close < 0 || close >= end) return this.bad(text);
      let s = i + 1;
      while (s < close && text.charCodeAt(s) === SP) s++;
      let allDigits = s < close;
      let allHex = s < close;
      for (let k = s; k < close; k++) {
        const c = text.charCodeAt(k);
        if (!isDigit(c)) allDigits = false;
        if (!isHex(c)) allHex = false;
      }
      const width = close - s;
      if (allDigits && width <= 6) nr = Number(text.slice(s, close));
      else if (!(allHex && width >= 8)) return this.bad(text);
      i = this.skipBlanks(text, close + 1, end);
    }

    if (i >= end) return this.bad(text);
    const c0 = text.charCodeAt(i);
    if (c0 === 60 /* < */) {
      // "<... x resumed>", or the tail "<unfinished ...>" / "<detached ...>" of a call line that strace
      // broke with one of its own messages (stderr output): never a new call.
      if (text.startsWith('<unfinished ...>', i) || text.startsWith('<detached ...>', i)) return null;
      if (text.startsWith('<...', i)) return this.complete && !isComplete(text, i, end) ? this.bad(text, 'incomplete resumed line') : null;
      return this.bad(text);
    }
    if (text.startsWith('---', i) || text.startsWith('+++', i)) return null;
    if (!isNameStart(c0)) return this.bad(text);
    let j = i + 1;
    while (j < end && isNameChar(text.charCodeAt(j))) j++;
    if (text.charCodeAt(j) !== 40 /* ( */) return this.bad(text);
    // A call line ends with its result ("= 0", "= -1 ENOENT (...)", "= ?", "= 0x7f.. <0.0001>") or with
    // "<unfinished ...>"; anything else is a line that was cut or garbled.
    if (this.complete && !isComplete(text, j, end)) return this.bad(text, 'incomplete or garbled call line');
    return { pid, name: text.slice(i, j), ts, nr };
  }

  /** Feeds a chunk of a stream; returns the calls of every complete line in it. */
  push(chunk: string): StraceCall[] {
    const out: StraceCall[] = [];
    let text = this.rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', start)) {
      const call = this.parseLine(text.slice(start, nl));
      if (call !== null) out.push(call);
      start = nl + 1;
    }
    this.rest = start === 0 ? text : text.slice(start);
    text = '';
    return out;
  }

  /** Ends a stream: parses a last line that had no newline. */
  end(): StraceCall[] {
    const last = this.rest;
    this.rest = '';
    if (last === '') return [];
    const call = this.parseLine(last);
    return call === null ? [] : [call];
  }

  private skipBlanks(text: string, i: number, end: number): number {
    while (i < end && (text.charCodeAt(i) === SP || text.charCodeAt(i) === TAB)) i++;
    return i;
  }

  private bad(text: string, what = 'not a strace line'): null {
    if (!this.strict) {
      if (this.skipped === 0) this.firstSkipped = { line: this.line, text: text.length > 80 ? text.slice(0, 77) + '...' : text };
      this.skipped++;
      return null;
    }
    throw new InputError(what, {
      file: this.file,
      line: this.line,
      text,
      expected: STRACE_LINE_EXPECTED,
    });
  }
}

/** Seconds of "HH:MM:SS[.frac]" (since midnight) or "SECS.frac"; null when malformed. */
function parseTimestamp(text: string, start: number, end: number): number | null {
  const tok = text.slice(start, end);
  const colon = tok.indexOf(':');
  if (colon < 0) {
    // -ttt / -r: digits '.' digits
    const dot = tok.indexOf('.');
    if (dot <= 0 || dot === tok.length - 1) return null;
    for (let k = 0; k < tok.length; k++) if (k !== dot && !isDigit(tok.charCodeAt(k))) return null;
    return Number(tok);
  }
  const parts = tok.split(':');
  if (parts.length !== 3) return null;
  const [h, m, s] = parts as [string, string, string];
  if (!/^\d{1,2}$/.test(h) || !/^\d{2}$/.test(m) || !/^\d{2}(\.\d+)?$/.test(s)) return null;
  return Number(h) * 3600 + Number(m) * 60 + Number(s);
}
