// Owns opening files a user names (traces, experiments, manifests, models, sidecars) safely: only
// regular files are read (a FIFO, device, socket or folder is refused at once, never blocked on: the
// file is opened with O_NONBLOCK and checked with fstat before the first read), each kind of file has a
// size limit, and every failure (ENOENT, ELOOP, ENOTDIR, EACCES, ...) is an InputError naming the file.

import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';
import { InputError } from './errors.js';

const ERRNO_TEXT: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  ENOTDIR: 'a component of the path is not a folder',
  EISDIR: 'is a folder',
  ELOOP: 'too many symbolic links (a symlink loop?)',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'path too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EEXIST: 'already exists',
  ENOTEMPTY: 'folder not empty',
  EXDEV: 'cannot rename across file systems',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
  EINVAL: 'invalid argument',
  ETXTBSY: 'text file busy',
};

/** "ELOOP (too many symbolic links ...)" for an fs error; the message when it has no code. */
export function describeFsError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const code = typeof err?.code === 'string' ? err.code : undefined;
  if (code === undefined) return err instanceof Error ? err.message : String(e);
  const text = ERRNO_TEXT[code];
  return text !== undefined ? `${code} (${text})` : code;
}

/** True for a Node fs error (it has a string errno code). */
export function isFsError(e: unknown): e is NodeJS.ErrnoException {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string' && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

/** An fs error as an InputError naming the file and what was being done. */
export function fsInputError(action: string, file: string, e: unknown): InputError {
  if (e instanceof InputError) return e;
  return new InputError(`${action}: ${describeFsError(e)}`, { file });
}

/** What kind of non-regular file `st` is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a folder';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface ReadInputOptions {
  /** What the file is, for messages: 'trace file', 'experiment file', 'model', ... */
  what: string;
  /** Refuse files larger than this many bytes (default: MAX_INPUT_BYTES). */
  maxBytes?: number;
}

/** Largest file read into memory at once (Node's Buffer limit is 4 GiB; strings 512 MiB). */
export const MAX_INPUT_BYTES = 2 ** 32 - 1;

function checkStat(st: Stats, file: string, opts: ReadInputOptions): void {
  if (!st.isFile()) {
    throw new InputError(`cannot read ${opts.what}: it is ${kindOf(st)}`, { file, expected: `a regular file` });
  }
  const max = opts.maxBytes ?? MAX_INPUT_BYTES;
  if (st.size > max) {
    throw new InputError(`${opts.what} is too large (${st.size} bytes)`, { file, expected: `at most ${max} bytes` });
  }
}

/**
 * Opens a file for reading without blocking (a FIFO with no writer would otherwise hang open() or
 * read()) and checks it is a regular file within the size limit. Returns the fd and its size.
 */
export function openInputFile(file: string, opts: ReadInputOptions): { fd: number; size: number } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fsInputError(`cannot read ${opts.what}`, file, e);
  }
  try {
    const st = fstatSync(fd);
    checkStat(st, file, opts);
    return { fd, size: st.size };
  } catch (e) {
    closeSync(fd);
    throw e instanceof InputError ? e : fsInputError(`cannot read ${opts.what}`, file, e);
  }
}

/** The bytes of a regular file (see openInputFile); every failure is an InputError naming the file. */
export function readInputFile(file: string, opts: ReadInputOptions): Buffer {
  const { fd, size } = openInputFile(file, opts);
  try {
    const buf = Buffer.allocUnsafe(size);
    let got = 0;
    while (got < size) {
      const n = readSync(fd, buf, got, size - got, got);
      if (n === 0) break; // the file shrank while we read it
      got += n;
    }
    return got === size ? buf : buf.subarray(0, got);
  } catch (e) {
    throw e instanceof InputError ? e : fsInputError(`cannot read ${opts.what}`, file, e);
  } finally {
    closeSync(fd);
  }
}

/** readInputFile with async fs. */
export async function readInputFileAsync(file: string, opts: ReadInputOptions): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    throw fsInputError(`cannot read ${opts.what}`, file, e);
  }
  try {
    const st = await handle.stat();
    checkStat(st, file, opts);
    const buf = Buffer.allocUnsafe(st.size);
    let got = 0;
    while (got < st.size) {
      const { bytesRead } = await handle.read(buf, got, st.size - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === st.size ? buf : buf.subarray(0, got);
  } catch (e) {
    throw e instanceof InputError ? e : fsInputError(`cannot read ${opts.what}`, file, e);
  } finally {
    await handle.close();
  }
}

/** readInputFile decoded as UTF-8 text (for small files: experiments, manifests, sidecars). */
export function readInputText(file: string, opts: ReadInputOptions): string {
  return readInputFile(file, opts).toString('utf8');
}

/** Size limits of the small structured files (text parsed whole). */
export const LIMITS = {
  experiment: 4 << 20,
  manifest: 256 << 20,
  sidecar: 1 << 20,
  callsTable: 16 << 20,
} as const;
