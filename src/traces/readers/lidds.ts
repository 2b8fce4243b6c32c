// Owns the LID-DS readers (Leipzig Intrusion Detection Data Set), matching LID-DS's own data loaders
// (dataloader/recording_2021.py, syscall_2021.py, recording_2019.py, syscall_2019.py, data_loader_2019.py):
//
// - 2021: one zip per recording, `<name>.sc` (lines "timestamp_ns uid pid process_name tid syscall dir
//   params...") and `<name>.json` (exploit flag; `time.exploit[0].absolute` in seconds; LID-DS turns single
//   quotes into double quotes before parsing it, and so do we). The .sc member is streamed, never extracted.
// - 2019: a scenario folder with `runs.csv` (image_name, scenario_name, is_executing_exploit, warmup_time,
//   recording_time, exploit_start_time; header skipped, blanks after commas ignored) and one text file per
//   recording, `<scenario_name>.txt`, lines "event_no HH:MM:SS.nnnnnnnnn cpu uid process_name tid dir syscall
//   params...". `switch` events are never calls. The reader's unit is runs.csv: it yields the recordings in
//   runs.csv order (LID-DS splits 2019 by that order: first 200 normal recordings train, next 50 validate).
//
// Which events count: `direction` 'enter' (`>` only, the default of LID-DS's dataloader_factory), 'exit'
// (`<`) or 'both'. Windows: 'thread' gives one trace per thread id (LID-DS's thread_aware n-grams),
// 'process' one per pid (2021 only; 2019 has no pid column), 'recording' one per recording (n-grams across
// threads, thread_aware=False). Traces keep the file's event order.
//
// Exploit time (what LID-DS's PerformanceMeasurement compares each call's time with): 2021:
// time.exploit[0].absolute, calls with ns * 1e-9 >= it are "after" (the same double arithmetic as Python).
// 2019: LID-DS computes it as the first counted event's time of day, truncated to the second, plus
// warmup_time - 2 seconds, and compares whole seconds; so do we (time of day, rolled over at midnight).
// A recording's label comes from its own metadata (exploit flag), not from the folder: attack iff exploit.
// Each trace of an exploit recording carries `exploit: { time, call }` (call = index of its first call at
// or after the exploit time); the per-call times and recording positions of those traces are kept in a
// side table (exploitTiming) for time-to-detect, never in the trace metadata.

