// Owns the on-disk model format (`stidebench train -o MODEL`, `stidebench watch --model MODEL`): a
// versioned, compact, checksummed binary file, written atomically (temp file + rename), for every
// detector kind whose registry entry has save/load (src/detectors/registry.ts).
//
// Layout (all integers little endian):
//   bytes 0..7    magic "STIDEBM1"
//   bytes 8..11   uint32 format version (MODEL_FORMAT_VERSION)
//   bytes 12..15  uint32 header length H
//   H bytes       JSON header (UTF-8), space-padded so the payload starts at a multiple of 8
//   payload       the detector's typed arrays in header order, each padded to a multiple of 8 bytes
//   32 bytes      sha256 of every byte before it
// The header holds the detector kind, scope, k, resetOn, params, the alphabet (canonical names in
// dense-id order), the detector's own JSON state, the list of arrays ({type, length}) and the training
// configuration (data paths, counts). Version 2: any registered kind (version 1 held stide/xenids
// window sets only; such files are refused with "retrain").

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { resolve } from 'node:path';
import { getDetector, loadDetector, onlineKinds, resolveSpec, saveDetector, trainModel } from '../detectors/registry.js';
import type { DbScope, DetectorConfig, Model, SavedArray } from '../detectors/types.js';
import { InputError } from '../errors.js';
import { preparePaths, type InputFormat } from '../prepare/index.js';
import { Alphabet } from '../traces/alphabet.js';
import { ArraySyscallTable } from '../traces/syscalls/array-table.js';
import type { Label, SyscallTable } from '../traces/trace.js';
import { writeFileAtomic } from './record.js';

export const MODEL_MAGIC = 'STIDEBM1';
export const MODEL_FORMAT_VERSION = 2;
const PREFIX = 16;
const SUM = 32;

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

/** A model as saved and loaded: the detector config and params, its frozen alphabet and the trained model. */
export interface SavedModel {
  config: DetectorConfig;
  /** The params the model was trained with, as given (schema defaults are applied on load). */
  params: Record<string, unknown>;
  alphabet: Alphabet;
  /** The trained detector (score traces encoded with `alphabet`; onlineForm(detector) for watch). */
  detector: Model;
  training: TrainingInfo;
}

type ArrayType = 'i32' | 'f64' | 'u8' | 'u32';

interface Header {
  detector: string;
  scope: DbScope;
  k: number;
  resetOn: string[];
  params: Record<string, unknown>;
  alphabet: string[];
  state: unknown;
  arrays: { type: ArrayType; length: number }[];
  training: TrainingInfo;
}

const ARRAY_TYPES: Record<ArrayType, { bytes: number; make: (n: number) => SavedArray }> = {
  i32: { bytes: 4, make: (n) => new Int32Array(n) },
  f64: { bytes: 8, make: (n) => new Float64Array(n) },
  u8: { bytes: 1, make: (n) => new Uint8Array(n) },
  u32: { bytes: 4, make: (n) => new Uint32Array(n) },
};

function arrayType(a: SavedArray): ArrayType {
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Uint32Array) return 'u32';
  return 'u8';
}

const LE = endianness() === 'LE';

/** Little-endian bytes of a typed array. */
function leBytes(a: SavedArray): Uint8Array {
  if (LE || a instanceof Uint8Array) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) {
    if (a instanceof Int32Array) dv.setInt32(i * 4, a[i]!, true);
    else if (a instanceof Uint32Array) dv.setUint32(i * 4, a[i]!, true);
    else dv.setFloat64(i * 8, a[i]!, true);
  }
  return out;
}

function pad8(n: number): number {
  return (8 - (n % 8)) % 8;
}

