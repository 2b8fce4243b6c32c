// Owns what every reader shares: loading a file's bytes (gunzipping gzip input, turning I/O and gzip
// failures into InputError) synchronously or asynchronously (async fs, zlib on the libuv thread pool),
// gunzipping many small gzip files with one zlib call (batches), growable Int32 buffers grouped by pid in
// order of first appearance, the "empty file" warning and the RawTrace assembly.

import { gunzip, gunzipSync, type ZlibOptions } from 'node:zlib';
import { InputError } from '../../errors.js';
import { readInputFile, readInputFileAsync } from '../../input.js';
import type { RawTrace, SyscallTable } from '../trace.js';
import type { FileMeta } from './types.js';

/** True when the bytes start with the gzip magic number. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/**
 * Largest gunzipped trace file (bytes); more is refused as a likely gzip bomb. Default 2 GiB, or
 * $STIDEBENCH_MAX_TRACE_BYTES.
 */
export function maxTraceBytes(): number {
  const v = Number(process.env['STIDEBENCH_MAX_TRACE_BYTES']);
  return Number.isSafeInteger(v) && v > 0 ? Math.min(v, 2 ** 32 - 1) : 2 ** 31;
}

function gzipError(absPath: string, e: unknown): InputError {
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ERR_BUFFER_TOO_LARGE') {
    return new InputError('gzip data inflates beyond the size limit (a gzip bomb?)', {
      file: absPath,
      expected: `at most ${maxTraceBytes()} bytes uncompressed (raise STIDEBENCH_MAX_TRACE_BYTES if the file is genuine)`,
    });
  }
  return new InputError(`corrupt or truncated gzip data (${(e as Error).message})`, {
    file: absPath,
    expected: 'a complete gzip stream',
  });
}

function trailingError(absPath: string, consumed: number, total: number): InputError {
  return new InputError(`${total - consumed} byte(s) of trailing data after the gzip stream (at byte ${consumed})`, {
    file: absPath,
    expected: 'a file holding only gzip members (pass --lenient to ignore the trailing bytes)',
  });
}

/** The bytes of a file as stored (no gunzip); a non-regular file or an I/O failure is an InputError naming the file. */
export function readRaw(absPath: string): Buffer {
  return readInputFile(absPath, { what: 'file' });
}

/** readRaw with async fs. */
export async function readRawAsync(absPath: string): Promise<Buffer> {
  return readInputFileAsync(absPath, { what: 'file' });
}

/** ISIZE, the last 4 bytes of a gzip member (uncompressed size mod 2^32); -1 when too short to be gzip. */
export function gzipSize(raw: Uint8Array): number {
  if (raw.length < 18) return -1;
  const e = raw.length;
  return (raw[e - 4]! | (raw[e - 3]! << 8) | (raw[e - 2]! << 16) | (raw[e - 1]! << 24)) >>> 0;
}

/**
 * zlib options sizing the output buffer from ISIZE, so the whole file inflates into one buffer instead
 * of 16 KiB chunks that Buffer.concat then copies.
 */
function sized(expected: number, inputBytes: number): ZlibOptions {
  // ISIZE is only a claim of the file: the chunk is also bounded by what deflate can produce from the
  // input (at most ~1032:1), so a tiny file claiming 4 GiB does not allocate a huge buffer.
  const bound = Math.min(expected + 1, inputBytes * 1032 + 1024, 1 << 30);
  return { chunkSize: Math.max(64 * 1024, bound), maxOutputLength: maxTraceBytes(), info: true };
}

/** Gunzip options for one file of `raw` bytes (exported for the streaming UNM path). */
export function gunzipOptions(raw: Uint8Array): ZlibOptions {
  return sized(Math.max(0, gzipSize(raw)), raw.length);
}

/**
 * Checks that zlib consumed every input byte (Node silently ignores e.g. zero padding after the last
 * member); lenient: the trailing bytes are reported in `warnings` instead.
 */
function checkConsumed(absPath: string, consumed: number, total: number, lenient: boolean, warnings?: string[]): void {
  if (consumed === total) return;
  if (!lenient) throw trailingError(absPath, consumed, total);
  warnings?.push(`${absPath}: --lenient: ignored ${total - consumed} byte(s) of trailing data after the gzip stream`);
}

/** Decoding options: lenient mode reports trailing bytes after gzip in `warnings` instead of failing. */
export interface DecodeOptions {
  lenient?: boolean;
  warnings?: string[];
}

/**
 * Gunzips raw bytes when they are gzip (by content, whatever the file name); other bytes are returned.
 * Output beyond maxTraceBytes() and bytes after the last gzip member are errors.
 */
export function decodeBytes(raw: Buffer, absPath: string, opts: DecodeOptions = {}): Buffer {
  if (!isGzip(raw)) return raw;
  let r: InfoResult;
  try {
    r = gunzipSync(raw, gunzipOptions(raw)) as unknown as InfoResult;
  } catch (e) {
    throw gzipError(absPath, e);
  }
  checkConsumed(absPath, r.engine.bytesWritten, raw.length, opts.lenient === true, opts.warnings);
  return r.buffer;
}

/** decodeBytes with zlib.gunzip (inflates on the libuv thread pool). */
export function decodeBytesAsync(raw: Buffer, absPath: string, opts: DecodeOptions = {}): Promise<Buffer> {
  if (!isGzip(raw)) return Promise.resolve(raw);
  return new Promise((resolve, reject) => {
    gunzip(raw, gunzipOptions(raw), (e, out) => {
      if (e) return reject(gzipError(absPath, e));
      const r = out as unknown as InfoResult;
      try {
        checkConsumed(absPath, r.engine.bytesWritten, raw.length, opts.lenient === true, opts.warnings);
      } catch (e2) {
        return reject(e2);
      }
      resolve(r.buffer);
    });
  });
}

