// Tests strace parsing: the reusable StraceLineParser (pid columns, timestamps, -n, -i, non-call lines,
// streaming push/end, strict and lenient modes) and the strace file reader on real captures made with
// /usr/bin/strace (-f, -f -n -ttt, -tt without pid, -f -t with a SIGKILL) and synthetic edge cases.

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readTraceFile } from '../../src/traces/readers/index.js';
import { StraceLineParser, STRACE_LINE_EXPECTED } from '../../src/traces/readers/strace-line.js';
import { linuxI386, linuxX86_64, namesTable } from '../../src/traces/syscalls/index.js';
import { expectInputError, fixture, meta } from './helpers.js';

const read = (name: string, table?: typeof linuxI386) =>
  readTraceFile('strace', fixture('strace', name), meta(`strace/${name}`), { table });
const names = (t: { calls: Int32Array; table: { name(n: number): string } }) => Array.from(t.calls, (c) => t.table.name(c));

describe('StraceLineParser.parseLine', () => {
  const p = new StraceLineParser();
  const cases: [string, { pid: number | null; name: string; ts: number | null; nr: number | null }][] = [
    ['openat(AT_FDCWD, "/etc/ld.so.cache", O_RDONLY|O_CLOEXEC) = 3', { pid: null, name: 'openat', ts: null, nr: null }],
    ['1234  openat(AT_FDCWD, "x", O_RDONLY) = 3', { pid: 1234, name: 'openat', ts: null, nr: null }],
    ['10283 read(3, "", 4096) = 0', { pid: 10283, name: 'read', ts: null, nr: null }],
    ['[pid  4201] execve("/bin/true", ["true"], 0x55) = 0', { pid: 4201, name: 'execve', ts: null, nr: null }],
    ['12:34:56 brk(NULL) = 0x55', { pid: null, name: 'brk', ts: 45296, nr: null }],
    ['12:34:56.250000 brk(NULL) = 0x55', { pid: null, name: 'brk', ts: 45296.25, nr: null }],
    ['1700000000.123456 brk(NULL) = 0x55', { pid: null, name: 'brk', ts: 1700000000.123456, nr: null }],
    ['1234  1700000000.5 [ 257] openat(AT_FDCWD, "x", O_RDONLY) = 3', { pid: 1234, name: 'openat', ts: 1700000000.5, nr: 257 }],
    ['[  59] execve("/bin/sh", ["sh"], 0x7ffd) = 0', { pid: null, name: 'execve', ts: null, nr: 59 }],
    ['     0.000123 close(3) = 0', { pid: null, name: 'close', ts: 0.000123, nr: null }],
    ['[00007f12345678a0] [  12] brk(NULL) = 0x55', { pid: null, name: 'brk', ts: null, nr: 12 }],
    ['4100  read(0,  <unfinished ...>', { pid: 4100, name: 'read', ts: null, nr: null }],
    ['4100  exit_group(0)                     = ?', { pid: 4100, name: 'exit_group', ts: null, nr: null }],
    ['4100  syscall_0x1c9(0x1, 0x2) = -1 ENOSYS (Function not implemented)', { pid: 4100, name: 'syscall_0x1c9', ts: null, nr: null }],
    ['vfork(strace: Process 4201 attached', { pid: null, name: 'vfork', ts: null, nr: null }],
    ['4100  execve("/bin/true") = 0\r', { pid: 4100, name: 'execve', ts: null, nr: null }],
  ];
  for (const [line, want] of cases) {
    it(`call: ${line.slice(0, 50)}`, () => expect(p.parseLine(line)).toEqual(want));
  }

  const nonCalls = [
    '',
    '   ',
    'strace: Process 123 attached',
    'strace: Process 123 detached',
    'strace: [ Process PID=123 runs in 32 bit mode. ]',
    '4100  <... read resumed>"abc", 832) = 832',
    '10300 09:02:38 <... rt_sigaction resumed> <unfinished ...>) = ?',
    '10283 1795770158.216813 [ 130] <... rt_sigsuspend resumed>) = ? ERESTARTNOHAND',
    '4100  --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=4101} ---',
    '--- SIGSEGV {si_signo=SIGSEGV, si_code=SEGV_MAPERR, si_addr=NULL} ---',
    '4100  +++ exited with 0 +++',
    '4102  +++ killed by SIGKILL +++',
    '10285 1795770158.227809 [ 231] +++ exited with 0 +++',
    '[pid  4201] +++ exited with 0 +++',
    '+++ superseded by execve in pid 4202 +++',
    ' <unfinished ...>',
  ];
  for (const line of nonCalls) {
    it(`not a call: ${JSON.stringify(line.slice(0, 50))}`, () => expect(p.parseLine(line)).toBeNull());
  }

  const garbage = ['this is not strace output', '1234  ', '1234  12:3x:56 read(0) = 1', '[pid abc] read(0) = 1', '1234  read = 5', '\u0000\u0001 binary'];
  for (const line of garbage) {
    it(`rejects: ${JSON.stringify(line)}`, () => {
      const q = new StraceLineParser({ file: 'live', firstLine: 7 });
      let err: unknown;
      try {
        q.parseLine(line);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).line).toBe(7);
      expect((err as InputError).file).toBe('live');
      expect((err as InputError).expected).toBe(STRACE_LINE_EXPECTED);
      expect((err as InputError).message).toMatch(/^live:7: not a strace line/);
    });
  }

  it('counts unrecognised lines instead of throwing when not strict', () => {
    const q = new StraceLineParser({ strict: false });
    expect(q.parseLine('garbage here')).toBeNull();
    expect(q.parseLine('1 read(0) = 1')).toEqual({ pid: 1, name: 'read', ts: null, nr: null });
    expect(q.skipped).toBe(1);
    expect(q.line).toBe(2);
  });

  it('streams: push() keeps a partial line until its newline, end() flushes the last one', () => {
    const q = new StraceLineParser({ file: 'stream' });
    expect(q.push('12 execve("/bin/true") = 0\n12 br')).toEqual([{ pid: 12, name: 'execve', ts: null, nr: null }]);
    expect(q.push('k(NULL) = 0x1\n12 read(0,  <unfinished ...>\n12 <... read resumed>"", 1) = 0\n12 exit_group(0) = ?')).toEqual([
      { pid: 12, name: 'brk', ts: null, nr: null },
      { pid: 12, name: 'read', ts: null, nr: null },
    ]);
    expect(q.end()).toEqual([{ pid: 12, name: 'exit_group', ts: null, nr: null }]);
    expect(q.end()).toEqual([]);
    expect(q.line).toBe(5);
  });
});

