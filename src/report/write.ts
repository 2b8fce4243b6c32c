// Owns writing a results folder atomically and safely: the folder is resolved inside its results root
// (a name can never escape it), an existing folder is replaced only when it is a stidebench result, and
// every file goes into a temporary sibling folder which then replaces the old folder by rename, so an
// interrupted run never leaves a half-written result. The swap is crash-safe: the previous result is
// moved to `.<name>.old-<pid>` before the new one takes its place, and the next run (or write) restores
// it when a kill left no result in place. One run at a time writes a results folder: `.<name>.lock`
// holds the writer's pid (a lock left by a dead process is taken over).

import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync, writeSync, existsSync, lstatSync } from 'node:fs';
import { dirname, basename, join, resolve, relative, isAbsolute, sep } from 'node:path';
import { InputError } from '../errors.js';
import { fsInputError } from '../input.js';

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

function ensureFolder(dir: string, what: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw fsInputError(`cannot create ${what}`, dir, e);
  }
  let st;
  try {
    st = statSync(dir);
  } catch (e) {
    throw fsInputError(`cannot use ${what}`, dir, e);
  }
  if (!st.isDirectory()) throw new InputError(`cannot use ${what}: it is not a folder`, { file: dir, expected: 'a folder (or a path where one can be created)' });
}

/**
 * Undoes an interrupted swap: when `dir` is missing but a previous result was moved aside
 * (`.<name>.old-<pid>`), it is moved back; when `dir` is in place, moved-aside copies are removed.
 * Returns true when a previous result was restored.
 */
export function recoverResultDir(dir: string): boolean {
  const parent = dirname(dir);
  const prefix = `.${basename(dir)}.old-`;
  let names: string[];
  try {
    names = readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return false;
  }
  if (names.length === 0) return false;
  let restored = false;
  if (!existsSync(dir)) {
    // The newest moved-aside result is the one the interrupted swap was replacing.
    const newest = names
      .map((n) => ({ n, t: statSync(join(parent, n), { throwIfNoEntry: false })?.mtimeMs ?? 0 }))
      .sort((a, b) => b.t - a.t || (a.n < b.n ? 1 : -1))[0]!.n;
    renameSync(join(parent, newest), dir);
    names = names.filter((n) => n !== newest);
    restored = true;
  }
  for (const n of names) rmSync(join(parent, n), { recursive: true, force: true });
  return restored;
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes the lock of a results folder for this process (`.<name>.lock` beside it, holding our pid);
 * refuses while another live process holds it, takes over a lock whose process is gone, then restores
 * a result an interrupted swap left aside. Returns the release function.
 */
export function lockResultDir(dir: string): () => void {
  const parent = dirname(dir);
  ensureFolder(parent, 'the results root');
  const lock = join(parent, `.${basename(dir)}.lock`);
  for (let attempt = 0; ; attempt++) {
    let fd: number;
    try {
      fd = openSync(lock, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw fsInputError('cannot lock the results folder', lock, e);
      let holder = NaN;
      try {
        holder = Number(readFileSync(lock, 'utf8').trim());
      } catch {
        // unreadable: treated as stale
      }
      if (holder !== process.pid && isAlive(holder)) {
        throw new InputError(`another stidebench run (pid ${holder}) is writing ${dir}`, {
          file: lock,
          expected: 'one run per experiment at a time (wait for it, or remove the lock file if that process is not stidebench)',
        });
      }
      rmSync(lock, { force: true });
      continue;
    }
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    break;
  }
  recoverResultDir(dir);
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      if (readFileSync(lock, 'utf8').trim() === String(process.pid)) rmSync(lock, { force: true });
    } catch {
      // already gone
    }
  };
  process.on('exit', release);
  return release;
}

export function writeResultDir(dir: string, files: Record<string, string | Buffer>): void {
  const parent = dirname(dir);
  ensureFolder(parent, 'the results root');
  recoverResultDir(dir);
  assertReplaceable(dir);
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
    throw e instanceof InputError ? e : fsInputError('cannot write the results folder', dir, e);
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