import { createReadStream, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { InputError } from '../../errors.js';
import { namesTable } from '../syscalls/names.js';
import type { RawTrace, TraceMeta } from '../trace.js';
import { IntBuilder, makeRawTrace } from './common.js';
import { openZip, readZipMemberSync, zipMemberNamesSync } from './lidds-zip.js';
import type { FileMeta, ReadResult } from './types.js';

export type LiddsDirection = 'enter' | 'exit' | 'both';
export type LiddsWindows = 'thread' | 'process' | 'recording';

export interface LiddsOptions {
  direction: LiddsDirection;
  windows: LiddsWindows;
}

export const LIDDS_DEFAULTS: LiddsOptions = { direction: 'enter', windows: 'thread' };

/** Where an exploit recording's trace crosses the exploit time. */
export interface ExploitMark {
  /** The exploit time as LID-DS compares it: unix seconds (2021) or whole seconds of the day (2019). */
  time: number;
  /** Index of the trace's first call at or after the exploit time (= length when none is). */
  call: number;
}

/** Per-call times (seconds, same clock as ExploitMark.time) and positions among the recording's counted events. */
export interface ExploitTiming {
  times: Float64Array;
  seq: Int32Array;
}

const timing = new Map<string, ExploitTiming>();

function timingKey(m: Pick<TraceMeta, 'dataset' | 'source' | 'pid'>): string {
  return `${m.dataset}\u0000${m.source}\u0000${m.pid ?? ''}`;
}

/** The per-call timing of a trace of an exploit recording read in this process; undefined otherwise. */
export function exploitTiming(m: Pick<TraceMeta, 'dataset' | 'source' | 'pid'>): ExploitTiming | undefined {
  return timing.get(timingKey(m));
}

class FloatBuilder {
  buf = new Float64Array(256);
  len = 0;
  push(v: number): void {
    if (this.len === this.buf.length) {
      const n = new Float64Array(this.buf.length * 2);
      n.set(this.buf);
      this.buf = n;
    }
    this.buf[this.len++] = v;
  }
  toArray(): Float64Array {
    return this.buf.slice(0, this.len);
  }
}

interface Group {
  key: number | null;
  calls: IntBuilder;
  times: FloatBuilder;
  seq: IntBuilder;
}

const EXPECTED_2021 = 'a LID-DS 2021 line "timestamp_ns uid pid process_name tid syscall >|< params..."';
const EXPECTED_2019 = 'a LID-DS 2019 line "event_no HH:MM:SS.nnnnnnnnn cpu uid process_name tid >|< syscall params..."';

const MAX_ID = 2147483647;

function isUint(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

const TIME_2019 = /^(\d{2}):(\d{2}):(\d{2})\.(\d{1,9})$/;

/**
 * Parses the event lines of one recording (2021 .sc or 2019 .txt), pushed in chunks of any size, into
 * per-window-unit groups of syscall ids, times and recording positions.
 */
export class LiddsRecordingParser {
  line = 0;
  private rest = '';
  private readonly groups: Group[] = [];
  private readonly index = new Map<number | null, Group>();
  private counted = 0;
  /** 2019: seconds-of-day of the previous event and the midnight rollovers seen. */
  private lastSod = -1;
  private days = 0;
  /** Time of the first counted event (2019 exploit time). */
  firstTime: number | null = null;

  constructor(
    readonly file: string,
    readonly year: 2019 | 2021,
    readonly opts: LiddsOptions,
  ) {
    if (year === 2019 && opts.windows === 'process') {
      throw new InputError('LID-DS 2019 recordings have no pid column, so windows "process" is not possible', { file, expected: 'windows "thread" or "recording"' });
    }
  }

  push(chunk: Buffer | string): void {
    const text = this.rest + (typeof chunk === 'string' ? chunk : chunk.toString('latin1'));
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      this.parseLine(text.slice(start, nl));
      start = nl + 1;
    }
    this.rest = text.slice(start);
  }

  /** Finishes the last line; returns the groups in order of first appearance. */
  end(): Group[] {
    if (this.rest !== '') this.parseLine(this.rest);
    this.rest = '';
    return this.groups;
  }

  private fail(text: string, why: string): never {
    throw new InputError(why, { file: this.file, line: this.line, text, expected: this.year === 2021 ? EXPECTED_2021 : EXPECTED_2019 });
  }

  private parseLine(raw: string): void {
    this.line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.length === 0 || text.trim() === '') return;
    // Only the leading fields matter; params (which can be long) are never split.
    const f = text.split(' ', this.year === 2021 ? 7 : 8);
    let name: string;
    let dir: string;
    let tid: string;
    let pid: string | null;
    let time: number;
    if (this.year === 2021) {
      if (f.length < 7) this.fail(text, `${f.length} fields`);
      [, , pid, , tid, name, dir] = f as [string, string, string, string, string, string, string];
      if (!isUint(f[0]!)) this.fail(text, 'timestamp is not a number of nanoseconds');
      if (!isUint(pid)) this.fail(text, 'pid is not a number');
      time = Number(f[0]) * 1e-9;
    } else {
      if (f.length < 8) this.fail(text, `${f.length} fields`);
      [, , , , , tid, dir, name] = f as [string, string, string, string, string, string, string, string];
      pid = null;
      const m = TIME_2019.exec(f[1]!);
      if (m === null) this.fail(text, 'time is not HH:MM:SS.nnnnnnnnn');
      let sod = Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]) + Number(m[4]) / 10 ** m[4]!.length;
      // A recording that runs past midnight: the time of day falls back by more than 12 hours.
      if (this.lastSod >= 0 && sod + 43200 < this.lastSod) this.days++;
      this.lastSod = sod;
      sod += this.days * 86400;
      time = sod;
      if (name === 'switch') return;
    }
    if (!isUint(tid)) this.fail(text, 'thread id is not a number');
    // Linux pids and thread ids fit in 31 bits; a bigger one is a garbled line, not a trace key.
    if (tid.length > 10 || Number(tid) > MAX_ID) this.fail(text, 'thread id out of range');
    if (pid !== null && (pid.length > 10 || Number(pid) > MAX_ID)) this.fail(text, 'pid out of range');
    if (dir !== '>' && dir !== '<') this.fail(text, `direction ${JSON.stringify(dir)} is neither ">" nor "<"`);
    if (name === '') this.fail(text, 'empty syscall name');
    const d = this.opts.direction;
    if ((d === 'enter' && dir !== '>') || (d === 'exit' && dir !== '<')) return;
    const key = this.opts.windows === 'thread' ? Number(tid) : this.opts.windows === 'process' ? Number(pid) : null;
    let g = this.index.get(key);
    if (g === undefined) {
      g = { key, calls: new IntBuilder(), times: new FloatBuilder(), seq: new IntBuilder() };
      this.index.set(key, g);
      this.groups.push(g);
    }
    g.calls.push(namesTable.intern(name));
    g.times.push(time);
    g.seq.push(this.counted++);
    if (this.firstTime === null) this.firstTime = time;
  }
}

