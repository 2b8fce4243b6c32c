// Tests the CSV/TSV reader: trace/pid grouping, delimiter choice, names vs numbers vs mixed, the label
// column, empty input, and every malformed-input error (with file, line and expectation).

import { describe, expect, it } from 'vitest';
import { readTraceFile } from '../../src/traces/readers/index.js';
import { sniffDelimiter } from '../../src/traces/readers/csv.js';
import { linuxX86_64, namesTable } from '../../src/traces/syscalls/index.js';
import { expectInputError, fixture, meta } from './helpers.js';

const read = (name: string, table?: typeof linuxX86_64) =>
  readTraceFile('csv', fixture('csv', name), meta(`csv/${name}`), { table });
const names = (t: { calls: Int32Array; table: { name(n: number): string } }) => Array.from(t.calls, (c) => t.table.name(c));

describe('CSV reader', () => {
  it('groups rows by trace_id in order of first appearance, names via the names table, labels per trace', () => {
    const r = read('names.csv');
    expect(r.warnings).toEqual([]);
    expect(r.traces.map((t) => [t.source, t.pid, t.label, names(t)])).toEqual([
      ['csv/names.csv#A', null, 'normal', ['execve', 'brk', 'exit_group']],
      ['csv/names.csv#B', null, 'attack', ['openat', 'read']],
    ]);
    expect(r.traces[0]!.table).toBe(namesTable);
  });

  it('reads a .tsv with an upper-case PID column and numeric syscalls given a table', () => {
    const r = read('numbers.tsv', linuxX86_64);
    expect(r.traces.map((t) => [t.source, t.pid, Array.from(t.calls)])).toEqual([
      ['csv/numbers.tsv', 7, [59, 12, 231]],
      ['csv/numbers.tsv', 8, [0]],
    ]);
    expect(r.traces[0]!.table).toBe(linuxX86_64);
  });

  it('sniffs ";" from the header and matches column names case-insensitively', () => {
    const r = read('semicolon.csv');
    expect(r.traces.map((t) => [t.pid, t.label, names(t)])).toEqual([
      [1, 'normal', ['execve', 'read']],
      [2, 'attack', ['write']],
    ]);
  });

  it('renumbers names into the table when numbers and names are mixed', () => {
    const r = read('mixed.csv', linuxX86_64);
    expect(Array.from(r.traces[0]!.calls)).toEqual([59, 257, 3]);
  });

  it('chooses the delimiter from the extension, else from the header', () => {
    expect(sniffDelimiter('a.tsv', 'pid,syscall\n')).toBe('\t');
    expect(sniffDelimiter('a.tsv.gz', 'pid,syscall\n')).toBe('\t');
    expect(sniffDelimiter('a.csv', 'pid\tsyscall\n')).toBe('\t');
    expect(sniffDelimiter('a.csv', 'pid;syscall;label\n')).toBe(';');
    expect(sniffDelimiter('a.csv', 'pid,syscall\n')).toBe(',');
  });

  it('a header without rows gives a warning naming the file', () => {
    const r = read('header-only.csv');
    expect(r.traces).toEqual([]);
    expect(r.warnings[0]).toContain(fixture('csv', 'header-only.csv'));
  });

  describe('malformed input', () => {
    it('missing syscall column', () =>
      expectInputError(() => read('bad-missing-syscall.csv'), {
        file: fixture('csv', 'bad-missing-syscall.csv'),
        line: 1,
        text: 'pid,call',
        expected: 'a "syscall" column',
      }));

    it('missing trace column', () =>
      expectInputError(() => read('bad-missing-trace.csv'), {
        file: fixture('csv', 'bad-missing-trace.csv'),
        line: 1,
        expected: '"trace_id", "trace" or "pid"',
      }));

    it('non-numeric pid', () =>
      expectInputError(() => read('bad-pid.csv'), {
        file: fixture('csv', 'bad-pid.csv'),
        line: 3,
        text: 'x1',
        expected: 'a decimal integer pid',
      }));

    it('bad syscall field', () =>
      expectInputError(() => read('bad-syscall.csv'), {
        file: fixture('csv', 'bad-syscall.csv'),
        line: 3,
        text: 'wr-ite',
        expected: 'a syscall number (decimal) or name',
      }));

    it('unknown label', () =>
      expectInputError(() => read('bad-label.csv'), {
        file: fixture('csv', 'bad-label.csv'),
        line: 3,
        text: 'weird',
        expected: '"normal" or "attack"',
      }));

    it('label changing within a trace', () =>
      expectInputError(() => read('bad-label-change.csv'), {
        file: fixture('csv', 'bad-label-change.csv'),
        line: 3,
        text: 'attack',
        expected: '"normal" as on its first row',
      }));

    it('numbers without a table', () =>
      expectInputError(() => read('numbers-no-table.csv'), {
        file: fixture('csv', 'numbers-no-table.csv'),
        line: 2,
        text: '59',
        expected: 'a table for the numbers',
      }));

    it('an unknown syscall name where a table is required (mixed file)', () =>
      expectInputError(() => read('mixed-unknown-name.csv', linuxX86_64), {
        file: fixture('csv', 'mixed-unknown-name.csv'),
        line: 3,
        text: 'frobnicate',
        expected: 'a syscall name of table linux-x86_64',
      }));

    it('a row with more fields than the header', () =>
      expectInputError(() => read('bad-field-count.csv'), {
        file: fixture('csv', 'bad-field-count.csv'),
        line: 2,
        expected: 'rows of 2 ","-separated fields',
      }));
  });
});