/** Serialises a model to bytes (exported for tests; saveModel writes these bytes atomically). */
export function encodeModel(model: SavedModel): Buffer {
  const parts = saveDetector(model.detector);
  const header: Header = {
    detector: model.config.kind,
    scope: model.config.scope,
    k: model.config.k,
    resetOn: [...model.config.resetOn],
    params: model.params,
    alphabet: [...model.alphabet.allNames()],
    state: parts.state,
    arrays: parts.arrays.map((a) => ({ type: arrayType(a), length: a.length })),
    training: model.training,
  };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = pad8(PREFIX + json.length);
  if (pad > 0) json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);

  const prefix = Buffer.alloc(PREFIX);
  prefix.write(MODEL_MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(json.length, 12);
  const chunks: Uint8Array[] = [prefix, json];
  for (const a of parts.arrays) {
    chunks.push(leBytes(a));
    const p = pad8(a.byteLength);
    if (p > 0) chunks.push(new Uint8Array(p));
  }
  const body = Buffer.concat(chunks);
  const sum = createHash('sha256').update(body).digest();
  return Buffer.concat([body, sum]);
}

export function saveModel(path: string, model: SavedModel): void {
  const bytes = encodeModel(model); // before touching the file: a model that cannot be saved writes nothing
  try {
    writeFileAtomic(resolve(path), bytes);
  } catch (e) {
    throw new InputError(`cannot write model: ${(e as Error).message}`, { file: path });
  }
}

function payloadBytes(h: Header): number {
  let n = 0;
  for (const a of h.arrays) {
    const b = a.length * ARRAY_TYPES[a.type].bytes;
    n += b + pad8(b);
  }
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
  if (typeof h.detector !== 'string') return false;
  if (h.scope !== 'shared' && h.scope !== 'per-program') return false;
  if (!Number.isInteger(h.k) || h.k < 1) return false;
  if (!Array.isArray(h.resetOn) || !h.resetOn.every((s) => typeof s === 'string')) return false;
  if (!Array.isArray(h.alphabet) || !h.alphabet.every((s) => typeof s === 'string')) return false;
  if (typeof h.params !== 'object' || h.params === null || Array.isArray(h.params)) return false;
  if (!Array.isArray(h.arrays)) return false;
  for (const a of h.arrays) {
    if (typeof a !== 'object' || a === null || !Object.hasOwn(ARRAY_TYPES, a.type)) return false;
    if (!Number.isInteger(a.length) || a.length < 0) return false;
  }
  return typeof h.training === 'object' && h.training !== null;
}

function readArray(buf: Buffer, off: number, type: ArrayType, n: number): SavedArray {
  const t = ARRAY_TYPES[type];
  const out = t.make(n);
  const bytes = n * t.bytes;
  if (LE || type === 'u8') new Uint8Array(out.buffer).set(buf.subarray(off, off + bytes));
  else {
    for (let i = 0; i < n; i++) {
      if (type === 'i32') out[i] = buf.readInt32LE(off + i * 4);
      else if (type === 'u32') out[i] = buf.readUInt32LE(off + i * 4);
      else out[i] = buf.readDoubleLE(off + i * 8);
    }
  }
  return out;
}

