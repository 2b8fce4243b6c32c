// Owns turning files and folders given by a user (`detect --train/--test`, `train --data`, inline
// datasets) into labelled raw traces, with ONE labelling rule for every command:
//   label:   the recording's FILE.meta.json sidecar, else the caller's label (--label / --test-label),
//            else a normal/attack/abnormal/intrusion folder on the path, else the role's default
//            (training: normal; test: unknown, scored but counted in no detection rate);
//   program: sidecar, else the caller's program (--program), else 'unknown';
//   only normal traces train: other files given for training are skipped and counted.
// bpftrace recordings (sidecar backend "bpftrace") are "tid number" lines in Linux x86_64 numbering.

import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { InputError } from '../errors.js';
import { labelFromPath, listFiles, readSidecar } from '../traces/paths.js';
import { readTraceFile, type FileMeta, type TraceFormat } from '../traces/readers/index.js';
import { linuxX86_64 } from '../traces/syscalls/linux-x86_64.js';
import type { Label, RawTrace, SyscallTable } from '../traces/trace.js';

export const INPUT_FORMATS = ['auto', 'unm', 'adfa', 'strace', 'csv'] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];

export interface PathsInput {
  /** Files and folders (folders are walked recursively in sorted order). */
  paths: readonly string[];
  /** 'train': only normal traces are kept (others skipped and counted); 'test': every trace. */
  role: 'train' | 'test';
  format?: InputFormat;
  /** Label of files without a sidecar (before the folder-name rule). */
  label?: Label;
  /** Program of files without a sidecar (default 'unknown'). */
  program?: string;
  /** Numbering for numeric formats (UNM, ADFA-LD, strace -n); see ReadOptions.table. */
  table?: SyscallTable;
  /** `dataset` field of the traces (default 'adhoc'). */
  dataset?: string;
}

export interface LabelledTraces {
  traces: RawTrace[];
  /** Reader findings (empty files ...), each naming its file. */
  warnings: string[];
  /** Files read. */
  files: number;
  /** Files given for training but not labelled normal (skipped). */
  skippedFiles: number;
}

function sidecarBackend(file: string): string | undefined {
  try {
    const v = JSON.parse(readFileSync(`${file}.meta.json`, 'utf8')) as { backend?: unknown };
    return typeof v.backend === 'string' ? v.backend : undefined;
  } catch {
    return undefined;
  }
}

/** Reads every trace file under the given paths with the one labelling rule. */
export function readPaths(input: PathsInput): LabelledTraces {
  const format = input.format ?? 'auto';
  if (!(INPUT_FORMATS as readonly string[]).includes(format)) throw new InputError(`unknown format ${format}`, { expected: INPUT_FORMATS.join('|') });
  const out: LabelledTraces = { traces: [], warnings: [], files: 0, skippedFiles: 0 };
  for (const p of input.paths) {
    for (const file of listFiles(p)) {
      const side = readSidecar(file);
      const label = side?.label ?? input.label ?? labelFromPath(file) ?? (input.role === 'train' ? 'normal' : 'unknown');
      if (input.role === 'train' && label !== 'normal') {
        out.skippedFiles++;
        continue;
      }
      const meta: FileMeta = {
        dataset: input.dataset ?? 'adhoc',
        source: file,
        label,
        program: side?.program ?? input.program ?? 'unknown',
        family: label === 'attack' ? (side?.family ?? null) : null,
        intrusion: label === 'attack' ? file : null,
      };
      const bpf = input.table === undefined && sidecarBackend(file) === 'bpftrace';
      const table = input.table ?? (bpf ? linuxX86_64 : undefined);
      const fmt: TraceFormat | 'auto' = bpf && format === 'auto' ? 'unm' : format;
      const r = readTraceFile(fmt, resolve(file), meta, table ? { table } : {});
      out.files++;
      for (const t of r.traces) out.traces.push(t);
      for (const w of r.warnings) out.warnings.push(w);
    }
  }
  return out;
}
