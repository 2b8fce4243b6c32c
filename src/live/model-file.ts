// Owns the on-disk model format (`stidebench train -o MODEL`, `stidebench watch --model MODEL`): a
// versioned, compact, checksummed binary file, written atomically (temp file + rename).
//
// Layout (all integers little endian):
//   bytes 0..7    magic "STIDEBM1"
//   bytes 8..11   uint32 format version (MODEL_FORMAT_VERSION)
//   bytes 12..15  uint32 header length H
//   H bytes       JSON header (UTF-8), space-padded so the payload starts at a multiple of 8
//   payload       for each database, in header order: n*k int32 windows, then n float64 counts
//   32 bytes      sha256 of every byte before it
// The header holds the detector kind, scope, k, resetOn, the alphabet (canonical names in dense-id
// order), one {program, windows} per database and the training configuration (data paths, counts).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { resolve } from 'node:path';
import { StideModel, trainStide } from '../detectors/stide.js';
import type { DbScope, DetectorConfig } from '../detectors/types.js';
import { WindowSet } from '../detectors/window-set.js';
import { DEFAULT_RESET_ON, XenidsModel, trainXenids } from '../detectors/xenids.js';
import { InputError } from '../errors.js';
import { Alphabet } from '../traces/alphabet.js';
import { defaultProgram, labelFromPath, listFiles, readSidecar } from '../traces/paths.js';
import { readTraceFile, type FileMeta, type TraceFormat } from '../traces/readers/index.js';
import { ArraySyscallTable } from '../traces/syscalls/array-table.js';
import { linuxX86_64 } from '../traces/syscalls/linux-x86_64.js';
import type { Label, SyscallTable, Trace } from '../traces/trace.js';
import { writeFileAtomic } from './record.js';

export const MODEL_MAGIC = 'STIDEBM1';
export const MODEL_FORMAT_VERSION = 1;
const PREFIX = 16;
const SUM = 32;

export type DetectorKind = 'stide' | 'xenids';

/** How a model was trained: enough to reproduce it and to explain it in reports. */
export interface TrainingInfo {
  /** --data paths as given. */
  data: string[];
  format: string;
  /** Files read, files skipped because their label was not normal. */
  files: number;
  skippedFiles: number;
  /** Traces (processes) that trained, and their calls. */
  traces: number;
  calls: number;
  /** Traces per program. */
  tracesPerProgram: Record<string, number>;
  createdAt: string;
  /** Numbering of raw numbers for numeric inputs (UNM / bpftrace lines), when training used exactly one. */
  inputTable?: { id: string; names: (string | null)[] } | null;
}

/** A model as saved and loaded: the detector config, its frozen alphabet and its databases. */
export interface SavedModel {
  config: DetectorConfig;
  alphabet: Alphabet;
  /** Program -> database, or '*' -> the shared database. */
  dbs: Map<string, WindowSet>;
  training: TrainingInfo;
}

interface Header {
  detector: DetectorKind;
  scope: DbScope;
  k: number;
  resetOn: string[];
  alphabet: string[];
  databases: { program: string; windows: number }[];
  training: TrainingInfo;
}

/** The detector object for a saved model (for batch scoring with the experiment code). */
export function toDetectorModel(m: SavedModel): StideModel | XenidsModel {
  if (m.config.kind === 'xenids') return new XenidsModel(m.config, m.dbs.get('*')!);
  return new StideModel(m.config, m.dbs);
}

const LE = endianness() === 'LE';

function int32Bytes(a: Int32Array): Uint8Array {
  if (LE) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 4);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setInt32(i * 4, a[i]!, true);
  return out;
}

function float64Bytes(a: Float64Array): Uint8Array {
  if (LE) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.length * 8);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat64(i * 8, a[i]!, true);
  return out;
}