/** Metadata of one recording: whether it holds an exploit, and when (see the file comment). */
interface RecordingInfo {
  exploit: boolean;
  /** 2021: absolute seconds; 2019: computed from warmup time once the first event is known. */
  exploitTime: number | null;
  warmup?: number;
}

/** Turns a parsed recording into traces (label, intrusion and exploit marks from its metadata). */
function finish(parser: LiddsRecordingParser, info: RecordingInfo, meta: FileMeta): ReadResult {
  const groups = parser.end();
  const warnings: string[] = [];
  if (groups.length === 0) return { traces: [], warnings: [`${parser.file}: no ${parser.opts.direction === 'both' ? '' : parser.opts.direction + ' '}events, no traces read`] };
  let exploitTime = info.exploitTime;
  if (info.exploit && parser.year === 2019) exploitTime = Math.floor(parser.firstTime!) + info.warmup! - 2;
  const label = info.exploit ? 'attack' : 'normal';
  const fileMeta: FileMeta = { ...meta, label, family: info.exploit ? meta.family : null, intrusion: info.exploit ? meta.source : null };
  const traces: RawTrace[] = [];
  let late = 0;
  for (const g of groups) {
    const t = makeRawTrace(fileMeta, g.key, g.calls.toArray(), namesTable);
    if (info.exploit && exploitTime !== null) {
      const times = g.times.toArray();
      const after = parser.year === 2021 ? (x: number) => x >= exploitTime! : (x: number) => Math.floor(x) >= exploitTime!;
      let call = times.length;
      for (let i = 0; i < times.length; i++) {
        if (after(times[i]!)) {
          call = i;
          break;
        }
      }
      for (let i = call; i < times.length; i++) if (!after(times[i]!)) late++;
      t.exploit = { time: exploitTime, call } satisfies ExploitMark;
      timing.set(timingKey(t), { times, seq: g.seq.toArray() });
    } else t.exploit = null;
    traces.push(t);
  }
  if (late > 0) warnings.push(`${parser.file}: ${late} events stamped before the exploit time come after the first event at or after it; they count as after`);
  return { traces, warnings };
}

// ---------------------------------------------------------------------------------------------------
// 2021

function recordingName(absPath: string): string {
  const base = posix.basename(absPath.split('\\').join('/'));
  return base.replace(/\.zip$/i, '');
}

