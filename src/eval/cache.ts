// Owns the content-addressed cache of scored cells: the key hashes the dataset's checksums, the split,
// the detector configuration, k, the frames and the code version, so rerunning an experiment recomputes
// only what changed. Entries are v8-serialised behind a magic and the sha256 of the payload, and written
// atomically (temp file + rename), so an interrupted run leaves only whole entries and resumes from them;
// an entry whose checksum does not match (a flipped bit, a truncated or foreign file) is reported in
// `damaged`, removed and recomputed, never trusted. Paths are <dir>/<2 hex>/<64 hex>.cell: inside the
// cache folder whatever the key.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { fsInputError, readInputFile } from '../input.js';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import type { Cell } from './cell.js';

let codeVersionMemo: string | undefined;

/**
 * Hash of the code that decides scores: every module under the package's detectors/, eval/, traces/ and
 * datasets/ folders (compiled .js when running from dist, .ts when running from source).
 */
export function codeVersion(): string {
  if (codeVersionMemo) return codeVersionMemo;
  const here = dirname(fileURLToPath(import.meta.url));
  const root = dirname(here);
  const ext = extname(fileURLToPath(import.meta.url));
  const h = createHash('sha256');
  for (const sub of ['detectors', 'eval', 'traces', 'datasets']) {
    const walk = (dir: string): void => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir).sort()) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (name.endsWith(ext)) h.update(p.slice(root.length)).update(readFileSync(p));
      }
    };
    walk(join(root, sub));
  }
  codeVersionMemo = h.digest('hex').slice(0, 16);
  return codeVersionMemo;
}

export function cellKey(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).update(codeVersion()).digest('hex');
}

const CELL_MAGIC = Buffer.from('SBCELL2\n', 'latin1');
const HEADER = CELL_MAGIC.length + 32;

/** A cell file's bytes: magic, sha256 of the payload, payload (v8-serialised cell). */
export function encodeCellFile(cell: Cell): Buffer {
  const payload = serialize(cell);
  return Buffer.concat([CELL_MAGIC, createHash('sha256').update(payload).digest(), payload]);
}

/** The cell in a cell file's bytes, or a reason why it is not trusted. */
export function decodeCellFile(buf: Buffer): Cell | string {
  if (buf.length < HEADER || !buf.subarray(0, CELL_MAGIC.length).equals(CELL_MAGIC)) return 'not a stidebench cache cell (wrong magic or too short)';
  const payload = buf.subarray(HEADER);
  if (!createHash('sha256').update(payload).digest().equals(buf.subarray(CELL_MAGIC.length, HEADER))) return 'checksum mismatch';
  try {
    return deserialize(payload) as Cell;
  } catch (e) {
    return `cannot be decoded (${(e as Error).message})`;
  }
}

export class CellCache {
  hits = 0;
  misses = 0;
  /** One line per damaged entry found (and recomputed) during this run. */
  readonly damaged: string[] = [];

  /** `dir` is created when missing; a file (or anything but a folder) there is an InputError. */
  constructor(readonly dir: string) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw fsInputError('cannot create the cache folder', dir, e);
    }
    if (!statSync(dir).isDirectory()) {
      throw new InputError('cannot use the cache folder: it is not a folder', { file: dir, expected: 'a folder (--cache-dir, $STIDEBENCH_CACHE), or --no-cache' });
    }
  }

  private path(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new RangeError(`cache key must be 64 hex digits, got ${JSON.stringify(key.slice(0, 80))}`);
    return join(this.dir, key.slice(0, 2), `${key}.cell`);
  }

  get(key: string): Cell | undefined {
    const p = this.path(key);
    if (!existsSync(p)) {
      this.misses++;
      return undefined;
    }
    let verdict: Cell | string;
    try {
      verdict = decodeCellFile(readInputFile(p, { what: 'cache cell' }));
    } catch (e) {
      verdict = e instanceof InputError ? e.message : String(e);
    }
    if (typeof verdict !== 'string') {
      this.hits++;
      return verdict;
    }
    // A damaged entry is reported and recomputed, never trusted.
    this.damaged.push(`damaged cache cell ${p}: ${verdict}; recomputed`);
    rmSync(p, { force: true, recursive: true });
    this.misses++;
    return undefined;
  }

  put(key: string, cell: Cell): void {
    const p = this.path(key);
    const tmp = `${p}.tmp-${process.pid}`;
    try {
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(tmp, encodeCellFile(cell));
      renameSync(tmp, p);
    } catch (e) {
      rmSync(tmp, { force: true });
      throw fsInputError('cannot write the cache', p, e);
    }
  }
}

export function defaultCacheDir(): string {
  return process.env.STIDEBENCH_CACHE ?? join(process.cwd(), '.cache', 'stidebench');
}
