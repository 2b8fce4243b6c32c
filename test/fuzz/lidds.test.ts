// Fuzzes the LID-DS readers like the others: 2021 recording zips (mutated .sc and .json members of the
// embedded sample recordings, random lines, and byte-mutated zips) through parseLidds2021, and 2019
// scenarios (mutated runs.csv and recording files written beside it) through parseLidds2019, with every
// direction and window choice. Each input must give a located InputError or a valid result; strict
// results are checked against an independent line oracle (events counted per direction, pids and
// thread ids in range, the exploit call inside its trace), so a garbled line kept or dropped is garbage.

import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it, vi } from 'vitest';

vi.setConfig({ testTimeout: 1_800_000 });
import { parseLidds2019, parseLidds2021, type LiddsOptions } from '../../src/traces/readers/index.js';
import { readZipMemberSync } from '../../src/traces/readers/lidds-zip.js';
import type { ReadResult } from '../../src/traces/readers/types.js';
import { zipBytes } from '../datasets/archives.js';
import { fuzz, mutated, regressions, runsFor, sample, type Verdict } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const MAX_INT = 2147483647;
const META = { dataset: 'fuzz', source: 'rec.zip', label: 'normal' as const, program: 'p', family: null, intrusion: null };
const RUNS = runsFor(600);

/** The first lines of a text (small seeds). */
function head(b: Buffer, n: number): Buffer {
  return Buffer.from(b.toString('latin1').split('\n').slice(0, n).join('\n') + '\n', 'latin1');
}

const DIR21 = join(ROOT, 'datasets', 'lidds-sample-2021', 'data', 'CWE-78_pingd');
const ZIPS = ['training/normal_train_1.zip', 'test/normal_and_attack/exploit_test_1.zip'].map((p) => join(DIR21, p));
const SC_SEEDS: Buffer[] = [];
const JSON_SEEDS: Buffer[] = [];
for (const z of ZIPS) {
  const buf = readFileSync(z);
  const name = z.split('/').pop()!.replace(/\.zip$/, '');
  SC_SEEDS.push(head(readZipMemberSync(buf, z, `${name}.sc`)!, 60));
  JSON_SEEDS.push(readZipMemberSync(buf, z, `${name}.json`)!);
}
const DIR19 = join(ROOT, 'datasets', 'lidds-sample-2019', 'data', 'CWE-78_pingd');
const CSV_SEED = readFileSync(join(DIR19, 'runs.csv'));
const TXT_SEEDS = readdirSync(DIR19)
  .filter((n) => n.endsWith('.txt'))
  .sort()
  .slice(0, 2)
  .map((n) => head(readFileSync(join(DIR19, n)), 60));

const TOKENS = [
  '\n', '\r\n', ' ', '  ', '\t', '\0', '\xff', '-1', '0', '2147483647', '2147483648', '4294967296', '99999999999999999999', '1e9', '0x6',
  '>', '<', ' > ', ' < ', 'switch', 'execve', 'read', '23:59:59.999999999', '00:00:00.000000000', '25:61:61.1', 'True', 'False', 'yes', ',',
  '"', "'", '{', '}', 'null', '"exploit": true', '"absolute": 1e999', '"time": {"exploit": [{"absolute": 1}]}', '\u00e9',
];
const OPTS: fc.Arbitrary<LiddsOptions> = fc.record({
  direction: fc.constantFrom('enter' as const, 'exit' as const, 'both' as const),
  windows: fc.constantFrom('thread' as const, 'process' as const, 'recording' as const),
});

/** Random .sc lines: "timestamp_ns uid pid process_name tid syscall dir params...", mostly valid. */
const scLines: fc.Arbitrary<Buffer> = fc
  .array(
    fc.oneof(
      {
        weight: 5,
        arbitrary: fc
          .tuple(fc.nat(), fc.nat({ max: 3 }), fc.oneof(fc.nat({ max: 500 }), fc.constantFrom(MAX_INT, MAX_INT + 1)), fc.nat({ max: 500 }), fc.constantFrom('read', 'write', 'execve', 'x'), fc.constantFrom('>', '<'))
          .map(([t, u, p, tid, n, d]) => `${1631000000000000000 + t} ${u} ${p} proc ${tid} ${n} ${d} fd=3`),
      },
      { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      { weight: 1, arbitrary: fc.constantFrom(...TOKENS) },
    ),
    { maxLength: 30 },
  )
  .map((ls) => Buffer.from(ls.join('\n') + '\n', 'utf8'));

interface Input21 {
  sc: Buffer;
  json: Buffer;
  opts: LiddsOptions;
  /** Byte edits of the whole zip after building it (0 = none). */
  zipEdit: Buffer | null;
}

const input21: fc.Arbitrary<Input21> = fc.record({
  sc: fc.oneof({ weight: 3, arbitrary: mutated(SC_SEEDS, TOKENS) }, { weight: 2, arbitrary: fc.constantFrom(...SC_SEEDS) }, { weight: 2, arbitrary: scLines }),
  json: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...JSON_SEEDS) }, { weight: 1, arbitrary: mutated(JSON_SEEDS, TOKENS) }, { weight: 1, arbitrary: fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v))) }),
  opts: OPTS,
  zipEdit: fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 8 }).map((a) => Buffer.from(a)) }),
});