/** Parses a recording's .json (LID-DS replaces ' by " first); returns its exploit flag and time. */
export function parseRecordingJson(text: string, file: string): RecordingInfo {
  let json: unknown;
  try {
    json = JSON.parse(text.split("'").join('"'));
  } catch (e) {
    // V8's message quotes the text around the error, newlines included: keep the error on one line.
    const why = (e as Error).message.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').slice(0, 200);
    throw new InputError(`recording metadata is not JSON: ${why}`, { file, expected: 'the LID-DS 2021 <name>.json' });
  }
  const o = json as { exploit?: unknown; time?: { exploit?: unknown } };
  if (typeof o !== 'object' || o === null || typeof o.exploit !== 'boolean') {
    throw new InputError('recording metadata has no boolean "exploit" field', { file, expected: 'the LID-DS 2021 <name>.json' });
  }
  if (!o.exploit) return { exploit: false, exploitTime: null };
  const list = o.time?.exploit;
  const first = Array.isArray(list) ? (list[0] as { absolute?: unknown } | undefined) : undefined;
  if (first === undefined || typeof first.absolute !== 'number' || !Number.isFinite(first.absolute)) {
    throw new InputError('exploit recording has no time.exploit[0].absolute (seconds)', { file, expected: 'the LID-DS 2021 <name>.json with the exploit time' });
  }
  return { exploit: true, exploitTime: first.absolute };
}

function missingMember(absPath: string, member: string, names: readonly string[]): InputError {
  return new InputError(`zip has no member ${member}`, {
    file: absPath,
    text: names.slice(0, 4).join(' '),
    expected: 'a LID-DS 2021 recording zip holding <name>.sc and <name>.json (name = the zip file name)',
  });
}

/** Reads one LID-DS 2021 recording zip held in memory (the synchronous readers). */
export function parseLidds2021(buf: Buffer, absPath: string, meta: FileMeta, opts: LiddsOptions = LIDDS_DEFAULTS): ReadResult {
  const name = recordingName(absPath);
  const json = readZipMemberSync(buf, absPath, `${name}.json`);
  const sc = readZipMemberSync(buf, absPath, `${name}.sc`);
  if (json === null) throw missingMember(absPath, `${name}.json`, zipMemberNamesSync(buf, absPath));
  if (sc === null) throw missingMember(absPath, `${name}.sc`, zipMemberNamesSync(buf, absPath));
  const info = parseRecordingJson(json.toString('utf8'), `${absPath}:${name}.json`);
  const parser = new LiddsRecordingParser(`${absPath}:${name}.sc`, 2021, opts);
  parser.push(sc);
  return finish(parser, info, meta);
}

/** Reads one LID-DS 2021 recording zip, streaming its .sc member through the parser. */
export async function readLidds2021Async(absPath: string, meta: FileMeta, opts: LiddsOptions = LIDDS_DEFAULTS): Promise<ReadResult> {
  const name = recordingName(absPath);
  const zip = await openZip(absPath);
  try {
    for (const m of [`${name}.json`, `${name}.sc`]) if (!zip.names.includes(m)) throw missingMember(absPath, m, zip.names);
    const info = parseRecordingJson((await zip.read(`${name}.json`)).toString('utf8'), `${absPath}:${name}.json`);
    const parser = new LiddsRecordingParser(`${absPath}:${name}.sc`, 2021, opts);
    await zip.stream(`${name}.sc`, (c) => parser.push(c));
    return finish(parser, info, meta);
  } finally {
    zip.close();
  }
}

// ---------------------------------------------------------------------------------------------------
// 2019

interface RunRow {
  name: string;
  info: RecordingInfo;
  line: number;
}

const RUNS_EXPECTED = 'runs.csv rows "image_name, scenario_name, is_executing_exploit, warmup_time, recording_time, exploit_start_time"';