describe('strace file reader (real captures)', () => {
  it('-f: one trace per pid in order of first appearance; unfinished calls count once', () => {
    const r = read('real-f.strace');
    expect(r.warnings).toEqual([]);
    expect(r.traces.map((t) => [t.pid, t.calls.length])).toEqual([
      [10272, 63],
      [10273, 35],
      [10275, 31],
    ]);
    const main = r.traces[0]!;
    expect(main.table).toBe(namesTable);
    expect(names(main)[0]).toBe('execve');
    expect(names(main).at(-1)).toBe('exit_group');
    // "10272 vfork( <unfinished ...>" then "10272 <... vfork resumed>) = 10275": one vfork.
    expect(names(main).filter((n) => n === 'vfork')).toHaveLength(1);
    expect(names(r.traces[2]!)).toContain('execve');
  });

  it('-f -n -ttt: numbers are x86_64 numbers when they agree with the printed names', () => {
    const r = read('real-f-n-ttt.strace');
    expect(r.warnings).toEqual([]);
    expect(r.traces.map((t) => [t.pid, t.calls.length])).toEqual([
      [10283, 57],
      [10285, 35],
    ]);
    const t = r.traces[0]!;
    expect(t.table).toBe(linuxX86_64);
    expect(t.calls[0]).toBe(59);
    expect(names(t)[0]).toBe('execve');
    expect(names(t).at(-1)).toBe('exit_group');
  });

  it('-tt without -f: one trace with pid null', () => {
    const r = read('real-tt-nopid.strace');
    expect(r.traces).toHaveLength(1);
    expect(r.traces[0]!.pid).toBeNull();
    expect(r.traces[0]!.calls.length).toBe(30);
    expect(names(r.traces[0]!).at(-1)).toBe('exit_group');
  });

  it('-f -t with a process killed by SIGKILL', () => {
    const r = read('real-f-t-killed.strace');
    expect(r.traces.map((t) => [t.pid, t.calls.length])).toEqual([
      [10297, 58],
      [10300, 2],
    ]);
    expect(names(r.traces[0]!)).toContain('kill');
  });
});

