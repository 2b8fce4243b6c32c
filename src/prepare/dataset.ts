// Owns preparing one evaluation unit of an experiment: its datasets (registered, with their manifest's
// rules and syscall table, or inline, see inline.ts) read into labelled traces, each split by its own
// rule, mixed (`with`), checked for one vocabulary and encoded in one frozen alphabet holding every name
// the selected detectors need. Registered data is checked against its manifest's checksums: a mismatch
// is a warning, or an error when `strict`.

import { createHash } from 'node:crypto';
import { sep } from 'node:path';
import { InputError } from '../errors.js';
import { getDataset } from '../datasets/registry.js';
import { loadDatasetAsync } from '../datasets/load.js';
import type { Manifest } from '../datasets/manifest.js';
import { describeProblems, verifyDataset } from '../datasets/verify.js';
import type { DetectorSpec } from '../detectors/types.js';
import { readSplitFile, splitTraces } from './split.js';
import { sunosToLinux } from '../traces/syscalls/index.js';
import type { Alphabet } from '../traces/alphabet.js';
import type { RawTrace, SyscallTable, Trace } from '../traces/trace.js';
import { encodeSets } from './encode.js';
import { readInlineDataset, type InlineDataset } from './inline.js';
import { compileRegex, type SafeRegex } from '../safe-regex.js';

/** A split rule (see the experiment schema: subsets, seeded fractions/counts, prefix cuts, minLength). */
export type SplitRule = Parameters<typeof splitTraces>[1];

/** One dataset of an evaluation unit: registered by name, or inline (bring your own data). */
export interface DatasetPart {
  name: string;
  split: SplitRule;
  mapNames: 'none' | 'sunos-to-linux';
  inline?: InlineDataset;
}

/** An evaluation unit: a main dataset, optionally mixed with others (one database from many programs). */
export interface DatasetInput extends DatasetPart {
  /** Label in result tables (default: the name). */
  as?: string;
  with: DatasetPart[];
}

export interface DatasetSummary {
  name: string;
  label: string;
  manifest: string;
  /** sha256 over the manifest's sorted (path, sha256) list (inline data: over its files): identifies the exact data. */
  checksum: string;
  files: number;
  warnings: string[];
  alphabet: number;
  trainTraces: number;
  trainCalls: number;
  calibrateTraces: number;
  testNormalTraces: number;
  testNormalCalls: number;
  attackTraces: number;
  attackCalls: number;
  droppedShort: { normal: number; attack: number };
  /** Explicit file-list splits used (bare name, sha256 of the file, normal traces it leaves out). */
  splitFiles?: { dataset: string; name: string; sha256: string; unlisted: number }[];
}

export interface PreparedDataset {
  summary: DatasetSummary;
  alphabet: Alphabet;
  train: Trace[];
  calibrate: Trace[];
  testNormal: Trace[];
  attack: Trace[];
  /** Run-level warnings (print once): checksum mismatches, test calls outside the training vocabulary. */
  notes: string[];
}

export interface PrepareOptions {
  dataDir: string;
  /** Refuse registered data that fails its manifest checksums (default: warn). */
  strict?: boolean;
  /** Skip the checksum check (benchmarks that time loading). */
  verify?: boolean;
  /**
   * --lenient: malformed trace lines (and trailing bytes after gzip data) are skipped and counted in the
   * dataset's warnings instead of stopping the run at the first (default: strict).
   */
  lenient?: boolean;
}

export function manifestChecksum(files: Record<string, string>): string {
  const h = createHash('sha256');
  for (const p of Object.keys(files).sort()) h.update(`${files[p]}  ${p}\n`);
  return h.digest('hex');
}

/** A syscall table whose names are rewritten by a mapping (e.g. SunOS names to their Linux names). */
export function mapTable(table: SyscallTable, mapping: Readonly<Record<string, string>>, tag: string): SyscallTable {
  return { id: `${table.id}|${tag}`, name: (n) => { const x = table.name(n); return mapping[x] ?? x; } };
}

function sumCalls(ts: readonly { calls: { length: number } }[]): number {
  let n = 0;
  for (const t of ts) n += t.calls.length;
  return n;
}

/** Checks registered data against its manifest's sha256 list: a note, or an InputError when strict. */
export function checkManifest(m: Manifest, dataDir: string, strict: boolean): string | undefined {
  if (Object.keys(m.files).length === 0) return undefined;
  const r = verifyDataset(m, dataDir);
  if (r.ok) return undefined;
  const problems = describeProblems(r, 3).join('; ');
  const what = `dataset ${m.name}: ${r.missing.length + r.mismatched.length} of ${r.checked} files fail the manifest checksums (${problems})`;
  if (strict) throw new InputError(what, { file: r.root, expected: 'the data the manifest lists (`stidebench datasets verify`; fetch it again)' });
  return `${what}; results may not match the published data (--strict refuses)`;
}

interface LoadedPart {
  name: string;
  manifest: string;
  checksum: string;
  files: number;
  warnings: string[];
  split: ReturnType<typeof splitTraces<RawTrace>>;
  note?: string;
  splitFile?: { dataset: string; name: string; sha256: string; unlisted: number };
}

