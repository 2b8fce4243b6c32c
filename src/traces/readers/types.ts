// Owns the contract every trace reader implements. A reader turns one file into raw traces (one per
// process) without allocating an object per system call, and reports problems as InputError.

import type { Label, RawTrace, SyscallTable } from '../trace.js';
import type { LiddsOptions } from './lidds.js';

export type TraceFormat = 'unm' | 'adfa' | 'strace' | 'csv' | 'lidds-2021' | 'lidds-2019';

/** Metadata a caller already knows about a file (from a manifest rule, a sidecar or the command line). */
export interface FileMeta {
  dataset: string;
  /** The path as it should appear in results (relative to the dataset root, or as given by the user). */
  source: string;
  label: Label;
  program: string;
  family: string | null;
  intrusion: string | null;
  host?: string | null;
}

export interface ReadOptions {
  /**
   * Numbering of the raw numbers in the file (UNM calls.txt table, Linux i386 table for ADFA-LD,
   * x86_64 for `strace -n` / bpftrace). Formats that print names (strace without -n) ignore it.
   */
  table?: SyscallTable;
  /** LID-DS formats: which events count and what one trace is (default: enter events, per thread). */
  lidds?: LiddsOptions;
}

export interface ReadResult {
  traces: RawTrace[];
  /** Non-fatal findings, e.g. "empty file". Each names the file. */
  warnings: string[];
}
