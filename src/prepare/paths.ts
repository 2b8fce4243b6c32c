// Owns preparing files and folders given on the command line (`detect`, `train`): training paths read
// as training data (only normal traces), test paths as test data (unlabelled traces are 'unknown'), one
// checked vocabulary, one frozen alphabet with the detectors' reset names, and the run-level warnings.

import { InputError } from '../errors.js';
import type { DetectorSpec } from '../detectors/types.js';
import type { Alphabet } from '../traces/alphabet.js';
import type { Label, SyscallTable, Trace } from '../traces/trace.js';
import { encodeSets } from './encode.js';
import { readPaths, type InputFormat } from './files.js';
import { perProgramWarning } from './warnings.js';

export interface PreparePathsOptions {
  train: readonly string[];
  test?: readonly string[];
  format?: InputFormat;
  /** Label of training files without a sidecar (before the folder-name rule; default normal): only normal ones train. */
  trainLabel?: Label;
  /** Label of test files without a sidecar (before the folder-name rule; default unknown). */
  testLabel?: Label;
  /** Program of files without a sidecar (default 'unknown'). */
  program?: string;
  table?: SyscallTable;
  specs: readonly DetectorSpec[];
  /** How the user chooses shared scope, for the per-program warning (e.g. "--scope shared"). */
  sharedHint: string;
}

export interface PathsPrepared {
  alphabet: Alphabet;
  train: Trace[];
  test: Trace[];
  /** Reader findings and run-level warnings, each once. */
  warnings: string[];
  /** Files read for training, files skipped (not labelled normal), test files read. */
  trainFiles: number;
  skippedFiles: number;
  testFiles: number;
  /** The distinct syscall tables the training traces were read with. */
  trainTables: SyscallTable[];
}

export function preparePaths(o: PreparePathsOptions): PathsPrepared {
  const train = readPaths({ paths: o.train, role: 'train', format: o.format, label: o.trainLabel, program: o.program, table: o.table });
  if (train.traces.length === 0) {
    throw new InputError(`no normal training traces found in ${o.train.join(', ')} (${train.files} files read, ${train.skippedFiles} files not labelled normal skipped)`, {
      expected: 'trace files labelled normal (by a sidecar, a "normal" folder, or none at all)',
    });
  }
  const test = readPaths({ paths: o.test ?? [], role: 'test', format: o.format, label: o.testLabel, program: o.program, table: o.table });
  const { alphabet, sets, foreign } = encodeSets({ train: train.traces, test: test.traces }, o.specs);
  const warnings = [...train.warnings, ...test.warnings];
  if (train.skippedFiles > 0) warnings.push(`${train.skippedFiles} training files are not labelled normal (sidecar or attack/ folder) and were skipped`);
  const scope = perProgramWarning(o.specs, sets.train, sets.test, o.sharedHint);
  if (scope !== undefined) warnings.push(scope);
  if (foreign.traces > 0) warnings.push(`${foreign.traces} test traces hold ${foreign.calls} calls never seen in training (outside the training vocabulary: every window holding one mismatches)`);
  const tables = new Map<string, SyscallTable>();
  for (const t of train.traces) tables.set(t.table.id, t.table);
  return {
    alphabet,
    train: sets.train,
    test: sets.test,
    warnings,
    trainFiles: train.files,
    skippedFiles: train.skippedFiles,
    testFiles: test.files,
    trainTables: [...tables.values()],
  };
}