describe('strace file reader (synthetic edge cases)', () => {
  it('skips attach messages, resumed lines, signals and exits; exit_group = ? is a call', () => {
    const r = read('synthetic-f.strace');
    expect(r.traces.map((t) => [t.pid, names(t)])).toEqual([
      [4100, ['execve', 'brk', 'clone', 'wait4', 'rt_sigreturn', 'kill', 'exit_group']],
      [4101, ['set_robust_list', 'execve', 'exit_group']],
      [4102, ['read']],
    ]);
  });

  it('stderr-style output: "[pid N]" lines and unprefixed main-process lines', () => {
    const r = read('synthetic-stderr-pid.strace');
    expect(r.traces.map((t) => [t.pid, names(t)])).toEqual([
      [null, ['execve', 'vfork', 'exit_group']],
      [4201, ['execve', 'exit_group']],
    ]);
  });

  it('-t, -tt, -ttt and -r timestamps', () => {
    expect(names(read('synthetic-t-tt-ttt.strace').traces[0]!)).toEqual(['execve', 'brk', 'openat', 'close']);
  });

  it('-i instruction pointers with and without -n', () => {
    const r = read('synthetic-ip.strace');
    expect(r.traces[0]!.table).toBe(namesTable); // only one of the two calls has -n
    expect(names(r.traces[0]!)).toEqual(['execve', 'brk']);
  });

  it('-n numbers that disagree with x86_64 fall back to the printed names with a warning', () => {
    const r = read('synthetic-n-i386.strace');
    expect(r.traces[0]!.table).toBe(namesTable);
    expect(names(r.traces[0]!)).toEqual(['open', 'read', 'close', 'exit_group']);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain(fixture('strace', 'synthetic-n-i386.strace'));
    expect(r.warnings[0]).toContain('linux-x86_64');
  });

  it('-n numbers are kept with a matching ReadOptions.table (i386 capture)', () => {
    const r = read('synthetic-n-i386.strace', linuxI386);
    expect(r.warnings).toEqual([]);
    expect(r.traces[0]!.table).toBe(linuxI386);
    expect(Array.from(r.traces[0]!.calls)).toEqual([5, 3, 6, 252]);
  });

  it('an empty file gives a warning, no traces', () => {
    const r = read('empty.strace');
    expect(r.traces).toEqual([]);
    expect(r.warnings[0]).toContain(fixture('strace', 'empty.strace'));
  });

  it('a line that is not strace output is an InputError with file and line', () => {
    expectInputError(() => read('bad-line.strace'), {
      file: fixture('strace', 'bad-line.strace'),
      line: 3,
      text: 'this is not strace output',
      expected: 'a strace line',
    });
  });

  it('binary garbage is an InputError with file and line', () => {
    const err = expectInputError(() => read('binary-garbage.strace'), {
      file: fixture('strace', 'binary-garbage.strace'),
      line: 2,
      expected: 'a strace line',
    });
    expect(err.message).not.toMatch(/[\u0000-\u001f]/);
  });
});
