// Owns what every reader shares: loading a file's bytes (gunzipping gzip input, turning I/O and gzip
// failures into InputError), growable Int32 buffers grouped by pid in order of first appearance, the
// "empty file" warning and the RawTrace assembly.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../../errors.js';
import type { RawTrace, SyscallTable } from '../trace.js';
import type { FileMeta } from './types.js';

/** True when the bytes start with the gzip magic number. */
export function isGzip(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Reads a file, gunzipping it when it is gzip (by content, whatever its name). */
export function loadBytes(absPath: string): Buffer {
  let raw: Buffer;
  try {
    raw = readFileSync(absPath);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`cannot read file: ${err.code ?? err.message}`, { file: absPath });
  }
  if (!isGzip(raw)) return raw;
  try {
    // ISIZE (the last 4 bytes: uncompressed size mod 2^32) sizes zlib's output buffer, so the whole file
    // inflates into one buffer instead of 16 KiB chunks that Buffer.concat then copies.
    const isize = raw.length >= 18 ? raw.readUInt32LE(raw.length - 4) : 0;
    return gunzipSync(raw, { chunkSize: Math.max(64 * 1024, Math.min(isize + 1, 1 << 30)) });
  } catch (e) {
    throw new InputError(`corrupt or truncated gzip data (${(e as Error).message})`, {
      file: absPath,
      expected: 'a complete gzip stream',
    });
  }
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
