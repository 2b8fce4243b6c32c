// Owns the reader entry points: readTraceFile (load, gunzip, dispatch by format, empty-file warning) and
// its async twin readTraceFileAsync; readTraceFiles / readTraceFilesAsync, which read many files in order
// with the same results and the same first error as readTraceFile on each, but gunzip runs of small gzip
// files with one zlib call (the per-call cost of zlib is most of the time on small files), the async one
// inflating batches on the libuv thread pool while the main thread parses; and detectFormat for
// `--format auto` (file name first, then a sniff of the first bytes).

import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { constants as zc, createGunzip, gunzipSync, type Gunzip, type ZlibOptions } from 'node:zlib';
import { InputError } from '../../errors.js';
import { linuxI386 } from '../syscalls/linux-i386.js';
import { parseAdfa } from './adfa.js';
import {
  batchable,
  decodeBytes,
  decodeBytesAsync,
  emptyFileWarning,
  gunzipBatch,
  gunzipBatchSync,
  gzipSize,
  isBlank,
  isGzip,
  loadBytes,
  loadBytesAsync,
  readRaw,
} from './common.js';
import { parseCsv } from './csv.js';
import { parseStrace } from './strace.js';
import { StraceLineParser } from './strace-line.js';
import type { FileMeta, ReadOptions, ReadResult, TraceFormat } from './types.js';
import { findCallsTable, parseUnm, UnmParser, unmRawTable } from './unm.js';
import { LIDDS_DEFAULTS, parseLidds2019, parseLidds2021, readLidds2019Async, readLidds2021Async } from './lidds.js';

export type { FileMeta, ReadOptions, ReadResult, TraceFormat } from './types.js';
export { StraceLineParser, STRACE_LINE_EXPECTED } from './strace-line.js';
export type { StraceCall, StraceLineParserOptions } from './strace-line.js';
export { parseAdfa } from './adfa.js';
export { parseCsv } from './csv.js';
export { parseStrace } from './strace.js';
export { findCallsTable, parseUnm, UnmParser, unmRawTable } from './unm.js';
export { exploitTiming, LIDDS_DEFAULTS, parseLidds2019, parseLidds2021, readLidds2019Async, readLidds2021Async } from './lidds.js';
export type { ExploitMark, ExploitTiming, LiddsOptions } from './lidds.js';

export const TRACE_FORMATS: readonly TraceFormat[] = ['unm', 'adfa', 'strace', 'csv', 'lidds-2021', 'lidds-2019'];

/**
 * Reads one trace file (gzip is detected by content and gunzipped for every format). An empty file
 * gives no traces and a warning. Tables: ReadOptions.table, else UNM: the calls.txt* beside the file or
 * one folder up (else 'unm#<n>' names); ADFA-LD: linux-i386; strace -n: linux-x86_64; CSV numbers: none.
 */
export function readTraceFile(
  format: TraceFormat | 'auto',
  absPath: string,
  meta: FileMeta,
  opts: ReadOptions = {},
): ReadResult {
  return parseTraceBytes(format, absPath, loadBytes(absPath), meta, opts);
}

/** readTraceFile reading with async fs and gunzipping with zlib.gunzip (libuv thread pool); same result. */
export async function readTraceFileAsync(
  format: TraceFormat | 'auto',
  absPath: string,
  meta: FileMeta,
  opts: ReadOptions = {},
): Promise<ReadResult> {
  return parseTraceBytes(format, absPath, await loadBytesAsync(absPath), meta, opts);
}

