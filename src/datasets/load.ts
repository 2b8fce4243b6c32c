// Owns turning a registered dataset into raw traces: walk the data root (sorted), apply the manifest's
// rules (first match wins; label, family, program, host, intrusion group) or sidecar labels, and hand
// the trace files to the format's reader with the manifest's syscall table: loadDataset synchronously,
// loadDatasetAsync with the files read ahead and inflated on the libuv thread pool while the main
// thread parses. Both give the same traces, order, warnings and first error.

import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { InputError } from '../errors.js';
import { readTraceFiles, readTraceFilesAsync, type ReadResult, type TraceFileJob } from '../traces/readers/index.js';
import type { FileMeta } from '../traces/readers/types.js';
import { loadCallsTable, tableByName } from '../traces/syscalls/index.js';
import type { RawTrace, SyscallTable } from '../traces/trace.js';
import { listFiles } from './files.js';
import { expandTemplate, type Manifest, type ManifestRule } from './manifest.js';
import { datasetRoot, missingDataError } from './registry.js';
import { compileRegex, type SafeRegex } from '../safe-regex.js';

export interface LoadOptions {
  /** Only files matching this named subset of the manifest. */
  subset?: string;
  /** --lenient: malformed lines are skipped and counted in the warnings instead of stopping. */
  lenient?: boolean;
}

export interface LoadAsyncOptions extends LoadOptions {
  /**
   * How many files may be read ahead of the one being parsed (default 256): their gzip batches inflate
   * on the libuv thread pool (UV_THREADPOOL_SIZE threads, 4 unless set before the pool first starts)
   * while the main thread parses.
   */
  readAhead?: number;
}

export interface LoadResult {
  traces: RawTrace[];
  /** Reader findings (empty files, ...); each names its file. */
  warnings: string[];
  /** Number of trace files read (files that matched a non-excluding rule). */
  files: number;
}

/** The label-and-grouping part of FileMeta a rule (or sidecar) gives one file. */
export type FileLabel = Omit<FileMeta, 'dataset' | 'source'>;

interface CompiledRule {
  rule: ManifestRule;
  re: SafeRegex;
}

const compiled = new WeakMap<Manifest, CompiledRule[]>();

function compileRules(m: Manifest): CompiledRule[] {
  let c = compiled.get(m);
  if (c === undefined) {
    c = m.rules.map((rule) => ({ rule, re: compileRegex(rule.pattern) }));
    compiled.set(m, c);
  }
  return c;
}

function dirOf(relPath: string): string {
  const i = relPath.lastIndexOf('/');
  return i < 0 ? '.' : relPath.slice(0, i);
}

/**
 * Labels one file by the manifest's rules: null when no rule matches or the rule excludes the file.
 * With labelsFrom 'sidecar' the rule still decides which files are traces, and the label/program/family
 * come from `<file>.meta.json` (read through `readSidecar`).
 */
export function labelFile(
  m: Manifest,
  relPath: string,
  readSidecar: (relPath: string) => Sidecar = (p) => {
    throw new Error(`no sidecar reader for ${p}`);
  },
): FileLabel | null {
  for (const { rule, re } of compileRules(m)) {
    const match = re.exec(relPath);
    if (match === null) continue;
    if (rule.exclude) return null;
    let label = rule.label;
    let program = rule.program !== undefined ? expandTemplate(rule.program, match) : m.program;
    let family = rule.family !== undefined ? expandTemplate(rule.family, match) : null;
    const host = rule.host !== undefined ? expandTemplate(rule.host, match) : null;
    if (m.labelsFrom === 'sidecar') {
      const side = readSidecar(relPath);
      label = side.label;
      if (side.program !== undefined) program = side.program;
      if (side.family !== undefined) family = side.family;
    }
    if (label === undefined) return null; // unreachable for valid manifests (the schema requires it)
    const grouping = rule.intrusion ?? (label === 'attack' ? 'file' : 'none');
    const intrusion = label !== 'attack' || grouping === 'none' ? null : grouping === 'file' ? relPath : dirOf(relPath);
    return { label, program, family: label === 'attack' ? family || null : null, intrusion, host };
  }
  return null;
}

const sidecarSchema = z
  .object({
    label: z.enum(['normal', 'attack']),
    program: z.string().min(1).optional(),
    family: z.string().min(1).nullable().optional(),
  })
  .passthrough();

export type Sidecar = z.output<typeof sidecarSchema>;

/** Reads and validates `<abs>.meta.json`. */
export function readSidecarFile(abs: string): Sidecar {
  const file = `${abs}.meta.json`;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code ? `cannot read label sidecar: ${code}` : `invalid label sidecar: ${(e as Error).message}`, { file });
  }
  const r = sidecarSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    throw new InputError(`invalid label sidecar: field ${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`, { file });
  }
  return r.data;
}

const tables = new Map<string, SyscallTable>();

/** The syscall table the manifest names (UNM calls files are read from the data root). */
export function manifestTable(m: Manifest, root: string): SyscallTable {
  const spec = m.syscallTable;
  if (spec.kind !== 'unm-calls') return tableByName(spec.kind);
  const path = join(root, spec.file);
  const firstNumber = spec.firstNumber ?? 0;
  const key = `${path}\u0000${firstNumber}`;
  let t = tables.get(key);
  if (t === undefined) {
    if (!existsSync(path)) throw new InputError(`syscall table named by the manifest is missing`, { file: path });
    t = loadCallsTable(path, { firstNumber });
    tables.set(key, t);
  }
  return t;
}

