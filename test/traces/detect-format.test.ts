// Tests `--format auto`: detectFormat by file name and by content (plain and gzip, cut anywhere), and
// readTraceFile('auto', ...).

import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { detectFileFormat, detectFormat, readTraceFile } from '../../src/traces/readers/index.js';
import { fixture, meta } from './helpers.js';

describe('detectFormat', () => {
  it('uses the file name first', () => {
    expect(detectFormat('/x/a.int', Buffer.from(''))).toBe('unm');
    expect(detectFormat('/x/a.int.gz', Buffer.from([0x1f, 0x8b]))).toBe('unm');
    expect(detectFormat('/x/a.csv', Buffer.from('whatever'))).toBe('csv');
    expect(detectFormat('/x/a.TSV', Buffer.from('whatever'))).toBe('csv');
    expect(detectFormat('/x/a.strace', Buffer.from('whatever'))).toBe('strace');
  });

  it('sniffs content when the name says nothing', () => {
    expect(detectFormat('/x/trace', Buffer.from('812 5  \n812 3  \n'))).toBe('unm');
    expect(detectFormat('/x/trace', Buffer.from('733\t5\n733\t106\n\n'))).toBe('unm');
    expect(detectFormat('/x/one-line.txt', Buffer.from('5 3 3 4 195 6 1 252 '))).toBe('adfa');
    expect(detectFormat('/x/out.txt', Buffer.from('1234  execve("/bin/true", ["true"], 0x7ffd) = 0\n1234  brk(NULL) = 0x1\n'))).toBe('strace');
    expect(detectFormat('/x/out.txt', Buffer.from('strace: Process 1 attached\n1  read(0) = 1\n'))).toBe('strace');
    expect(detectFormat('/x/out.txt', Buffer.from('1700000000.123456 execve("/bin/true") = 0\n'))).toBe('strace');
    expect(detectFormat('/x/data.txt', Buffer.from('pid;syscall\n1;read\n'))).toBe('csv');
  });

  it('sniffs gzip content, even when cut mid-stream', () => {
    const gz = gzipSync(Buffer.from('10 4\n10 2\n'.repeat(5000)));
    expect(detectFormat('/x/trace.gz', gz.subarray(0, Math.min(gz.length, 40)))).toBe('unm');
    const adfa = gzipSync(Buffer.from('5 3 3 4 195 6 '.repeat(3000)));
    expect(detectFormat('/x/trace.gz', adfa)).toBe('adfa');
  });

  it('ignores a line cut by the end of firstBytes', () => {
    const text = Buffer.from('10 4\n10 2\n10 3');
    expect(detectFormat('/x/trace', text.subarray(0, 12))).toBe('unm'); // "10 4\n10 2\n10"
  });

  it('detects every fixture of each format', () => {
    for (const f of ['real-f.strace', 'real-tt-nopid.strace', 'synthetic-f.strace']) expect(detectFileFormat(fixture('strace', f))).toBe('strace');
    for (const f of ['interleaved.int', 'single.int.gz']) expect(detectFileFormat(fixture('unm', f))).toBe('unm');
    for (const f of ['one-line.txt', 'multiline.txt']) expect(detectFileFormat(fixture('adfa', f))).toBe('adfa');
    for (const f of ['names.csv', 'numbers.tsv']) expect(detectFileFormat(fixture('csv', f))).toBe('csv');
  });

  it('explains what it expected when nothing fits', () => {
    let err: unknown;
    try {
      detectFormat('/x/notes.txt', Buffer.from('hello world\n'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/^\/x\/notes\.txt:1: cannot detect the trace format \(found "hello world"\); expected UNM/);
  });

  it('readTraceFile("auto") detects, then reads', () => {
    const r = readTraceFile('auto', fixture('adfa', 'one-line.txt'), meta());
    expect(r.traces[0]!.table.id).toBe('linux-i386');
    const s = readTraceFile('auto', fixture('strace', 'real-f.strace'), meta());
    expect(s.traces).toHaveLength(3);
    expect(readFileSync(fixture('strace', 'real-f.strace')).length).toBeGreaterThan(0);
  });
});