/** What readTraceFile does once the file's bytes are loaded (and gunzipped). */
export function parseTraceBytes(
  format: TraceFormat | 'auto',
  absPath: string,
  buf: Buffer,
  meta: FileMeta,
  opts: ReadOptions = {},
): ReadResult {
  if (isBlank(buf)) return { traces: [], warnings: [emptyFileWarning(absPath)] };
  const f = format === 'auto' ? detectFormat(absPath, buf.subarray(0, 65536)) : format;
  switch (f) {
    case 'unm':
      return parseUnm(buf, absPath, meta, opts.table ?? findCallsTable(absPath) ?? unmRawTable);
    case 'adfa':
      return parseAdfa(buf, absPath, meta, opts.table ?? linuxI386);
    case 'strace':
      return parseStrace(buf.toString('utf8'), absPath, meta, opts.table);
    case 'csv':
      return parseCsv(buf.toString('utf8'), absPath, meta, opts.table);
    case 'lidds-2021':
      return parseLidds2021(buf, absPath, meta, opts.lidds ?? LIDDS_DEFAULTS);
    case 'lidds-2019':
      return parseLidds2019(buf, absPath, meta, opts.lidds ?? LIDDS_DEFAULTS);
    default:
      throw new InputError(`unknown trace format ${JSON.stringify(f)}`, { expected: TRACE_FORMATS.join(', ') });
  }
}

// ---------------------------------------------------------------------------------------------------
// Many files

/** One file for readTraceFiles / readTraceFilesAsync. */
export interface TraceFileJob {
  absPath: string;
  meta: FileMeta;
}

export interface ReadManyOptions extends ReadOptions {
  /**
   * readTraceFilesAsync only: how many files may be read ahead of the one being parsed (their gzip
   * batches inflate on the libuv thread pool meanwhile). Default 256; 1 reads one batch at a time.
   */
  readAhead?: number;
}

/** Gzip files up to this many bytes uncompressed (by ISIZE) join batches; larger ones inflate alone. */
const BATCH_FILE_MAX = 1 << 20;
/** A batch closes once its files reach this many bytes uncompressed, or this many files. */
const BATCH_BYTES = 1 << 20;
const BATCH_FILES = 128;
const DEFAULT_READ_AHEAD = 256;

/** A file read ahead: its stored bytes, or the read error to throw when its turn comes. */
interface Slot {
  raw: Buffer | null;
  error: unknown;
}

/** Consecutive files: either batchable gzip files inflated together (grouped) or one other file. */
interface Batch {
  from: number;
  slots: Slot[];
  grouped: boolean;
}

/** Reads files in job order (sync fs: one small read costs less than an async round trip) into batches. */
class BatchPlanner {
  private next = 0;
  private peeked: Slot | null = null;

  constructor(private readonly jobs: readonly TraceFileJob[]) {}

  get done(): boolean {
    return this.peeked === null && this.next >= this.jobs.length;
  }

  private read(): Slot {
    if (this.peeked !== null) {
      const s = this.peeked;
      this.peeked = null;
      return s;
    }
    const job = this.jobs[this.next++]!;
    try {
      return { raw: readRaw(job.absPath), error: undefined };
    } catch (e) {
      return { raw: null, error: e };
    }
  }

  /** The next batch (call only when !done). */
  take(): Batch {
    const from = this.next - (this.peeked !== null ? 1 : 0);
    const first = this.read();
    if (first.raw === null || !batchable(first.raw, BATCH_FILE_MAX)) return { from, slots: [first], grouped: false };
    const slots = [first];
    let bytes = gzipSize(first.raw);
    while (bytes < BATCH_BYTES && slots.length < BATCH_FILES && !this.done) {
      const s = this.read();
      if (s.raw === null || !batchable(s.raw, BATCH_FILE_MAX)) {
        this.peeked = s;
        break;
      }
      slots.push(s);
      bytes += gzipSize(s.raw);
    }
    return { from, slots, grouped: true };
  }
}

/**
 * Parses the files of a batch in order; `outs` are their gunzipped bytes (null: decode each file on its
 * own, which also raises its own error at its turn).
 */
function parseBatch(
  format: TraceFormat | 'auto',
  jobs: readonly TraceFileJob[],
  batch: Batch,
  outs: readonly Buffer[] | null,
  opts: ReadOptions,
  each: (r: ReadResult, index: number) => void,
): void {
  for (let j = 0; j < batch.slots.length; j++) {
    const slot = batch.slots[j]!;
    const job = jobs[batch.from + j]!;
    if (slot.raw === null) throw slot.error;
    const buf = outs !== null ? outs[j]! : decodeBytes(slot.raw, job.absPath);
    each(parseTraceBytes(format, job.absPath, buf, job.meta, opts), batch.from + j);
  }
}