/** Reads a file, gunzipping it when it is gzip (by content, whatever its name). */
export function loadBytes(absPath: string, opts: DecodeOptions = {}): Buffer {
  return decodeBytes(readRaw(absPath), absPath, opts);
}

/** loadBytes with async fs and zlib.gunzip. */
export async function loadBytesAsync(absPath: string, opts: DecodeOptions = {}): Promise<Buffer> {
  return decodeBytesAsync(await readRawAsync(absPath), absPath, opts);
}

/**
 * True when `raw` can join a gzip batch: gzip, long enough to carry a trailer, and at most `maxSize`
 * bytes uncompressed by its ISIZE.
 */
export function batchable(raw: Uint8Array, maxSize: number): boolean {
  return isGzip(raw) && gzipSize(raw) >= 0 && gzipSize(raw) <= maxSize;
}

/**
 * Splits the output of one zlib call over the concatenation of gzip files into the files' outputs,
 * by their ISIZEs; null unless the split is certain. zlib checks every member's CRC and length, so when
 * all the input was consumed and the sizes add up, every file is exactly one member of its ISIZE: a file
 * of several members (its ISIZE counts only the last), zero padding or trailing garbage make the total
 * fall short or leave input unread.
 */
function splitBatch(raws: readonly Buffer[], inputBytes: number, out: Buffer, consumed: number): Buffer[] | null {
  if (consumed !== inputBytes) return null;
  let total = 0;
  for (const r of raws) total += gzipSize(r);
  if (total !== out.length) return null;
  const parts: Buffer[] = [];
  let at = 0;
  for (const r of raws) {
    const size = gzipSize(r);
    parts.push(out.subarray(at, at + size));
    at += size;
  }
  return parts;
}

interface InfoResult {
  buffer: Buffer;
  engine: { bytesWritten: number };
}

function batchInput(raws: readonly Buffer[]): { input: Buffer; opts: ZlibOptions } {
  let expected = 0;
  for (const r of raws) expected += gzipSize(r);
  const input = raws.length === 1 ? raws[0]! : Buffer.concat(raws);
  return { input, opts: sized(expected, input.length) };
}

/**
 * Gunzips batchable files (see `batchable`) with one zlib call: their outputs in order, as views of one
 * buffer, or null when anything is off (an error, input left over, sizes that do not add up); the caller
 * then decodes the files one by one, which gives each file its own result or error.
 */
export function gunzipBatchSync(raws: readonly Buffer[]): Buffer[] | null {
  const { input, opts } = batchInput(raws);
  try {
    const r = gunzipSync(input, opts) as unknown as InfoResult;
    return splitBatch(raws, input.length, r.buffer, r.engine.bytesWritten);
  } catch {
    return null;
  }
}

/** gunzipBatchSync with zlib.gunzip on the libuv thread pool; never rejects. */
export function gunzipBatch(raws: readonly Buffer[]): Promise<Buffer[] | null> {
  const { input, opts } = batchInput(raws);
  return new Promise((resolve) => {
    gunzip(input, opts, (e, r) => {
      if (e) return resolve(null);
      const res = r as unknown as InfoResult;
      resolve(splitBatch(raws, input.length, res.buffer, res.engine.bytesWritten));
    });
  });
}

/** True when the bytes hold nothing but whitespace. */
export function isBlank(buf: Uint8Array): boolean {
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i]!;
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return false;
  }
  return true;
}

export function emptyFileWarning(file: string): string {
  return `${file}: empty file, no traces read`;
}

/** A growable Int32Array. `push` is the hot path; `toArray` trims to the used length. */
export class IntBuilder {
  buf: Int32Array;
  len = 0;

  constructor(capacity = 256) {
    this.buf = new Int32Array(Math.max(16, capacity | 0));
  }

  push(v: number): void {
    if (this.len === this.buf.length) this.grow();
    this.buf[this.len++] = v;
  }

  grow(): void {
    const next = new Int32Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  toArray(): Int32Array {
    return this.len === this.buf.length ? this.buf : this.buf.slice(0, this.len);
  }
}

/** Per-pid builders in order of first appearance; a null key means "the file has no pid column". */
export class PidGroups<B> {
  readonly keys: (number | null)[] = [];
  readonly groups: B[] = [];
  private readonly index = new Map<number | null, B>();

  constructor(private readonly make: (first: boolean) => B) {}

  get(pid: number | null): B {
    let b = this.index.get(pid);
    if (b === undefined) {
      b = this.make(this.groups.length === 0);
      this.index.set(pid, b);
      this.keys.push(pid);
      this.groups.push(b);
    }
    return b;
  }

  get size(): number {
    return this.groups.length;
  }
}

export function makeRawTrace(meta: FileMeta, pid: number | null, calls: Int32Array, table: SyscallTable): RawTrace {
  const t: RawTrace = {
    dataset: meta.dataset,
    source: meta.source,
    pid,
    label: meta.label,
    program: meta.program,
    family: meta.family,
    intrusion: meta.intrusion,
    calls,
    table,
  };
  if (meta.host !== undefined) t.host = meta.host;
  return t;
}

/** The text of the line holding byte offset `at` (latin1, so binary garbage stays one char per byte). */
export function lineTextAt(buf: Uint8Array, at: number): string {
  let s = Math.min(at, buf.length);
  while (s > 0 && buf[s - 1] !== 10) s--;
  let e = Math.min(at, buf.length);
  while (e < buf.length && buf[e] !== 10) e++;
  if (e > s && buf[e - 1] === 13) e--;
  const end = Math.min(e, s + 200);
  return Buffer.from(buf.buffer, buf.byteOffset + s, end - s).toString('latin1');
}
