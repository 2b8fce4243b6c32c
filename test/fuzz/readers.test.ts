// Fuzzes every trace reader (UNM, ADFA-LD, strace, CSV) through parseTraceBytes with the gzip layer in
// front (decodeBytes), strict and --lenient: mutated real fixtures, random lines and random bytes, plain
// or gzipped (sometimes cut or with trailing bytes). Each input must give a located InputError or a
// valid result; strict UNM and ADFA results are checked against an independent line/token oracle, so
// a garbled line that is silently kept or dropped counts as garbage.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

// 10,000 inputs per surface (npm run fuzz) take minutes on a loaded machine; the per-case bound is CASE_MS.
vi.setConfig({ testTimeout: 1_800_000 });
import { Alphabet } from '../../src/traces/alphabet.js';
import { decodeBytes, isGzip } from '../../src/traces/readers/common.js';
import { parseTraceBytes, type TraceFormat } from '../../src/traces/readers/index.js';
import { linuxI386 } from '../../src/traces/syscalls/linux-i386.js';
import { fuzz, mutated, regressions, runsFor, sample, type Verdict } from './harness.js';

const FIX = join(import.meta.dirname, '..', 'fixtures', 'traces');
const META = { dataset: 'fuzz', source: 'fuzz', label: 'normal' as const, program: 'p', family: null, intrusion: null };
const MAX_INT = 2147483647;

function seeds(dir: string): Buffer[] {
  return readdirSync(join(FIX, dir))
    .filter((n) => !n.endsWith('.gz') && !n.startsWith('calls.txt'))
    .map((n) => readFileSync(join(FIX, dir, n)).subarray(0, 4096));
}

const TOKENS = [
  '\n', '\r\n', ' ', '\t', '\0', '\xff', '-1', '0', '2147483647', '2147483648', '4294967296', '99999999999999999999',
  '1e9', '0x6', 'Infinity', 'NaN', ',', ';', '"', '""', '(', ')', ' = 0', ' = ?', ' = -1 ENOENT (x)', '<unfinished ...>',
  '<... read resumed>', '[pid 12] ', '[pid 99999999999999999999] ', '[ 59] ', '--- SIGCHLD ---', '+++ exited with 0 +++',
  'read(', 'strace: Process 1 attached', 'trace_id,syscall,label\n', 'pid,syscall\n', 'attack', 'normal', '\u00e9',
];

/** Lines of a format, mostly valid, some garbled. */
function lines(format: TraceFormat): fc.Arbitrary<Buffer> {
  const n = fc.oneof(fc.nat({ max: 400 }), fc.constantFrom(0, MAX_INT, MAX_INT + 1, 4294967296, 1e21));
  const valid =
    format === 'unm'
      ? fc.tuple(n, n).map(([p, s]) => `${p} ${s}`)
      : format === 'adfa'
        ? fc.array(n, { maxLength: 20 }).map((a) => a.join(' '))
        : format === 'strace'
          ? fc.tuple(n, fc.constantFrom('read', 'write', 'execve', 'openat', 'clone'), fc.integer({ min: -1, max: 9 })).map(([p, c, r]) => `${p}  ${c}(3, "x", 1) = ${r}`)
          : fc.tuple(n, fc.constantFrom('read', 'write', '5', '59')).map(([p, c]) => `${p},${c}`);
  const head = format === 'csv' ? 'pid,syscall' : '';
  return fc
    .array(fc.oneof({ weight: 5, arbitrary: valid }, { weight: 1, arbitrary: fc.string({ maxLength: 30 }) }, { weight: 1, arbitrary: fc.constantFrom(...TOKENS) }), { maxLength: 30 })
    .map((ls) => Buffer.from((head ? head + '\n' : '') + ls.join('\n') + '\n', 'utf8'));
}

/** Plain, gzipped, gzipped then cut, or gzipped with trailing bytes. */
function wrapped(inner: fc.Arbitrary<Buffer>): fc.Arbitrary<Buffer> {
  return fc.tuple(inner, fc.nat({ max: 9 }), fc.nat(), fc.uint8Array({ maxLength: 8 })).map(([b, w, cut, extra]) => {
    if (w < 6) return b;
    const g = gzipSync(b);
    if (w === 6) return g;
    if (w === 7) return g.subarray(0, cut % (g.length + 1));
    if (w === 8) return Buffer.concat([g, Buffer.from(extra.length > 0 ? extra : [0])]);
    return Buffer.concat([g, gzipSync(b)]); // multi-member: valid
  });
}