/** Reads and splits one dataset (the main one of a unit, or one it is mixed `with`). */
async function loadPart(part: DatasetPart, opts: PrepareOptions): Promise<LoadedPart> {
  let traces: RawTrace[];
  let subsetSrc: Record<string, string>;
  let info: Pick<LoadedPart, 'manifest' | 'checksum' | 'files' | 'warnings' | 'note'>;
  if (part.inline !== undefined) {
    const r = readInlineDataset(part.name, part.inline, { lenient: opts.lenient });
    traces = r.traces;
    subsetSrc = part.inline.subsets;
    info = { manifest: '(inline)', checksum: r.checksum, files: r.files, warnings: r.warnings.map((w) => w.split(r.root + sep).join('')) };
  } else {
    const manifest = getDataset(part.name);
    subsetSrc = manifest.subsets ?? {};
    checkSubsets(part, subsetSrc);
    const note = opts.verify === false ? undefined : checkManifest(manifest, opts.dataDir, opts.strict ?? false);
    // Inflate on the thread pool while this thread parses (same traces, order and errors as loadDataset).
    const loaded = await loadDatasetAsync(manifest, opts.dataDir, { lenient: opts.lenient });
    traces = loaded.traces;
    info = {
      manifest: `datasets/${manifest.name}/manifest.json`,
      checksum: manifestChecksum(manifest.files ?? {}),
      files: loaded.files,
      // Paths relative to the data directory, so summaries do not depend on where the data lives.
      warnings: loaded.warnings.map((w) => w.split(opts.dataDir + sep).join('')),
      note,
    };
  }
  const subsets: Record<string, SafeRegex> = {};
  for (const [name, re] of Object.entries(subsetSrc)) subsets[name] = compileRegex(re);
  if (part.inline !== undefined) checkSubsets(part, subsetSrc);
  if (part.mapNames === 'sunos-to-linux') traces = traces.map((t) => ({ ...t, table: mapTable(t.table, sunosToLinux, 'sunos-to-linux') }));
  const list = part.split.files !== undefined ? readSplitFile(part.split.files, opts.dataDir) : undefined;
  const split = splitTraces<RawTrace>(traces, part.split, subsets, list);
  const splitFile = list ? { dataset: part.name, name: part.split.files!, sha256: list.sha256, unlisted: split.unlisted ?? 0 } : undefined;
  return { name: part.name, ...info, split, ...(splitFile ? { splitFile } : {}) };
}

function checkSubsets(part: DatasetPart, subsets: Record<string, string>): void {
  const s = part.split;
  for (const sel of [s.train, s.calibrate, s.test, s.attack]) {
    if (sel?.subset !== undefined && subsets[sel.subset] === undefined) {
      throw new InputError(`dataset ${part.name} has no subset "${sel.subset}"`, { expected: `one of ${Object.keys(subsets).sort().join(', ') || '(none)'}` });
    }
  }
}

/** Reads, splits, mixes and encodes one evaluation unit for the given detectors. */
export async function prepareDataset(entry: DatasetInput, specs: readonly Pick<DetectorSpec, 'resetOn'>[], opts: PrepareOptions): Promise<PreparedDataset> {
  const parts: LoadedPart[] = [];
  for (const part of [entry, ...entry.with]) parts.push(await loadPart(part, opts));
  const main = parts[0]!;
  const split = {
    train: parts.flatMap((p) => p.split.train),
    calibrate: parts.flatMap((p) => p.split.calibrate),
    testNormal: parts.flatMap((p) => p.split.testNormal),
    attack: parts.flatMap((p) => p.split.attack),
  };
  const droppedShort = { normal: parts.reduce((n, p) => n + p.split.droppedShort.normal, 0), attack: parts.reduce((n, p) => n + p.split.droppedShort.attack, 0) };
  if (split.train.length === 0) {
    throw new InputError(`dataset ${entry.as ?? entry.name}: the split leaves no training traces`, { expected: 'a split with training traces (file lists: training lines, or split.train for unlisted files)' });
  }
  const { alphabet, sets, foreign } = encodeSets(split, specs);
  const label = entry.as ?? entry.name;
  const notes = parts.flatMap((p) => (p.note !== undefined ? [p.note] : []));
  if (foreign.traces > 0) {
    notes.push(`${label}: ${foreign.traces} test traces hold ${foreign.calls} calls never seen in training (encoded as one <unknown> call; every window holding one mismatches)`);
  }
  const summary: DatasetSummary = {
    name: entry.name,
    label,
    manifest: main.manifest,
    checksum: parts.length === 1 ? main.checksum : manifestChecksum(Object.fromEntries(parts.map((p) => [p.name, p.checksum]))),
    files: parts.reduce((n, p) => n + p.files, 0),
    warnings: parts.flatMap((p) => p.warnings.map((w) => (p.name === entry.name ? w : `${p.name}: ${w}`))),
    alphabet: alphabet.size,
    trainTraces: sets.train.length,
    trainCalls: sumCalls(sets.train),
    calibrateTraces: sets.calibrate.length,
    testNormalTraces: sets.testNormal.length,
    testNormalCalls: sumCalls(sets.testNormal),
    attackTraces: sets.attack.length,
    attackCalls: sumCalls(sets.attack),
    droppedShort,
    ...(parts.some((p) => p.splitFile) ? { splitFiles: parts.flatMap((p) => (p.splitFile ? [p.splitFile] : [])) } : {}),
  };
  return { summary, alphabet, train: sets.train, calibrate: sets.calibrate, testNormal: sets.testNormal, attack: sets.attack, notes };
}