/** Parses model bytes; `file` names the source in errors. */
export function decodeModel(buf: Buffer, file: string): SavedModel {
  const size = buf.length;
  if (size < 8 || buf.subarray(0, 8).toString('latin1') !== MODEL_MAGIC) {
    if (size < 8 && Buffer.from(MODEL_MAGIC, 'latin1').subarray(0, size).equals(buf)) {
      throw new InputError(`truncated model file (${size} bytes)`, { file, expected: `a stidebench model (magic "${MODEL_MAGIC}", header, arrays, sha256)` });
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
    throw new InputError('invalid model header', { file, expected: `a version ${MODEL_FORMAT_VERSION} header (detector, scope, k, params, alphabet, arrays)` });
  }

  const alphabet = Alphabet.fromNames(header.alphabet);
  if (alphabet.size !== header.alphabet.length) {
    throw new InputError('invalid model header: duplicate names in the alphabet', { file });
  }
  alphabet.freeze();
  const arrays: SavedArray[] = [];
  let off = PREFIX + hlen;
  for (const a of header.arrays) {
    arrays.push(readArray(buf, off, a.type, a.length));
    const b = a.length * ARRAY_TYPES[a.type].bytes;
    off += b + pad8(b);
  }
  const config: DetectorConfig = { kind: header.detector, scope: header.scope, k: header.k, resetOn: header.resetOn };
  let detector: Model;
  try {
    detector = loadDetector({ state: header.state, arrays }, config, header.params, alphabet.size);
  } catch (e) {
    if (e instanceof InputError) throw new InputError(`invalid model: ${e.message}`, { file });
    throw new InputError(`invalid model: ${(e as Error).message}`, { file });
  }
  return { config, params: header.params, alphabet, detector, training: header.training };
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
// Training from files (`stidebench train`), through the one preparation pipeline (src/prepare).

export interface TrainFromFilesOptions {
  /** Files and folders (folders are walked recursively; recordings' `.meta.json` sidecars give labels). */
  data: string[];
  format?: InputFormat;
  /** A registered kind with save/load and an online form (default xenids). */
  detector?: string;
  scope?: DbScope;
  k?: number;
  /** Detector params (schema defaults apply). */
  params?: Record<string, unknown>;
  /** Label of files without a sidecar (default: a normal/attack folder on the path, else normal). */
  label?: Label;
  /** Program of files without a sidecar (default: 'unknown'). */
  program?: string;
  /** Numbering for numeric formats (see ReadOptions.table). */
  table?: SyscallTable;
  /** Kinds that reset (xenids): calls that clear a process's buffer (default: the kind's list). */
  resetOn?: readonly string[];
}

export interface TrainFromFilesResult {
  model: SavedModel;
  warnings: string[];
}

/** Reads every normal trace under the given paths and trains a model of any kind that can be saved and watched. */
export function trainFromFiles(opts: TrainFromFilesOptions): TrainFromFilesResult {
  const kind = opts.detector ?? 'xenids';
  const k = opts.k ?? 6;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`bad window length k=${k}`, { expected: 'a positive integer' });
  if (!onlineKinds().includes(kind)) {
    getDetector(kind);
    throw new InputError(`detector ${kind} cannot be saved and watched`, { expected: `one of ${onlineKinds().join('|')}` });
  }
  if (opts.data.length === 0) throw new InputError('no training data', { expected: '--data PATH... (trace files or folders)' });
  const spec = resolveSpec({ kind, scope: opts.scope, params: opts.params, ...(opts.resetOn !== undefined ? { resetOn: opts.resetOn } : {}) });
  const data = preparePaths({
    train: opts.data,
    format: opts.format,
    program: opts.program,
    table: opts.table,
    specs: [spec],
    sharedHint: '--scope shared',
    trainLabel: opts.label,
  });
  const detector = trainModel(spec, data.train, k);
  const perProgram: Record<string, number> = {};
  let calls = 0;
  for (const t of data.train) {
    perProgram[t.program] = (perProgram[t.program] ?? 0) + 1;
    calls += t.calls.length;
  }
  let inputTable: TrainingInfo['inputTable'] = null;
  if (data.trainTables.length === 1) {
    const t = data.trainTables[0]!;
    if (t instanceof ArraySyscallTable) inputTable = { id: t.id, names: t.names.map((n) => n ?? null) };
  }
  const training: TrainingInfo = {
    data: [...opts.data],
    format: opts.format ?? 'auto',
    files: data.trainFiles,
    skippedFiles: data.skippedFiles,
    traces: data.train.length,
    calls,
    tracesPerProgram: perProgram,
    createdAt: new Date().toISOString(),
    inputTable,
  };
  return { model: { config: detector.config, params: { ...(spec.params ?? {}) }, alphabet: data.alphabet, detector, training }, warnings: data.warnings };
}