/** Serialises a model to bytes (exported for tests; saveModel writes these bytes atomically). */
export function encodeModel(model: SavedModel): Buffer {
  const kind = model.config.kind;
  if (kind !== 'stide' && kind !== 'xenids') throw new RangeError(`cannot save a ${kind} model`);
  const k = model.config.k;
  const exports: { program: string; windows: Int32Array; counts: Float64Array }[] = [];
  for (const [program, db] of model.dbs) {
    if (db.k !== k) throw new RangeError(`database ${program} has k=${db.k}, model has k=${k}`);
    const e = db.export();
    exports.push({ program, windows: e.windows, counts: e.counts });
  }
  const header: Header = {
    detector: kind,
    scope: model.config.scope,
    k,
    resetOn: [...model.config.resetOn],
    alphabet: [...model.alphabet.allNames()],
    databases: exports.map((e) => ({ program: e.program, windows: e.counts.length })),
    training: model.training,
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((PREFIX + json.length) % 8)) % 8;
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);

  const prefix = Buffer.alloc(PREFIX);
  prefix.write(MODEL_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  const parts: Uint8Array[] = [prefix, json];
  for (const e of exports) {
    parts.push(int32Bytes(e.windows), float64Bytes(e.counts));
  }
  const body = Buffer.concat(parts);
  const sum = createHash('sha256').update(body).digest();
  return Buffer.concat([body, sum]);
}

export function saveModel(path: string, model: SavedModel): void {
  try {
    writeFileAtomic(resolve(path), encodeModel(model));
  } catch (e) {
    if (e instanceof InputError || e instanceof RangeError) throw e;
    throw new InputError(`cannot write model: ${(e as Error).message}`, { file: path });
  }
}

function payloadBytes(h: Header): number {
  let n = 0;
  for (const d of h.databases) n += d.windows * h.k * 4 + d.windows * 8;
  return n;
}

function parseHeader(buf: Buffer, hlen: number): Header | undefined {
  try {
    return JSON.parse(buf.subarray(PREFIX, PREFIX + hlen).toString('utf8')) as Header;
  } catch {
    return undefined;
  }
}

function validHeader(h: Header | undefined): h is Header {
  if (h === undefined || typeof h !== 'object' || h === null) return false;
  if (h.detector !== 'stide' && h.detector !== 'xenids') return false;
  if (h.scope !== 'shared' && h.scope !== 'per-program') return false;
  if (!Number.isInteger(h.k) || h.k < 1) return false;
  if (!Array.isArray(h.resetOn) || !h.resetOn.every((s) => typeof s === 'string')) return false;
  if (!Array.isArray(h.alphabet) || !h.alphabet.every((s) => typeof s === 'string')) return false;
  if (!Array.isArray(h.databases)) return false;
  for (const d of h.databases) {
    if (typeof d !== 'object' || d === null || typeof d.program !== 'string') return false;
    if (!Number.isInteger(d.windows) || d.windows < 0) return false;
  }
  return typeof h.training === 'object' && h.training !== null;
}

function readInt32(buf: Buffer, off: number, n: number): Int32Array {
  const out = new Int32Array(n);
  if (LE) new Uint8Array(out.buffer).set(buf.subarray(off, off + n * 4));
  else for (let i = 0; i < n; i++) out[i] = buf.readInt32LE(off + i * 4);
  return out;
}

function readFloat64(buf: Buffer, off: number, n: number): Float64Array {
  const out = new Float64Array(n);
  if (LE) new Uint8Array(out.buffer).set(buf.subarray(off, off + n * 8));
  else for (let i = 0; i < n; i++) out[i] = buf.readDoubleLE(off + i * 8);
  return out;
}