function input(format: TraceFormat): fc.Arbitrary<{ bytes: Buffer; lenient: boolean }> {
  const inner = fc.oneof({ weight: 4, arbitrary: mutated(seeds(format), TOKENS) }, { weight: 3, arbitrary: lines(format) }, { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)) });
  return fc.record({ bytes: wrapped(inner), lenient: fc.boolean() });
}

/** Independent oracle for strict UNM: the calls of every valid line, in order; null when a line is bad. */
function unmOracle(text: string): number | null {
  let n = 0;
  for (const raw of text.split('\n')) {
    if (/^[ \t\r]*$/.test(raw)) continue;
    const m = /^[ \t\r]*(\d+)[ \t]+(\d+)[ \t\r]*$/.exec(raw);
    if (m === null || Number(m[1]) > MAX_INT || Number(m[2]) > MAX_INT) return null;
    n++;
  }
  return n;
}

function adfaOracle(text: string): number | null {
  const toks = text.split(/[ \t\r\n]+/).filter((t) => t !== '');
  for (const t of toks) if (!/^\d+$/.test(t) || Number(t) > MAX_INT) return null;
  return toks.length;
}

function check(format: TraceFormat, x: { bytes: Buffer; lenient: boolean }): Verdict {
  const warnings: string[] = [];
  const buf = decodeBytes(x.bytes, '/fuzz/input', { lenient: x.lenient, warnings });
  const r = parseTraceBytes(format, '/fuzz/input', buf, META, { lenient: x.lenient, table: format === 'csv' ? linuxI386 : undefined });
  let calls = 0;
  for (const t of r.traces) {
    if (!(t.calls instanceof Int32Array)) return 'calls is not an Int32Array';
    for (const c of t.calls) if (c < 0) return `negative raw syscall ${c}`;
    if (t.pid !== null && !(Number.isInteger(t.pid) && t.pid >= 0 && t.pid <= MAX_INT)) return `pid out of range: ${t.pid}`;
    if (format === 'strace' || format === 'csv') for (const c of t.calls) if (t.table.name(c) === undefined) return 'unnamed call';
    calls += t.calls.length;
  }
  if (!x.lenient && warnings.length > 0) return 'strict decode produced lenient warnings';
  if (!x.lenient && isGzip(x.bytes)) {
    // Independent check that strict decoding consumed every byte (no padding or garbage silently dropped).
    const consumed = (gunzipSync(x.bytes, { info: true }) as unknown as { engine: { bytesWritten: number } }).engine.bytesWritten;
    if (consumed !== x.bytes.length) return `strict decode ignored ${x.bytes.length - consumed} trailing bytes`;
  }
  // Encoding is bounded by the data (a raw number like 2^31 - 1 must not size an array).
  const alphabet = new Alphabet();
  for (const t of r.traces) alphabet.encode(t);
  if (!x.lenient && (format === 'unm' || format === 'adfa')) {
    const text = buf.toString('latin1');
    const want = format === 'unm' ? unmOracle(text) : adfaOracle(text);
    if (want === null) return 'strict reader accepted a line the oracle refuses';
    if (want !== calls) return `strict reader kept ${calls} calls, oracle ${want}`;
  }
  if (x.lenient && (r.skipped ?? 0) > 0 && !r.warnings.some((w) => w.includes('--lenient'))) return 'skipped lines not reported';
  return null;
}

const RUNS = runsFor(1500);

describe('fuzz: trace readers', () => {
  const formats: TraceFormat[] = ['unm', 'adfa', 'strace', 'csv'];
  formats.forEach((format, i) => {
    it(`${format}: located error or valid result, never a crash, hang or garbage`, async () => {
      const st = await fuzz(`reader-${format}`, sample(input(format), RUNS, 10 + i), (x) => check(format, x));
      expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
      // The inputs reach both outcomes (the fuzzer is not stuck on one path).
      expect(st.valid).toBeGreaterThan(0);
      expect(st.located).toBeGreaterThan(0);
    });
  });

  it('regression inputs', async () => {
    for (const format of formats) {
      const reg = regressions(`reader-${format}`);
      const st = await fuzz(`reader-${format}-regressions`, reg, (r) => check(format, { bytes: r.bytes, lenient: r.name.includes('lenient') }));
      expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
    }
  });
});
