// Owns writing a results folder atomically: every file goes into a temporary sibling folder which then
// replaces the old folder by rename, so an interrupted run never leaves a half-written result.

import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';

export function writeResultDir(dir: string, files: Record<string, string | Buffer>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(dir)}.tmp-${process.pid}`);
  const old = join(parent, `.${basename(dir)}.old-${process.pid}`);
  // Leftovers of a run that was killed while writing (any pid) are removed, never shown as results.
  for (const name of readdirSync(parent)) {
    if (name.startsWith(`.${basename(dir)}.tmp-`)) rmSync(join(parent, name), { recursive: true, force: true });
  }
  try {
    mkdirSync(tmp);
    for (const [name, content] of Object.entries(files)) {
      const p = join(tmp, name);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, content);
    }
    if (existsSync(dir)) renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(dir) && existsSync(old)) renameSync(old, dir);
    throw e;
  }
}

/** Writes one file atomically (temp file in the same folder, then rename). */
export function writeFileAtomic(path: string, content: string | Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