/** Parses model bytes; `file` names the source in errors. */
export function decodeModel(buf: Buffer, file: string): SavedModel {
  const size = buf.length;
  if (size < 8 || buf.subarray(0, 8).toString('latin1') !== MODEL_MAGIC) {
    if (size < 8 && Buffer.from(MODEL_MAGIC, 'latin1').subarray(0, size).equals(buf)) {
      throw new InputError(`truncated model file (${size} bytes)`, { file, expected: `a stidebench model (magic "${MODEL_MAGIC}", header, windows, sha256)` });
    }
    throw new InputError('not a stidebench model file (wrong magic)', {
      file,
      text: buf.subarray(0, 8).toString('latin1'),
      expected: `magic "${MODEL_MAGIC}" (a file written by \`stidebench train\`)`,
    });
  }
  if (size < PREFIX) {
    throw new InputError(`truncated model file (${size} bytes)`, { file, expected: `at least ${PREFIX + SUM} bytes` });
  }
  const version = buf.readUInt32LE(8);
  if (version !== MODEL_FORMAT_VERSION) {
    throw new InputError(`unsupported model format version ${version}`, {
      file,
      expected: `version ${MODEL_FORMAT_VERSION} (retrain the model with this stidebench)`,
    });
  }
  const hlen = buf.readUInt32LE(12);
  const header = PREFIX + hlen <= size ? parseHeader(buf, hlen) : undefined;
  const expectedSize = validHeader(header) ? PREFIX + hlen + payloadBytes(header) + SUM : undefined;
  if (PREFIX + hlen + SUM > size || (expectedSize !== undefined && size < expectedSize)) {
    throw new InputError(`truncated model file (${size} bytes${expectedSize !== undefined ? `, header declares ${expectedSize}` : ''})`, {
      file,
      expected: 'the complete file written by `stidebench train`',
    });
  }
  const body = buf.subarray(0, size - SUM);
  const sum = createHash('sha256').update(body).digest();
  if (!sum.equals(buf.subarray(size - SUM))) {
    throw new InputError('corrupt model file: sha256 checksum mismatch', {
      file,
      expected: 'the bytes written by `stidebench train` (retrain or copy the model again)',
    });
  }
  if (!validHeader(header) || expectedSize !== size) {
    throw new InputError('invalid model header', { file, expected: `a version ${MODEL_FORMAT_VERSION} header (detector, scope, k, alphabet, databases)` });
  }

  const alphabet = Alphabet.fromNames(header.alphabet);
  if (alphabet.size !== header.alphabet.length) {
    throw new InputError('invalid model header: duplicate names in the alphabet', { file });
  }
  alphabet.freeze();
  const dbs = new Map<string, WindowSet>();
  let off = PREFIX + hlen;
  const k = header.k;
  for (const d of header.databases) {
    const windows = readInt32(buf, off, d.windows * k);
    off += d.windows * k * 4;
    const counts = readFloat64(buf, off, d.windows);
    off += d.windows * 8;
    for (let i = 0; i < windows.length; i++) {
      const w = windows[i]!;
      if (w < 0 || w >= alphabet.size) {
        throw new InputError(`invalid model: database ${d.program} holds syscall id ${w} outside the alphabet (size ${alphabet.size})`, { file });
      }
    }
    dbs.set(d.program, WindowSet.fromExport(k, windows, counts));
  }
  const config: DetectorConfig = { kind: header.detector, scope: header.scope, k, resetOn: header.resetOn };
  return { config, alphabet, dbs, training: header.training };
}

export function loadModel(path: string): SavedModel {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError('model file not found', { file: path, expected: 'a file written by `stidebench train -o MODEL`' });
    throw new InputError(`cannot read model: ${(e as Error).message}`, { file: path });
  }
  return decodeModel(buf, path);
}

// ---------------------------------------------------------------------------------------------------
// Training from files (`stidebench train`).

export interface TrainFromFilesOptions {
  /** Files and folders (folders are walked recursively; recordings' `.meta.json` sidecars give labels). */
  data: string[];
  format?: TraceFormat | 'auto';
  detector?: DetectorKind;
  scope?: DbScope;
  k?: number;
  /** Label of files without a sidecar (default: a normal/attack folder on the path, else normal). */
  label?: Label;
  /** Program of files without a sidecar (default: derived from the file name). */
  program?: string;
  /** Numbering for numeric formats (see ReadOptions.table). */
  table?: SyscallTable;
  /** xenids: calls that clear a process's buffer (default DEFAULT_RESET_ON). */
  resetOn?: readonly string[];
}

export interface TrainFromFilesResult {
  model: SavedModel;
  warnings: string[];
}

