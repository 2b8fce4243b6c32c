// Owns the content-addressed cache of scored cells: the key hashes the dataset's checksums, the split,
// the detector configuration, k, the frames and the code version, so rerunning an experiment recomputes
// only what changed. Entries are v8-serialised and written atomically (temp file + rename), so an
// interrupted run leaves only whole entries and resumes from them.

import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

export class CellCache {
  hits = 0;
  misses = 0;

  constructor(readonly dir: string) {}

  private path(key: string): string {
    return join(this.dir, key.slice(0, 2), `${key}.cell`);
  }

  get(key: string): Cell | undefined {
    const p = this.path(key);
    if (!existsSync(p)) {
      this.misses++;
      return undefined;
    }
    try {
      const cell = deserialize(readFileSync(p)) as Cell;
      this.hits++;
      return cell;
    } catch {
      // A damaged entry is recomputed, never trusted.
      rmSync(p, { force: true });
      this.misses++;
      return undefined;
    }
  }

  put(key: string, cell: Cell): void {
    const p = this.path(key);
    mkdirSync(dirname(p), { recursive: true });
    const tmp = `${p}.tmp-${process.pid}`;
    writeFileSync(tmp, serialize(cell));
    renameSync(tmp, p);
  }
}

export function defaultCacheDir(): string {
  return process.env.STIDEBENCH_CACHE ?? join(process.cwd(), '.cache', 'stidebench');
}