/** Share of traces that must end in syscallTable.lastCall (UNM lpr: 99.3% and 99.9% end in exit; the rest were cut). */
export const LAST_CALL_MIN_SHARE = 0.95;

/**
 * The manifest's numbering check: with syscallTable.lastCall, at least 95% of the traces must end in
 * that call (UNM lpr: exit), or the first-number offset is wrong and every name is off by one.
 */
export function checkLastCall(m: Manifest, result: LoadResult, dataDir: string): void {
  const spec = m.syscallTable;
  if (spec.kind !== 'unm-calls' || spec.lastCall === undefined) return;
  let n = 0;
  let ok = 0;
  const ends = new Map<string, number>();
  for (const t of result.traces) {
    if (t.calls.length === 0) continue;
    n++;
    const last = t.table.name(t.calls[t.calls.length - 1]!);
    if (last === spec.lastCall) ok++;
    else ends.set(last, (ends.get(last) ?? 0) + 1);
  }
  if (n > 0 && ok < LAST_CALL_MIN_SHARE * n) {
    const top = [...ends.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]!;
    throw new InputError(`dataset ${m.name}: only ${ok}/${n} traces end in ${spec.lastCall} (most end in ${top[0]}: ${top[1]}), so the syscall numbering is off`, {
      file: join(datasetRoot(m, dataDir), spec.file),
      expected: `syscallTable.firstNumber (now ${spec.firstNumber ?? 0}) such that at least ${LAST_CALL_MIN_SHARE * 100}% of traces end in ${spec.lastCall}`,
    });
  }
}


/** The compiled regex of a named subset; unknown names are an InputError listing the known ones. */
export function subsetRegex(m: Manifest, subset: string): SafeRegex {
  const src = m.subsets[subset];
  if (src === undefined) {
    const known = Object.keys(m.subsets).sort();
    throw new InputError(`dataset "${m.name}" has no subset "${subset}"`, {
      expected: known.length ? `one of: ${known.join(', ')}` : 'no subset (the manifest defines none)',
    });
  }
  return compileRegex(src);
}

/** Throws the "fetch it" InputError when the dataset's root folder is missing. */
export function requireRoot(m: Manifest, dataDir: string): string {
  const root = datasetRoot(m, dataDir);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw missingDataError(m, root);
  return root;
}

/**
 * The trace files of a dataset in walk order, labelled; `error` is the first labelling error (a bad
 * sidecar), to be raised after the files before it were read, as a file-by-file loop would.
 */
function planLoad(m: Manifest, dataDir: string, opts: LoadOptions): { jobs: TraceFileJob[]; error: { thrown: unknown } | null; table: SyscallTable } {
  const root = requireRoot(m, dataDir);
  const subset = opts.subset !== undefined ? subsetRegex(m, opts.subset) : null;
  const table = manifestTable(m, root);
  const readSidecar = (rel: string): Sidecar => readSidecarFile(join(root, rel));
  const jobs: TraceFileJob[] = [];
  for (const rel of listFiles(root)) {
    if (subset !== null && !subset.test(rel)) continue;
    let lab: FileLabel | null;
    try {
      lab = labelFile(m, rel, readSidecar);
    } catch (e) {
      return { jobs, error: { thrown: e }, table };
    }
    if (lab === null) continue;
    jobs.push({ absPath: join(root, rel), meta: { dataset: m.name, source: rel, ...lab } });
  }
  return { jobs, error: null, table };
}

function collect(): { result: LoadResult; each: (r: ReadResult) => void } {
  const result: LoadResult = { traces: [], warnings: [], files: 0 };
  const each = (r: ReadResult): void => {
    result.files++;
    for (const t of r.traces) result.traces.push(t);
    for (const w of r.warnings) result.warnings.push(w);
  };
  return { result, each };
}

export function loadDataset(m: Manifest, dataDir: string, opts: LoadOptions = {}): LoadResult {
  const { jobs, error, table } = planLoad(m, dataDir, opts);
  const { result, each } = collect();
  readTraceFiles(m.format, jobs, { table, lidds: m.reader, ...(opts.lenient ? { lenient: true } : {}) }, each);
  if (error !== null) throw error.thrown;
  checkLastCall(m, result, dataDir);
  return result;
}

/**
 * loadDataset with the files read ahead (`readAhead`, default 256) and gunzipped in batches on the
 * libuv thread pool while the main thread parses: the same traces, order, warnings and first error.
 */
export async function loadDatasetAsync(m: Manifest, dataDir: string, opts: LoadAsyncOptions = {}): Promise<LoadResult> {
  const { jobs, error, table } = planLoad(m, dataDir, opts);
  const { result, each } = collect();
  await readTraceFilesAsync(m.format, jobs, { table, lidds: m.reader, readAhead: opts.readAhead, ...(opts.lenient ? { lenient: true } : {}) }, each);
  if (error !== null) throw error.thrown;
  checkLastCall(m, result, dataDir);
  return result;
}
