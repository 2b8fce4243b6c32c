// Tests the UNM reader: pid grouping in order of first appearance, separators and trailing blanks,
// gzip, calls.txt discovery, empty files, and every malformed-input error.

import { describe, expect, it } from 'vitest';
import { readTraceFile } from '../../src/traces/readers/index.js';
import { parseUnm, unmRawTable } from '../../src/traces/readers/unm.js';
import { loadCallsTable, linuxI386 } from '../../src/traces/syscalls/index.js';
import { expectInputError, fixture, meta } from './helpers.js';

const EXPECTED = 'two decimal integers "pid syscall"';
const read = (name: string) => readTraceFile('unm', fixture('unm', name), meta(`unm/${name}`));
const calls = (t: { calls: Int32Array }) => Array.from(t.calls);

describe('UNM reader', () => {
  it('splits interleaved pids into traces in order of first appearance', () => {
    const r = read('interleaved.int');
    expect(r.warnings).toEqual([]);
    expect(r.traces.map((t) => t.pid)).toEqual([10, 20]);
    expect(calls(r.traces[0]!)).toEqual([4, 2, 3, 6]);
    expect(calls(r.traces[1]!)).toEqual([1, 0, 5]);
    for (const t of r.traces) {
      expect(t.source).toBe('unm/interleaved.int');
      expect(t.dataset).toBe('adhoc');
      expect(t.label).toBe('normal');
    }
  });

  it('uses the calls.txt* found beside the file', () => {
    const r = read('interleaved.int');
    const table = loadCallsTable(fixture('unm', 'calls.txt.test'));
    expect(r.traces[0]!.table).toBe(table);
    expect(r.traces[0]!.table.name(4)).toBe('execve');
  });

  it('prefers ReadOptions.table', () => {
    const r = readTraceFile('unm', fixture('unm', 'interleaved.int'), meta(), { table: linuxI386 });
    expect(r.traces[0]!.table).toBe(linuxI386);
  });

  it('reads sendmail-style lines with two trailing spaces', () => {
    const r = read('sendmail-style.int');
    expect(r.traces).toHaveLength(1);
    expect(r.traces[0]!.pid).toBe(812);
    expect(calls(r.traces[0]!)).toEqual([5, 3, 17]);
  });

  it('reads TAB separators and a trailing blank line (stide/normal style)', () => {
    const r = read('tab-blank-end.int');
    expect(calls(r.traces[0]!)).toEqual([5, 106, 106, 3, 1]);
  });

  it('tolerates CRLF and a missing final newline', () => {
    expect(calls(read('crlf-no-final-newline.int').traces[0]!)).toEqual([1, 2, 3, 4]);
  });

  it('gunzips .int.gz files', () => {
    expect(calls(read('single.int.gz').traces[0]!)).toEqual([2, 3, 4]);
    const big = read('big.int.gz').traces;
    expect(big).toHaveLength(1);
    expect(big[0]!.calls.length).toBe(5000);
    expect(big[0]!.calls[4999]).toBe(4999 % 7);
  });

  it('returns no traces and a warning naming the file for empty files', () => {
    for (const name of ['empty.int', 'empty.int.gz', 'blank-lines-only.int']) {
      const r = read(name);
      expect(r.traces).toEqual([]);
      expect(r.warnings).toHaveLength(1);
      expect(r.warnings[0]).toContain(fixture('unm', name));
      expect(r.warnings[0]).toMatch(/empty/);
    }
  });

  it('parses a buffer directly with the raw fallback table', () => {
    const r = parseUnm(Buffer.from('3 1\n3 2\n'), 'mem', meta(), unmRawTable);
    expect(r.traces[0]!.table.name(1)).toBe('unm#1');
  });

  describe('malformed input', () => {
    const cases: [string, number, string, string][] = [
      ['bad-nonnumeric-syscall.int', 3, '1 x', 'syscall is not a decimal integer'],
      ['bad-nonnumeric-pid.int', 2, 'abc 3', 'pid is not a decimal integer'],
      ['bad-missing-column.int', 3, '1', 'missing syscall column'],
      ['bad-extra-column.int', 2, '1 3 4', 'extra column'],
      ['binary-garbage.int', 3, '\x00\x01\xfe\xffPK\x03\x04garbage', 'pid is not a decimal integer'],
    ];
    for (const [name, line, text, message] of cases) {
      it(`${name}: InputError with file, line ${line}, text and expectation`, () => {
        const err = expectInputError(() => read(name), {
          file: fixture('unm', name),
          line,
          text,
          expected: EXPECTED,
          message,
        });
        expect(err.message).toContain(`expected ${EXPECTED}`);
      });
    }

    it('binary garbage stays a one-line, printable message', () => {
      const err = expectInputError(() => read('binary-garbage.int'), { file: fixture('unm', 'binary-garbage.int'), line: 3, expected: EXPECTED });
      expect(err.message).not.toMatch(/[\u0000-\u001f]/);
    });

    it('a truncated gzip names the file', () => {
      expectInputError(() => read('truncated.int.gz'), {
        file: fixture('unm', 'truncated.int.gz'),
        expected: 'a complete gzip stream',
        message: /truncated gzip/,
      });
    });

    it('a missing file is an InputError naming it', () => {
      expect(() => read('does-not-exist.int')).toThrow(/does-not-exist\.int: cannot read file: ENOENT/);
    });

    it('rejects numbers beyond int32', () => {
      expectInputError(() => parseUnm(Buffer.from('1 2\n1 99999999999\n'), 'mem', meta(), unmRawTable), {
        file: 'mem',
        line: 2,
        expected: EXPECTED,
        message: 'too large',
      });
    });
  });
});