/**
 * Reads the files in order and hands each result to `each` in order: the same results, warnings and
 * first error as readTraceFile on each file in turn (a later file's read or gzip error is only raised
 * once every earlier file has been parsed). Small gzip files are gunzipped in batches.
 */
export function readTraceFiles(
  format: TraceFormat | 'auto',
  jobs: readonly TraceFileJob[],
  opts: ReadOptions,
  each: (r: ReadResult, index: number) => void,
): void {
  const planner = new BatchPlanner(jobs);
  while (!planner.done) {
    const batch = planner.take();
    const outs = batch.grouped ? gunzipBatchSync(batch.slots.map((s) => s.raw!)) : null;
    parseBatch(format, jobs, batch, outs, opts, each);
  }
}

/**
 * readTraceFiles with inflating on the libuv thread pool: up to `readAhead` files are read and their
 * batches inflate while the main thread parses earlier ones; a large UNM gzip file is inflated in chunks
 * that the main thread parses as they come (UnmParser). Same results, order and first error.
 */
export async function readTraceFilesAsync(
  format: TraceFormat | 'auto',
  jobs: readonly TraceFileJob[],
  opts: ReadManyOptions,
  each: (r: ReadResult, index: number) => void,
): Promise<void> {
  if (format === 'lidds-2021' || format === 'lidds-2019') {
    // LID-DS recordings are streamed one at a time (a zip's .sc member or a 2019 text file).
    const read = format === 'lidds-2021' ? readLidds2021Async : readLidds2019Async;
    for (let i = 0; i < jobs.length; i++) each(await read(jobs[i]!.absPath, jobs[i]!.meta, opts.lidds ?? LIDDS_DEFAULTS), i);
    return;
  }
  const readAhead = Math.max(1, opts.readAhead ?? DEFAULT_READ_AHEAD);
  const planner = new BatchPlanner(jobs);
  const queue: Inflating[] = [];
  let queued = 0;
  const refill = (): void => {
    while (!planner.done && (queue.length === 0 || queued < readAhead)) {
      const batch = planner.take();
      queue.push(inflate(format, batch));
      queued += batch.slots.length;
    }
  };
  try {
    for (;;) {
      refill();
      const head = queue.shift();
      if (head === undefined) break;
      queued -= head.batch.slots.length;
      if (head.stream !== null) {
        const job = jobs[head.batch.from]!;
        const r = await parseStream(head.stream, gzipSize(head.batch.slots[0]!.raw!), job, opts);
        refill();
        // On any problem (gzip or parse), the file is read again the plain way, for its exact error.
        each(r ?? parseTraceBytes(format, job.absPath, decodeBytes(head.batch.slots[0]!.raw!, job.absPath), job.meta, opts), head.batch.from);
        continue;
      }
      const outs = await head.outs;
      refill();
      parseBatch(format, jobs, head.batch, outs, opts, each);
    }
  } finally {
    for (const q of queue) q.stream?.destroy();
  }
}

/** A batch being inflated: its outputs to come (null: decode at its turn), or a chunk stream. */
interface Inflating {
  batch: Batch;
  outs: Promise<Buffer[] | null>;
  stream: Gunzip | null;
}

/** UNM gzip files of at least this many bytes uncompressed are inflated and parsed in chunks. */
const STREAM_MIN = 8 << 20;
/** Chunk size of those (under glibc's default mmap threshold, so chunk memory is recycled). */
const STREAM_CHUNK = 64 << 10;
/** Chunks inflated ahead of the parser. */
const STREAM_AHEAD = 16;

/** Starts inflating a batch on the thread pool. */
function inflate(format: TraceFormat | 'auto', batch: Batch): Inflating {
  if (batch.grouped) return { batch, outs: gunzipBatch(batch.slots.map((s) => s.raw!)), stream: null };
  const raw = batch.slots[0]!.raw;
  if (raw === null || !isGzip(raw)) return { batch, outs: Promise.resolve(raw === null ? null : [raw]), stream: null };
  if (format === 'unm' && gzipSize(raw) >= STREAM_MIN) {
    const stream = createGunzip({ chunkSize: STREAM_CHUNK, highWaterMark: STREAM_CHUNK * STREAM_AHEAD } as ZlibOptions);
    stream.on('error', () => {}); // reported through the iteration below
    stream.end(raw);
    return { batch, outs: Promise.resolve(null), stream };
  }
  // A failure resolves to null: the file is then decoded at its turn, which raises its error in order.
  const outs = decodeBytesAsync(raw, '').then(
    (b) => [b],
    () => null,
  );
  return { batch, outs, stream: null };
}

