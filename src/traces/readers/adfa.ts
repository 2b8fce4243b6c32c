// Owns the ADFA-LD reader: one trace per file, decimal syscall numbers separated by blanks (the real
// files are one line with a trailing space and no newline; newlines are tolerated). pid is null and the
// numbering defaults to Linux i386. One byte scan, no strings.

import { InputError } from '../../errors.js';
import type { SyscallTable } from '../trace.js';
import { linuxI386 } from '../syscalls/linux-i386.js';
import { IntBuilder, lineTextAt, makeRawTrace } from './common.js';
import type { FileMeta, ReadResult } from './types.js';

const MAX_INT = 2147483647;

/** Parses ADFA-LD bytes. Lenient: a token that is not a decimal syscall number is skipped and counted. */
export function parseAdfa(buf: Uint8Array, file: string, meta: FileMeta, table: SyscallTable = linuxI386, lenient = false): ReadResult {
  const n = buf.length;
  let skipped = 0;
  let first = '';
  const out = new IntBuilder((n >> 2) + 16);
  let line = 1;
  let i = 0;
  while (i < n) {
    let c = buf[i]!;
    if (c === 32 || c === 9 || c === 13) {
      i++;
      continue;
    }
    if (c === 10) {
      i++;
      line++;
      continue;
    }
    const start = i;
    let v = 0;
    while (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      if (++i === n) break;
      c = buf[i]!;
    }
    if (i === start || (i < n && c !== 32 && c !== 9 && c !== 10 && c !== 13) || v > MAX_INT) {
      let e = start;
      while (e < n && buf[e] !== 32 && buf[e] !== 9 && buf[e] !== 10 && buf[e] !== 13) e++;
      if (lenient) {
        if (skipped++ === 0) first = `line ${line}: ${JSON.stringify(Buffer.from(buf.buffer, buf.byteOffset + start, Math.min(e - start, 80)).toString('latin1'))}`;
        i = e;
        continue;
      }
      throw new InputError('syscall is not a decimal integer', {
        file,
        line,
        text: Buffer.from(buf.buffer, buf.byteOffset + start, Math.min(e - start, 80)).toString('latin1') || lineTextAt(buf, start),
        expected: 'decimal syscall numbers separated by spaces',
      });
    }
    out.push(v);
  }
  if (skipped > 0) {
    const warnings = [`${file}: --lenient: skipped ${skipped} malformed token(s), first at ${first}`];
    return { traces: [makeRawTrace(meta, null, out.toArray(), table)], warnings, skipped };
  }
  return { traces: [makeRawTrace(meta, null, out.toArray(), table)], warnings: [] };
}
