// Owns writing a results folder atomically and safely: the folder is resolved inside its results root
// (a name can never escape it), an existing folder is replaced only when it is a stidebench result, and
// every file goes into a temporary sibling folder which then replaces the old folder by rename, so an
// interrupted run never leaves a half-written result.

import { mkdirSync, readdirSync, renameSync, rmSync, writeFileSync, existsSync, lstatSync } from 'node:fs';
import { dirname, basename, join, resolve, relative, isAbsolute, sep } from 'node:path';
import { InputError } from '../errors.js';

/** Files that mark a folder as a stidebench result (every `run` writes both). */
const RESULT_MARKERS = ['metrics.json', 'provenance.json'] as const;

/**
 * The folder `<root>/<name>` for a result, refusing any name that does not stay strictly inside root
 * (`..`, `.`, absolute paths, separators).
 */
export function resultDirIn(root: string, name: string): string {
  const absRoot = resolve(root);
  const dir = resolve(absRoot, name);
  const rel = relative(absRoot, dir);
  if (name === '' || rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.includes(sep) || name.includes('/') || name.includes(sep)) {
    throw new InputError(`results folder name ${JSON.stringify(name)} does not stay inside the results root ${absRoot}`, {
      expected: 'a plain slug such as my-experiment',
    });
  }
  return dir;
}

/** True when `dir` may be replaced by a new result: it is missing, empty, or holds a previous result. */
function replaceable(dir: string): boolean {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return true;
  }
  if (!st.isDirectory()) return false;
  const entries = readdirSync(dir);
  if (entries.length === 0) return true;
  return RESULT_MARKERS.every((m) => entries.includes(m));
}

/** Throws when `dir` exists and is not a stidebench result folder (so it must never be replaced). */
export function assertReplaceable(dir: string): void {
  if (!replaceable(dir)) {
    throw new InputError(`refusing to replace ${dir}: it exists and is not a stidebench result folder (no ${RESULT_MARKERS.join(' and ')})`, {
      expected: 'a new results folder name, or --out pointing at a results root',
    });
  }
}

export function writeResultDir(dir: string, files: Record<string, string | Buffer>): void {
  const parent = dirname(dir);
  assertReplaceable(dir);
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
      if (relative(tmp, p).startsWith('..')) throw new InputError(`result file name ${JSON.stringify(name)} escapes the results folder`);
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
