// Owns checking a dataset's files against its manifest: sha256 of every listed file under the root;
// missing and changed files are errors (named), files the manifest does not list are only noted.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listFiles, sha256File } from './files.js';
import type { Manifest } from './manifest.js';
import { requireRoot } from './load.js';

export interface Mismatch {
  path: string;
  expected: string;
  actual: string;
}

export interface VerifyResult {
  dataset: string;
  root: string;
  ok: boolean;
  /** Files listed in the manifest. */
  checked: number;
  missing: string[];
  mismatched: Mismatch[];
  /** Files under the root the manifest does not list (not an error). */
  extra: string[];
  notes: string[];
}

/** Compares the files under `root` with `files` (relative path -> sha256). */
export function verifyTree(root: string, files: Readonly<Record<string, string>>): Omit<VerifyResult, 'dataset' | 'root'> {
  const listed = Object.keys(files).sort();
  const missing: string[] = [];
  const mismatched: Mismatch[] = [];
  for (const rel of listed) {
    const abs = join(root, rel);
    if (!existsSync(abs) || !statSync(abs).isFile()) {
      missing.push(rel);
      continue;
    }
    const actual = sha256File(abs);
    if (actual !== files[rel]) mismatched.push({ path: rel, expected: files[rel]!, actual });
  }
  const known = new Set(listed);
  const extra = existsSync(root) ? listFiles(root).filter((f) => !known.has(f)) : [];
  const notes: string[] = [];
  if (listed.length === 0) notes.push('the manifest lists no files, so nothing was checked');
  if (extra.length > 0) {
    const shown = extra.slice(0, 5).join(', ');
    notes.push(`${extra.length} file(s) not listed in the manifest (ignored): ${shown}${extra.length > 5 ? ', ...' : ''}`);
  }
  return { ok: missing.length === 0 && mismatched.length === 0, checked: listed.length, missing, mismatched, extra, notes };
}

export function verifyDataset(m: Manifest, dataDir: string): VerifyResult {
  const root = requireRoot(m, dataDir);
  return { dataset: m.name, root, ...verifyTree(root, m.files) };
}

/** One line per problem, for human output and error messages. */
export function describeProblems(r: Pick<VerifyResult, 'missing' | 'mismatched'>, limit = 20): string[] {
  const lines = [
    ...r.missing.map((p) => `missing: ${p}`),
    ...r.mismatched.map((x) => `changed: ${x.path} (sha256 ${x.actual}, expected ${x.expected})`),
  ];
  return lines.length > limit ? [...lines.slice(0, limit), `... and ${lines.length - limit} more`] : lines;
}
