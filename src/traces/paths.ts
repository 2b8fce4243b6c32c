// Owns turning command-line paths (files or folders) into trace files with metadata: folders are walked
// recursively in sorted order; labels come from a recording's sidecar, an explicit flag, or a folder
// name on the path (normal / attack / abnormal / intrusion).

import { existsSync, readdirSync, statSync, openSync, readSync, closeSync } from 'node:fs';
import { basename, join, sep } from 'node:path';
import { InputError } from '../errors.js';
import { fsInputError, LIMITS, readInputText } from '../input.js';
import type { Label } from './trace.js';

export interface Sidecar {
  label?: Label;
  program?: string;
  family?: string | null;
}

/**
 * The trace files under a path: the path itself when it is a regular file, else every regular file below
 * it (sorted, dot-files, sidecars and tables skipped). A FIFO, device or socket given by name, a symlink
 * loop or an unreadable folder is an InputError naming it; inside folders such entries are skipped.
 * Each real folder is walked once (a symlink back to a parent cannot loop).
 */
export function listFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new InputError('no such file or folder', { file: path });
    throw fsInputError('cannot read', path, e);
  }
  if (st.isFile()) return [path];
  if (!st.isDirectory()) throw new InputError('not a regular file or folder', { file: path, expected: 'a trace file or a folder of trace files (not a FIFO, device or socket)' });
  const out: string[] = [];
  const seen = new Set<string>();
  const walk = (dir: string): void => {
    let names: string[];
    try {
      const ds = statSync(dir);
      const id = `${ds.dev}:${ds.ino}`;
      if (seen.has(id)) return; // a folder reached again through a symlink
      seen.add(id);
      names = readdirSync(dir).sort();
    } catch (e) {
      throw fsInputError('cannot read folder', dir, e);
    }
    for (const name of names) {
      if (name.startsWith('.') || name.endsWith('.meta.json') || name === 'manifest.json' || /\.(md|sha256)$/.test(name) || name.startsWith('calls.txt') || name.endsWith('.calls.txt.linux')) continue;
      const p = join(dir, name);
      let s;
      try {
        s = statSync(p);
      } catch (e) {
        throw fsInputError('cannot read', p, e);
      }
      if (s.isDirectory()) walk(p);
      else if (s.isFile()) out.push(p);
    }
  };
  walk(path);
  return out;
}

export function readSidecar(file: string): Sidecar | undefined {
  const p = `${file}.meta.json`;
  if (!existsSync(p)) return undefined;
  const text = readInputText(p, { what: 'sidecar', maxBytes: LIMITS.sidecar });
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new InputError(`sidecar is not valid JSON: ${(e as Error).message}`, { file: p });
  }
  if (typeof v !== 'object' || v === null) throw new InputError('sidecar must be a JSON object', { file: p });
  const o = v as Record<string, unknown>;
  if (o.label !== undefined && o.label !== 'normal' && o.label !== 'attack') {
    throw new InputError('bad label in sidecar', { file: p, text: String(o.label), expected: '"normal" or "attack"' });
  }
  return { label: o.label as Label | undefined, program: typeof o.program === 'string' ? o.program : undefined, family: typeof o.family === 'string' ? o.family : null };
}

const FOLDER_LABELS: Record<string, Label> = { normal: 'normal', attack: 'attack', attacks: 'attack', abnormal: 'attack', intrusion: 'attack', intrusions: 'attack' };

/** Label from the nearest folder on the path named normal/attack/abnormal/intrusion(s). */
export function labelFromPath(file: string): Label | undefined {
  const parts = file.split(sep).slice(0, -1).reverse();
  for (const p of parts) {
    const l = FOLDER_LABELS[p.toLowerCase()];
    if (l) return l;
  }
  return undefined;
}

export function firstBytes(file: string, n = 4096): Buffer {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(n);
    const got = readSync(fd, buf, 0, n, 0);
    return buf.subarray(0, got);
  } finally {
    closeSync(fd);
  }
}

export function defaultProgram(file: string): string {
  return basename(file).replace(/[-_.].*$/, '') || 'unknown';
}