/** Oracle for a strict 2021 .sc: events counted by direction, or null when a line must be refused. */
function oracle21(text: string, direction: LiddsOptions['direction']): number | null {
  let n = 0;
  for (const raw of text.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') continue;
    const f = line.split(' ');
    if (f.length < 7) return null;
    const [ts, , pid, , tid, name, dir] = f as [string, string, string, string, string, string, string];
    if (!/^\d+$/.test(ts) || !/^\d+$/.test(pid) || !/^\d+$/.test(tid) || name === '' || (dir !== '>' && dir !== '<')) return null;
    if (Number(pid) > MAX_INT || Number(tid) > MAX_INT) return null;
    if (direction === 'both' || (direction === 'enter') === (dir === '>')) n++;
  }
  return n;
}

/** Checks shared by both years: calls, pids, exploit marks. */
function checkResult(r: ReadResult): Verdict {
  for (const t of r.traces) {
    if (!(t.calls instanceof Int32Array)) return 'calls is not an Int32Array';
    for (const c of t.calls) if (c < 0 || t.table.name(c) === undefined) return `bad call ${c}`;
    if (t.pid !== null && !(Number.isInteger(t.pid) && t.pid >= 0 && t.pid <= MAX_INT)) return `pid out of range: ${t.pid}`;
    const ex = t.exploit;
    if (ex !== null && ex !== undefined) {
      if (t.label !== 'attack') return 'exploit mark on a normal trace';
      if (!(Number.isInteger(ex.call) && ex.call >= 0 && ex.call <= t.calls.length)) return `exploit call ${ex.call} outside a trace of ${t.calls.length}`;
      if (!Number.isFinite(ex.time)) return `exploit time ${ex.time}`;
    }
  }
  return null;
}

function calls(r: ReadResult): number {
  let n = 0;
  for (const t of r.traces) n += t.calls.length;
  return n;
}

function check21(x: Input21): Verdict {
  let zip = zipBytes([
    { path: 'rec.json', body: x.json },
    { path: 'rec.sc', body: x.sc },
  ]);
  if (x.zipEdit !== null) {
    zip = Buffer.from(zip);
    for (let i = 0; i < x.zipEdit.length; i++) zip[(x.zipEdit[i]! * 7919 + i * 104729) % zip.length] = x.zipEdit[(i + 1) % x.zipEdit.length]!;
  }
  const r = parseLidds2021(zip, '/fuzz/rec.zip', META, x.opts);
  const bad = checkResult(r);
  if (bad !== null) return bad;
  if (x.zipEdit === null) {
    const want = oracle21(x.sc.toString('latin1'), x.opts.direction);
    if (want === null) return 'strict reader accepted a line the oracle refuses';
    if (want !== calls(r)) return `reader kept ${calls(r)} calls, oracle ${want}`;
  }
  return null;
}

interface Input19 {
  csv: Buffer;
  txts: Buffer[];
  opts: LiddsOptions;
}

const input19: fc.Arbitrary<Input19> = fc.record({
  csv: fc.oneof({ weight: 3, arbitrary: fc.constant(CSV_SEED) }, { weight: 2, arbitrary: mutated([CSV_SEED], TOKENS) }),
  txts: fc.array(fc.oneof({ weight: 2, arbitrary: fc.constantFrom(...TXT_SEEDS) }, { weight: 3, arbitrary: mutated(TXT_SEEDS, TOKENS) }), { minLength: 1, maxLength: 3 }),
  opts: OPTS,
});

const work = mkdtempSync(join(tmpdir(), 'stidebench-fuzz-lidds-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n19 = 0;

function check19(x: Input19): Verdict {
  const dir = join(work, `s${n19++}`);
  mkdirSync(dir);
  try {
    writeFileSync(join(dir, 'runs.csv'), x.csv);
    // Every recording runs.csv can name in the seed, filled round-robin from the generated texts.
    const names = [...new Set(CSV_SEED.toString('utf8').split('\n').slice(1).map((l) => l.split(',')[1]?.trim()).filter((s): s is string => !!s))];
    names.forEach((name, i) => writeFileSync(join(dir, `${name}.txt`), x.txts[i % x.txts.length]!));
    const r = parseLidds2019(x.csv, join(dir, 'runs.csv'), { ...META, source: 'runs.csv' }, x.opts);
    return checkResult(r);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('fuzz: LID-DS readers', () => {
  it('lidds-2021: located error or valid result, never a crash, hang or garbage', async () => {
    const reg = regressions('reader-lidds-2021').map((r) => JSON.parse(r.bytes.toString('utf8')) as { sc: string; json: string; opts: LiddsOptions })
      .map((j): Input21 => ({ sc: Buffer.from(j.sc, 'latin1'), json: Buffer.from(j.json, 'latin1'), opts: j.opts, zipEdit: null }));
    const st = await fuzz('reader-lidds-2021', [...sample(input21, RUNS, 40), ...reg], check21, (x) =>
      Buffer.from(JSON.stringify({ sc: x.sc.toString('latin1'), json: x.json.toString('latin1'), opts: x.opts, zipEdit: x.zipEdit?.toString('hex') ?? null })),
    );
    expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
    expect(st.valid).toBeGreaterThan(0);
    expect(st.located).toBeGreaterThan(0);
  });

  it('lidds-2019: located error or valid result, never a crash, hang or garbage', async () => {
    const st = await fuzz('reader-lidds-2019', sample(input19, RUNS, 41), check19, (x) =>
      Buffer.from(JSON.stringify({ csv: x.csv.toString('latin1'), txts: x.txts.map((t) => t.toString('latin1')), opts: x.opts })),
    );
    expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
    expect(st.valid).toBeGreaterThan(0);
    expect(st.located).toBeGreaterThan(0);
  });
});
