// Tests the syscall tables: Linux i386 / x86_64 spot values and header cross-check, UNM calls.txt
// loading (content ids, duplicates, firstNumber), the names table, tableByName and sunosToLinux.

import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  LINUX_I386_NAMES,
  LINUX_X86_64_NAMES,
  NamesTable,
  linuxI386,
  linuxX86_64,
  loadCallsTable,
  namesTable,
  parseCallsTable,
  sunosToLinux,
  tableByName,
} from '../../src/traces/syscalls/index.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import { fixture } from './helpers.js';

const DATA = process.env.STIDEBENCH_DATA;

describe('linux-i386 table', () => {
  it('names the numbers ADFA-LD uses', () => {
    const want: Record<number, string> = {
      0: 'restart_syscall', 1: 'exit', 2: 'fork', 3: 'read', 4: 'write', 5: 'open', 6: 'close', 11: 'execve',
      45: 'brk', 54: 'ioctl', 102: 'socketcall', 120: 'clone', 140: '_llseek', 142: '_newselect', 190: 'vfork',
      192: 'mmap2', 195: 'stat64', 197: 'fstat64', 221: 'fcntl64', 240: 'futex', 243: 'set_thread_area',
      252: 'exit_group', 258: 'set_tid_address', 295: 'openat', 324: 'fallocate', 340: 'prlimit64',
      359: 'socket', 383: 'statx', 435: 'clone3',
    };
    for (const [n, name] of Object.entries(want)) expect(linuxI386.name(Number(n))).toBe(name);
    expect(linuxI386.id).toBe('linux-i386');
  });

  it('falls back to <id>#<n> for unused and unknown numbers', () => {
    expect(linuxI386.name(222)).toBe('linux-i386#222');
    expect(linuxI386.name(251)).toBe('linux-i386#251');
    expect(linuxI386.name(9999)).toBe('linux-i386#9999');
    expect(linuxI386.numberOf('execve')).toBe(11);
  });

  it('has no duplicate names', () => {
    const names = LINUX_I386_NAMES.filter((n): n is string => n !== null);
    expect(new Set(names).size).toBe(names.length);
  });
});

describe('linux-x86_64 table', () => {
  it('names the numbers strace -n prints on x86_64', () => {
    const want: Record<number, string> = {
      0: 'read', 1: 'write', 2: 'open', 3: 'close', 9: 'mmap', 12: 'brk', 56: 'clone', 57: 'fork', 58: 'vfork',
      59: 'execve', 60: 'exit', 61: 'wait4', 202: 'futex', 217: 'getdents64', 231: 'exit_group', 257: 'openat',
      262: 'newfstatat', 302: 'prlimit64', 318: 'getrandom', 332: 'statx', 334: 'rseq', 435: 'clone3', 437: 'openat2',
    };
    for (const [n, name] of Object.entries(want)) expect(linuxX86_64.name(Number(n))).toBe(name);
    expect(linuxX86_64.name(400)).toBe('linux-x86_64#400');
  });

  it('has no duplicate names', () => {
    const names = LINUX_X86_64_NAMES.filter((n): n is string => n !== null);
    expect(new Set(names).size).toBe(names.length);
  });

  it('agrees with every "[nr] name(" pair of a real strace -n capture', () => {
    const text = readFileSync(fixture('strace', 'real-f-n-ttt.strace'), 'utf8');
    let checked = 0;
    for (const m of text.matchAll(/\[\s*(\d+)\] ([a-z_0-9]+)\(/g)) {
      expect(linuxX86_64.name(Number(m[1]))).toBe(m[2]);
      checked++;
    }
    expect(checked).toBeGreaterThan(50);
  });
});

const HEADERS = '/usr/include/x86_64-linux-gnu/asm';
describe.skipIf(!existsSync(join(HEADERS, 'unistd_32.h')))('tables vs the installed kernel headers', () => {
  const cases = [
    ['unistd_32.h', LINUX_I386_NAMES],
    ['unistd_64.h', LINUX_X86_64_NAMES],
  ] as const;
  for (const [file, names] of cases) {
    it(`matches every __NR_ in ${file}`, () => {
      const text = readFileSync(join(HEADERS, file), 'utf8');
      let n = 0;
      for (const m of text.matchAll(/^#define __NR_(\w+)\s+(\d+)\s*$/gm)) {
        expect(names[Number(m[2])], `${file} ${m[1]}`).toBe(m[1]);
        n++;
      }
      expect(n).toBeGreaterThan(300);
    });
  }
});

describe('UNM calls.txt tables', () => {
  it('maps line i to number i and gives repeated names a #line suffix', () => {
    const t = loadCallsTable(fixture('unm', 'calls.txt.test'));
    expect(t.name(0)).toBe('read');
    expect(t.name(4)).toBe('execve');
    expect(t.name(5)).toBe('stat');
    expect(t.name(6)).toBe('stat#6');
    expect(t.name(7)).toBe(`${t.id}#7`);
    expect(t.id).toMatch(/^unm:sha256-[0-9a-f]{12}$/);
  });

  it('gives equal content the same id and object, whatever the file name or line endings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stidebench-calls-'));
    const a = loadCallsTable(fixture('unm', 'calls.txt.test'));
    copyFileSync(fixture('unm', 'calls.txt.test'), join(dir, 'other-name.txt'));
    writeFileSync(join(dir, 'crlf.calls.txt'), readFileSync(fixture('unm', 'calls.txt.test'), 'utf8').replace(/\n/g, '\r\n'));
    expect(loadCallsTable(join(dir, 'other-name.txt')).id).toBe(a.id);
    expect(loadCallsTable(join(dir, 'crlf.calls.txt'))).toBe(a);
    expect(parseCallsTable('read\nwrite\n', 'x').id).not.toBe(a.id);
  });

  it('supports a first number other than 0 with a distinct id', () => {
    const t0 = parseCallsTable('exit\nfork\nread\n', 'mem');
    const t1 = parseCallsTable('exit\nfork\nread\n', 'mem', { firstNumber: 1 });
    expect(t1.id).toBe(`${t0.id}+1`);
    expect(t1.name(1)).toBe('exit');
    expect(t1.name(0)).toBe(`${t1.id}#0`);
    expect(t0.name(0)).toBe('exit');
  });

  it('rejects a bad line with file, line and expectation', () => {
    let err: unknown;
    try {
      parseCallsTable('read\nwr ite\n', 'tbl.txt');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/^tbl\.txt:2: .*found "wr ite".*expected one syscall name per line/);
  });

  it('reports a missing file as an InputError', () => {
    expect(() => loadCallsTable('/nonexistent/calls.txt.sun')).toThrow(InputError);
  });

  it.skipIf(!DATA || !existsSync(join(DATA ?? '', 'UNM')))('gives the shipped UNM files readable ids', () => {
    const unm = join(DATA!, 'UNM');
    expect(loadCallsTable(join(unm, 'lpr_mit', 'calls.txt.sun')).id).toBe('unm:calls.txt.sun');
    expect(loadCallsTable(join(unm, 'lpr_unm', 'calls.txt.sun')).id).toBe('unm:calls.txt.sun');
    expect(loadCallsTable(join(DATA!, 'UNM-synthetic-sendmail', 'calls.txt.sun')).id).toBe('unm:calls.txt.sun');
    const linux42 = loadCallsTable(join(unm, 'named', 'calls.txt.linux42'));
    expect(linux42.id).toBe('unm:calls.txt.linux42');
    expect(linux42.name(11)).toBe('execve');
    expect(loadCallsTable(join(unm, 'xlock', 'new.calls.txt.linux')).id).toBe('unm:new.calls.txt.linux');
    const sun = loadCallsTable(join(unm, 'lpr_mit', 'calls.txt.sun'));
    expect(sun.name(0)).toBe('exit');
    expect(sun.name(17)).toBe('stat');
    expect(sun.name(37)).toBe('stat#37');
  });
});

