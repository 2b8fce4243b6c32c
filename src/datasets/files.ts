// Owns walking a dataset folder: every regular file below a root as a sorted '/'-separated relative path
// (dot-files and dot-folders skipped), and the sha256 of a file.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Relative paths of all files below `root`, sorted by code unit order (deterministic across locales). */
export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (abs: string, rel: string): void => {
    for (const d of readdirSync(abs, { withFileTypes: true })) {
      if (d.name.startsWith('.')) continue;
      const childAbs = join(abs, d.name);
      const childRel = rel === '' ? d.name : `${rel}/${d.name}`;
      let isDir = d.isDirectory();
      let isFile = d.isFile();
      if (d.isSymbolicLink()) {
        const st = statSync(childAbs, { throwIfNoEntry: false });
        isDir = st?.isDirectory() ?? false;
        isFile = st?.isFile() ?? false;
      }
      if (isDir) walk(childAbs, childRel);
      else if (isFile) out.push(childRel);
    }
  };
  walk(root, '');
  return out.sort(compareCodeUnits);
}

export function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

export function sha256Bytes(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
