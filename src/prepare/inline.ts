// Owns "bring your own data": an inline dataset named by an experiment, with no manifest. A folder, a
// file or a glob (`*`, `**`, `?`) of trace files in one format; labels from folder names on the path
// (normal/attack/abnormal/intrusion(s)), from FILE.meta.json sidecars, or from a CSV of labels
// (columns file,label and optionally program,family; file relative to the dataset root); program names
// from a fixed name, sidecars, the file name or the parent folder; an optional syscall table. Every
// trace file must get a label: one that gets none stops the run naming the file. Sources are relative
// to the dataset root (the folder before the first wildcard), so results do not depend on where it lives.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { listFiles as listDatasetFiles } from '../datasets/files.js';
import { labelFromPath, readSidecar } from '../traces/paths.js';
import { readTraceFile, type FileMeta } from '../traces/readers/index.js';
import { resolveTable } from '../traces/syscalls/index.js';
import type { Label } from '../traces/trace.js';
import { INPUT_FORMATS, type LabelledTraces } from './files.js';
import { compileRegex, regexProblem, type SafeRegex } from '../safe-regex.js';

export const inlineDatasetSchema = z
  .object({
    /** A folder, a file or a glob; relative paths are relative to the experiment file's folder. */
    path: z.string().min(1),
    format: z.enum(INPUT_FORMATS).default('auto'),
    /** Where labels come from: folder names on the path (default), sidecars, or a CSV of labels. */
    labels: z.union([z.enum(['folders', 'sidecars']), z.object({ csv: z.string().min(1) }).strict()]).default('folders'),
    /** Program names: a fixed name, or from sidecars / the file name (up to the first - _ .) / the parent folder. */
    program: z.union([z.string().min(1), z.object({ from: z.enum(['sidecar', 'filename', 'folder']) }).strict()]).optional(),
    /** Numbering of raw numbers: linux-i386, linux-x86_64, names, or a calls.txt file. */
    syscalls: z.string().optional(),
    /** Named subsets (regex on the relative path) for the split, as in a manifest. */
    subsets: z
      .record(
        z.string().min(1),
        z.string().superRefine((s, ctx) => {
          const problem = regexProblem(s);
          if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
        }),
      )
      .default({}),
  })
  .strict();

export type InlineDataset = z.infer<typeof inlineDatasetSchema>;

/** Resolves relative paths (path, labels csv, syscalls file) against a folder (the experiment file's). */
export function resolveInlinePaths(d: InlineDataset, base: string): InlineDataset {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  const syscalls = d.syscalls !== undefined && /[/\\]|\.txt/.test(d.syscalls) ? abs(d.syscalls) : d.syscalls;
  const labels = typeof d.labels === 'object' ? { csv: abs(d.labels.csv) } : d.labels;
  return { ...d, path: abs(d.path), labels, syscalls };
}

function globRegex(glob: string): SafeRegex {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return compileRegex(`^${re}$`);
}

/** The dataset root and its trace files (sorted, '/'-separated, relative to the root). */
export function inlineFiles(path: string): { root: string; files: string[] } {
  const wild = path.search(/[*?]/);
  if (wild < 0) {
    if (!existsSync(path)) throw new InputError('inline dataset: no such file or folder', { file: path });
    if (statSync(path).isFile()) return { root: dirname(path), files: [basename(path)] };
    return { root: path, files: listDatasetFiles(path).filter(isTraceFile) };
  }
  const root = path.slice(0, path.lastIndexOf(sep, wild) + 1) || '.';
  if (!existsSync(root)) throw new InputError('inline dataset: the folder before the wildcard does not exist', { file: root });
  const re = globRegex(path.slice(root.length).split(sep).join('/'));
  const files = listDatasetFiles(root).filter((f) => re.test(f) && isTraceFile(f));
  if (files.length === 0) throw new InputError('inline dataset: the glob matches no file', { file: path });
  return { root, files };
}

