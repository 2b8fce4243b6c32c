// Tests the ADFA-LD reader: one trace per file, trailing space / no newline, tolerated newlines, the
// linux-i386 default table, empty files and malformed numbers.

import { describe, expect, it } from 'vitest';
import { readTraceFile } from '../../src/traces/readers/index.js';
import { linuxI386, linuxX86_64 } from '../../src/traces/syscalls/index.js';
import { expectInputError, fixture, meta } from './helpers.js';

const read = (name: string, table?: typeof linuxI386) =>
  readTraceFile('adfa', fixture('adfa', name), meta(`adfa/${name}`, { label: 'attack', family: 'Adduser', intrusion: 'Adduser_1' }), { table });

describe('ADFA-LD reader', () => {
  it('reads one line with a trailing space and no newline as one trace, pid null, linux-i386', () => {
    const r = read('one-line.txt');
    expect(r.warnings).toEqual([]);
    expect(r.traces).toHaveLength(1);
    const t = r.traces[0]!;
    expect(t.pid).toBeNull();
    expect(Array.from(t.calls)).toEqual([5, 3, 3, 4, 195, 6, 1, 252]);
    expect(t.table).toBe(linuxI386);
    expect(t.table.name(195)).toBe('stat64');
    expect(t.label).toBe('attack');
    expect(t.family).toBe('Adduser');
    expect(t.intrusion).toBe('Adduser_1');
  });

  it('tolerates newlines and CRLF', () => {
    expect(Array.from(read('multiline.txt').traces[0]!.calls)).toEqual([5, 3, 3, 4, 195, 6, 1, 252]);
  });

  it('honours ReadOptions.table', () => {
    expect(read('one-line.txt', linuxX86_64).traces[0]!.table).toBe(linuxX86_64);
  });

  it('warns on an empty file', () => {
    const r = read('empty.txt');
    expect(r.traces).toEqual([]);
    expect(r.warnings[0]).toContain(fixture('adfa', 'empty.txt'));
  });

  it('rejects a non-numeric token with file, line, token and expectation', () => {
    expectInputError(() => read('bad.txt'), {
      file: fixture('adfa', 'bad.txt'),
      line: 1,
      text: '4x2',
      expected: 'decimal syscall numbers separated by spaces',
    });
  });
});
