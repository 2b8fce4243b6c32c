// Owns the trace model: one process's system-call sequence plus the metadata that lets every result row
// be traced back to its data. Syscall ids are dense per-alphabet integers held in the narrowest typed
// array the alphabet allows (CallArray: Uint8Array up to 256 ids, Uint16Array up to 65,536, else Int32Array).

import type { Alphabet } from './alphabet.js';

/** 'unknown': a test trace nobody labelled (`detect` scores it; it counts in no detection rate). */
export type Label = 'normal' | 'attack' | 'unknown';

export interface TraceMeta {
  /** Dataset name from the registry, or 'adhoc' for paths given on the command line. */
  dataset: string;
  /** Source file as given (relative to the dataset root for registry datasets). */
  source: string;
  /** Process id inside the source, null when the format has none (ADFA-LD, strace without -f). */
  pid: number | null;
  label: Label;
  /** Program the process ran, e.g. 'lpr', 'sendmail'; 'unknown' when nobody knows. */
  program: string;
  /** Attack family (ADFA folder without _N, UNM intrusion name); null for normal traces. */
  family: string | null;
  /** Groups traces that form one intrusion (UNM: one attack file; ADFA: one attack folder). */
  intrusion: string | null;
  /** Host / VM the process ran on (the paper's VM id); null when unknown. */
  host?: string | null;
  /**
   * Time-stamped recordings (LID-DS): the exploit time and this trace's first call at or after it; null for
   * a recording without an exploit (every alarm in it is false). Absent for other datasets.
   */
  exploit?: { time: number; call: number } | null;
}

/**
 * A raw trace as a reader produces it: syscall numbers in the format's own numbering (or ids into a
 * names list for formats that print names), plus the table that turns them into canonical names.
 */
export interface RawTrace extends TraceMeta {
  calls: Int32Array;
  /** Maps a raw number to its canonical syscall name. */
  table: SyscallTable;
}

/** Dense syscall ids: 1 byte per call when the alphabet has at most 256 ids, 2 up to 65,536, else 4. */
export type CallArray = Uint8Array | Uint16Array | Int32Array;

/** The ids in the narrowest array an alphabet of `size` ids allows (the same array when it is already that type). */
export function narrowCalls(calls: CallArray, size: number): CallArray {
  if (size <= 0x100) return calls instanceof Uint8Array ? calls : Uint8Array.from(calls);
  if (size <= 0x10000) return calls instanceof Uint16Array ? calls : Uint16Array.from(calls);
  return calls instanceof Int32Array ? calls : Int32Array.from(calls);
}

/** A trace encoded in a shared dense alphabet: the unit that detectors consume. */
export interface Trace extends TraceMeta {
  calls: CallArray;
  alphabet: Alphabet;
}

/**
 * A numbering of system calls. `name(n)` gives the canonical name of raw number n. Tables that know
 * every name (Linux i386, UNM calls.txt files, strace names) are exact; for numbers missing from a
 * table the canonical name is `<table.id>#<n>`, so unmapped numbers still never collide across tables.
 */
export interface SyscallTable {
  readonly id: string;
  name(n: number): string;
}

/** Stable human-readable id of a trace: source plus pid. */
export function traceId(t: TraceMeta): string {
  return t.pid === null ? t.source : `${t.source}#${t.pid}`;
}