/** Files in a data folder that are not traces: sidecars, tables, notes. */
function isTraceFile(rel: string): boolean {
  const name = rel.slice(rel.lastIndexOf('/') + 1);
  return !(name.endsWith('.meta.json') || name === 'manifest.json' || /\.(md|sha256|csv)$/.test(name) || name.startsWith('calls.txt') || name.endsWith('.calls.txt.linux'));
}

interface CsvLabel {
  label: Label;
  program?: string;
  family?: string;
}

function readLabelsCsv(file: string): Map<string, CsvLabel> {
  let rows: Record<string, string>[];
  try {
    rows = parse(readFileSync(file, 'utf8'), { columns: true, skip_empty_lines: true, trim: true }) as Record<string, string>[];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'labels CSV not found' : `invalid labels CSV: ${(e as Error).message.split('\n')[0]}`, { file });
  }
  const out = new Map<string, CsvLabel>();
  rows.forEach((r, i) => {
    const line = i + 2;
    if (r.file === undefined || r.label === undefined) throw new InputError('labels CSV needs a header with columns file and label', { file, line: 1, expected: 'file,label[,program][,family]' });
    if (r.label !== 'normal' && r.label !== 'attack') throw new InputError('bad label', { file, line, text: r.label, expected: 'normal or attack' });
    out.set(r.file, { label: r.label, program: r.program || undefined, family: r.family || undefined });
  });
  return out;
}

/** Reads an inline dataset: every trace file labelled; `checksum` identifies the exact data (sha256 of the files). */
export function readInlineDataset(name: string, d: InlineDataset, opts: { lenient?: boolean } = {}): LabelledTraces & { root: string; checksum: string } {
  const { root, files } = inlineFiles(d.path);
  const csv = typeof d.labels === 'object' ? readLabelsCsv(d.labels.csv) : undefined;
  const table = resolveTable(d.syscalls);
  const out: LabelledTraces = { traces: [], warnings: [], files: 0, skippedFiles: 0 };
  const sums = createHash('sha256');
  for (const rel of files) {
    const abs = join(root, rel);
    const side = d.labels === 'sidecars' || (typeof d.program === 'object' && d.program.from === 'sidecar') ? readSidecar(abs) : undefined;
    const row = csv?.get(rel);
    let label: Label | undefined;
    if (d.labels === 'folders') label = labelFromPath(rel.split('/').join(sep));
    else if (d.labels === 'sidecars') label = side?.label;
    else label = row?.label;
    if (label === undefined) {
      const how = d.labels === 'folders' ? 'a folder named normal/ or attack/ on its path' : d.labels === 'sidecars' ? `a sidecar ${basename(rel)}.meta.json with a label` : `a row for ${rel} in the labels CSV`;
      throw new InputError(`inline dataset ${name}: no label for this trace file`, { file: abs, expected: how });
    }
    let program = 'unknown';
    if (typeof d.program === 'string') program = d.program;
    else if (d.program?.from === 'filename') program = basename(rel).replace(/[-_.].*$/, '') || 'unknown';
    else if (d.program?.from === 'folder') program = rel.includes('/') ? basename(dirname(rel)) : 'unknown';
    else program = row?.program ?? side?.program ?? 'unknown';
    const meta: FileMeta = {
      dataset: name,
      source: rel,
      label,
      program,
      family: label === 'attack' ? (row?.family ?? side?.family ?? null) : null,
      intrusion: label === 'attack' ? rel : null,
    };
    const bytes = readFileSync(abs);
    sums.update(`${createHash('sha256').update(bytes).digest('hex')}  ${rel}\n`);
    const r = readTraceFile(d.format, abs, meta, { ...(table ? { table } : {}), ...(opts.lenient ? { lenient: true } : {}) });
    out.files++;
    for (const t of r.traces) out.traces.push(t);
    for (const w of r.warnings) out.warnings.push(w);
  }
  return { ...out, root, checksum: sums.digest('hex') };
}