function sidecarBackend(file: string): string | undefined {
  try {
    const v = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as { backend?: unknown };
    return typeof v.backend === 'string' ? v.backend : undefined;
  } catch {
    return undefined;
  }
}

/** Reads every normal trace under the given paths and trains a stide or xenids model. */
export function trainFromFiles(opts: TrainFromFilesOptions): TrainFromFilesResult {
  const detector = opts.detector ?? 'xenids';
  const k = opts.k ?? 6;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`bad window length k=${k}`, { expected: 'a positive integer' });
  const scope: DbScope = detector === 'xenids' ? 'shared' : (opts.scope ?? 'per-program');
  if (detector === 'xenids' && opts.scope === 'per-program') {
    throw new InputError('the xenids detector always uses one shared database', { expected: '--scope shared (or --detector stide)' });
  }
  if (opts.data.length === 0) throw new InputError('no training data', { expected: '--data PATH... (trace files or folders)' });

  const warnings: string[] = [];
  const alphabet = new Alphabet();
  const traces: Trace[] = [];
  const tables = new Map<string, SyscallTable>();
  const perProgram: Record<string, number> = {};
  let files = 0;
  let skippedFiles = 0;
  let calls = 0;
  for (const p of opts.data) {
    for (const file of listFiles(p)) {
      const side = readSidecar(file);
      const label: Label = side?.label ?? opts.label ?? labelFromPath(file) ?? 'normal';
      if (label !== 'normal') {
        skippedFiles++;
        continue;
      }
      const meta: FileMeta = {
        dataset: 'adhoc',
        source: file,
        label,
        program: side?.program ?? opts.program ?? defaultProgram(file),
        family: null,
        intrusion: null,
      };
      // bpftrace recordings are "tid number" lines in Linux x86_64 numbering.
      const bpf = opts.table === undefined && sidecarBackend(file) === 'bpftrace';
      const table = opts.table ?? (bpf ? linuxX86_64 : undefined);
      const format = bpf && (opts.format ?? 'auto') === 'auto' ? 'unm' : (opts.format ?? 'auto');
      const r = readTraceFile(format, resolve(file), meta, table ? { table } : {});
      warnings.push(...r.warnings);
      files++;
      for (const raw of r.traces) {
        tables.set(raw.table.id, raw.table);
        const t = alphabet.encode(raw);
        traces.push(t);
        calls += t.calls.length;
        perProgram[t.program] = (perProgram[t.program] ?? 0) + 1;
      }
    }
  }
  if (traces.length === 0) {
    throw new InputError(`no normal traces found in ${opts.data.join(', ')} (${files} files read, ${skippedFiles} non-normal files skipped)`, {
      expected: 'trace files labelled normal (by sidecar, --label or a "normal" folder)',
    });
  }

  let config: DetectorConfig;
  let dbs: Map<string, WindowSet>;
  if (opts.resetOn !== undefined && detector !== 'xenids') throw new InputError('--reset-on applies to the xenids detector only', { expected: '--detector xenids' });
  if (detector === 'xenids') {
    const resetOn = opts.resetOn ?? DEFAULT_RESET_ON;
    // Reset calls get ids even when training never saw them, so watch can still reset on them.
    for (const n of resetOn) alphabet.intern(n);
    const m = trainXenids(traces, k, resetOn);
    config = m.config;
    dbs = new Map([['*', m.db]]);
  } else {
    const m = trainStide(traces, k, scope);
    config = m.config;
    dbs = m.dbs;
  }
  alphabet.freeze();

  let inputTable: TrainingInfo['inputTable'] = null;
  if (tables.size === 1) {
    const t = [...tables.values()][0]!;
    if (t instanceof ArraySyscallTable) inputTable = { id: t.id, names: t.names.map((n) => n ?? null) };
  }
  const training: TrainingInfo = {
    data: [...opts.data],
    format: opts.format ?? 'auto',
    files,
    skippedFiles,
    traces: traces.length,
    calls,
    tracesPerProgram: perProgram,
    createdAt: new Date().toISOString(),
    inputTable,
  };
  return { model: { config, alphabet, dbs, training }, warnings };
}