describe('sunosToLinux', () => {
  it('maps only SunOS names to names that exist on Linux i386, and differ', () => {
    for (const [from, to] of Object.entries(sunosToLinux)) {
      expect(from).not.toBe(to);
      expect(linuxI386.numberOf(to), to).toBeDefined();
    }
    expect(sunosToLinux['sbreak']).toBe('brk');
    expect(Object.isFrozen(sunosToLinux)).toBe(true);
  });

  it.skipIf(!DATA || !existsSync(join(DATA ?? '', 'UNM')))('uses only names present in calls.txt.sun', () => {
    const names = new Set(readFileSync(join(DATA!, 'UNM', 'lpr_mit', 'calls.txt.sun'), 'utf8').split('\n'));
    for (const from of Object.keys(sunosToLinux)) expect(names.has(from), from).toBe(true);
  });
});

describe('names table and tableByName', () => {
  it('interns names to stable numbers', () => {
    const t = new NamesTable('names:test');
    expect(t.intern('openat')).toBe(0);
    expect(t.intern('read')).toBe(1);
    expect(t.intern('openat')).toBe(0);
    expect(t.name(1)).toBe('read');
    expect(t.name(5)).toBe('names:test#5');
    expect(t.size).toBe(2);
  });

  it('looks up the built-in tables', () => {
    expect(tableByName('linux-i386')).toBe(linuxI386);
    expect(tableByName('linux-x86_64')).toBe(linuxX86_64);
    expect(tableByName('names')).toBe(namesTable);
    expect(tableByName('nope')).toBeUndefined();
  });

  it('encodes traces from different tables into one alphabet by canonical name', () => {
    const a = new Alphabet();
    const i386 = a.encodeCalls(linuxI386, Int32Array.from([11, 5, 252]));
    const x64 = a.encodeCalls(linuxX86_64, Int32Array.from([59, 2, 231]));
    const byName = a.encodeCalls(namesTable, Int32Array.from(['execve', 'open', 'exit_group'].map((n) => namesTable.intern(n))));
    expect(Array.from(x64)).toEqual(Array.from(i386));
    expect(Array.from(byName)).toEqual(Array.from(i386));
  });
});