/** The rows of a LID-DS 2019 runs.csv (header skipped), in file order. */
export function parseRunsCsv(text: string, file: string): RunRow[] {
  let rows: string[][];
  try {
    rows = parseCsvSync(text, { relax_column_count: true, skip_empty_lines: true, ltrim: true, rtrim: true }) as string[][];
  } catch (e) {
    throw new InputError(`not valid CSV: ${(e as Error).message}`, { file, expected: RUNS_EXPECTED });
  }
  const out: RunRow[] = [];
  rows.slice(1).forEach((r, i) => {
    const line = i + 2;
    if (r.length < 5) throw new InputError(`${r.length} columns`, { file, line, text: r.join(','), expected: RUNS_EXPECTED });
    const name = r[1]!;
    if (name === '' || name.includes('/') || name.includes('\\')) throw new InputError('scenario_name is not a plain recording name', { file, line, text: name, expected: RUNS_EXPECTED });
    const flag = r[2]!.toLowerCase();
    const exploit = flag === 'true' || flag === '1' || flag === 'yes';
    if (!exploit && !['false', '0', 'no'].includes(flag)) throw new InputError('is_executing_exploit is not a boolean', { file, line, text: r[2], expected: 'True/False (or 1/0, yes/no)' });
    for (const [col, v] of [['warmup_time', r[3]!], ['recording_time', r[4]!]] as const) {
      if (!/^-?\d+$/.test(v)) throw new InputError(`${col} is not an integer number of seconds`, { file, line, text: v, expected: RUNS_EXPECTED });
    }
    out.push({ name, line, info: { exploit, exploitTime: null, warmup: Number(r[3]) } });
  });
  return out;
}

function recordingMeta(meta: FileMeta, row: RunRow): FileMeta {
  const dir = posix.dirname(meta.source);
  return { ...meta, source: dir === '.' ? `${row.name}.txt` : `${dir}/${row.name}.txt` };
}

function readRecordingError(file: string, e: unknown): InputError {
  return new InputError(`cannot read a recording named in runs.csv: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file });
}

/** Reads a LID-DS 2019 scenario from its runs.csv (bytes given) and the recordings beside it. */
export function parseLidds2019(buf: Buffer, absPath: string, meta: FileMeta, opts: LiddsOptions = LIDDS_DEFAULTS): ReadResult {
  const out: ReadResult = { traces: [], warnings: [] };
  for (const row of parseRunsCsv(buf.toString('utf8'), absPath)) {
    const file = join(dirname(absPath), `${row.name}.txt`);
    let text: Buffer;
    try {
      text = readFileSync(file);
    } catch (e) {
      throw readRecordingError(file, e);
    }
    const parser = new LiddsRecordingParser(file, 2019, opts);
    parser.push(text);
    const r = finish(parser, row.info, recordingMeta(meta, row));
    for (const t of r.traces) out.traces.push(t);
    for (const w of r.warnings) out.warnings.push(w);
  }
  return out;
}

/** parseLidds2019 reading runs.csv and streaming each recording file. */
export async function readLidds2019Async(absPath: string, meta: FileMeta, opts: LiddsOptions = LIDDS_DEFAULTS): Promise<ReadResult> {
  let csv: Buffer;
  try {
    csv = readFileSync(absPath);
  } catch (e) {
    throw new InputError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: absPath });
  }
  const out: ReadResult = { traces: [], warnings: [] };
  for (const row of parseRunsCsv(csv.toString('utf8'), absPath)) {
    const file = join(dirname(absPath), `${row.name}.txt`);
    const parser = new LiddsRecordingParser(file, 2019, opts);
    try {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) parser.push(chunk as Buffer);
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw readRecordingError(file, e);
    }
    const r = finish(parser, row.info, recordingMeta(meta, row));
    for (const t of r.traces) out.traces.push(t);
    for (const w of r.warnings) out.warnings.push(w);
  }
  return out;
}