/** Parses a UNM file from its inflating chunks; null on any error (gzip, calls table or parse). */
async function parseStream(stream: Gunzip, size: number, job: TraceFileJob, opts: ReadOptions): Promise<ReadResult | null> {
  try {
    const parser = new UnmParser(job.absPath, job.meta, opts.table ?? findCallsTable(job.absPath) ?? unmRawTable, size);
    for await (const chunk of stream) parser.push(chunk as Buffer);
    return parser.end();
  } catch {
    stream.destroy();
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------
// Format detection

const FORMAT_EXPECTED =
  'UNM "pid syscall" lines, ADFA-LD syscall numbers, strace output, or CSV/TSV with a header (or pass --format)';

/**
 * Guesses the format of a file from its name and first bytes (gzip allowed, may be cut anywhere).
 * Names: *.int[.gz] -> unm, *.zip -> lidds-2021, runs.csv -> lidds-2019, *.csv/*.tsv -> csv, *.strace -> strace. Content: two integers per line ->
 * unm; three or more integers on the first line -> adfa; strace lines -> strace; a header with a
 * "syscall" column -> csv. A blank file is reported as 'unm' (every reader turns it into a warning).
 */
export function detectFormat(absPath: string, firstBytes: Buffer): TraceFormat {
  const name = basename(absPath).toLowerCase().replace(/\.gz$/, '');
  if (name.endsWith('.int')) return 'unm';
  if (name.endsWith('.zip')) return 'lidds-2021';
  if (name === 'runs.csv') return 'lidds-2019';
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  if (name.endsWith('.strace')) return 'strace';

  let head: Buffer = firstBytes;
  if (isGzip(head)) {
    try {
      head = gunzipSync(head, { finishFlush: zc.Z_SYNC_FLUSH });
    } catch (e) {
      throw new InputError(`corrupt gzip data (${(e as Error).message})`, { file: absPath, expected: 'a gzip stream' });
    }
  }
  const text = head.subarray(0, 65536).toString('latin1');
  const lines = text.split('\n');
  if (lines.length > 1 && !text.endsWith('\n')) lines.pop(); // the last line may be cut
  const nonBlank = lines.map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
  const first = nonBlank[0];
  if (first === undefined) return 'unm';

  if (/^[\d \t]+$/.test(first)) {
    const fields = first.trim().split(/[ \t]+/).length;
    if (fields === 2 && nonBlank.slice(0, 20).every((l) => /^\s*\d+[ \t]+\d+\s*$/.test(l))) return 'unm';
    if (fields >= 3 && nonBlank.every((l) => /^[\d \t]*$/.test(l))) return 'adfa';
  }
  if (/syscall/i.test(first) && /[,\t;|]/.test(first)) return 'csv';
  const parser = new StraceLineParser({ file: absPath });
  try {
    for (const l of nonBlank.slice(0, 10)) parser.parseLine(l);
    return 'strace';
  } catch {
    // not strace
  }
  throw new InputError('cannot detect the trace format', { file: absPath, line: 1, text: first, expected: FORMAT_EXPECTED });
}

/** Reads up to 64 KiB of a file and detects its format. */
export function detectFileFormat(absPath: string): TraceFormat {
  let fd: number;
  try {
    fd = openSync(absPath, 'r');
  } catch (e) {
    throw new InputError(`cannot read file: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { file: absPath });
  }
  try {
    const buf = Buffer.alloc(65536);
    const n = readSync(fd, buf, 0, buf.length, 0);
    return detectFormat(absPath, buf.subarray(0, n));
  } finally {
    closeSync(fd);
  }
}
