// Owns `stidebench detect`: train on given normal traces, score given test traces, print per-trace
// results (a readable table, or one JSON object with --json).

import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { MAX_FRAME, MAX_K, parseIntOption, parseNumberOption } from '../numbers.js';
import { Alphabet } from '../traces/alphabet.js';
import { detectFormat, readTraceFile } from '../traces/readers/index.js';
import { resolveTable } from '../traces/syscalls/index.js';
import { firstBytes, labelFromPath, listFiles, readSidecar } from '../traces/paths.js';
import type { TraceFormat, FileMeta } from '../traces/readers/types.js';
import type { Label, RawTrace, SyscallTable } from '../traces/trace.js';
import { trainModel, namesNeeded, type DetectorSpec } from '../detectors/registry.js';
import { DEFAULT_RESET_ON } from '../detectors/xenids.js';
import { scoreTrace } from './score.js';
import { countThreshold, firstAlarmWindow, alarms, ratioThreshold, type ThresholdPolicy } from './threshold.js';
import { markdownTable, formatPercent } from '../report/tables.js';

interface DetectOptions {
  train: string[];
  test: string[];
  format: string;
  detector: string;
  scope: string;
  k: string;
  frame: string;
  threshold?: string;
  ratio?: string;
  json?: boolean;
  testLabel?: string;
  program?: string;
  syscalls?: string;
}

const FORMATS = ['unm', 'adfa', 'strace', 'csv', 'auto'];

function intOption(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  return parseIntOption(name, v, min, max);
}

export function parsePolicy(threshold: string | undefined, ratio: string | undefined, frame: number): ThresholdPolicy {
  if (threshold !== undefined && ratio !== undefined) throw new InputError('give --threshold or --ratio, not both');
  if (ratio !== undefined) {
    return ratioThreshold(parseNumberOption('--ratio', ratio, 0, 1));
  }
  // A count above the frame could never alarm.
  if (threshold !== undefined) return countThreshold(intOption('--threshold', threshold, 1, frame));
  return countThreshold(Math.min(6, frame));
}

export function readPaths(paths: readonly string[], opts: { format: string; role: 'train' | 'test'; label?: string; program?: string; table?: SyscallTable }): { traces: RawTrace[]; warnings: string[] } {
  if (!FORMATS.includes(opts.format)) throw new InputError(`unknown format ${opts.format}`, { expected: FORMATS.join('|') });
  if (opts.label !== undefined && opts.label !== 'normal' && opts.label !== 'attack') throw new InputError('bad --test-label', { text: opts.label, expected: 'normal or attack' });
  const traces: RawTrace[] = [];
  const warnings: string[] = [];
  for (const p of paths) {
    for (const file of listFiles(p)) {
      const sc = readSidecar(file);
      let label: Label | undefined = opts.role === 'train' ? 'normal' : ((opts.label as Label | undefined) ?? sc?.label ?? labelFromPath(file));
      if (label === undefined) throw new InputError('cannot tell whether this test trace is normal or attack', { file, expected: '--test-label normal|attack, a sidecar FILE.meta.json, or a folder named normal/ or attack/' });
      if (opts.role === 'train' && sc?.label === 'attack') continue; // only normal recordings train
      const format = (opts.format === 'auto' ? detectFormat(file, firstBytes(file)) : opts.format) as TraceFormat;
      const meta: FileMeta = { dataset: 'adhoc', source: file, label, program: opts.program ?? sc?.program ?? 'unknown', family: label === 'attack' ? (sc?.family ?? null) : null, intrusion: label === 'attack' ? file : null };
      const r = readTraceFile(format, file, meta, { table: opts.table });
      // One push per trace: a file of 130,000 pids must not become 130,000 call arguments.
      for (const t of r.traces) traces.push(t);
      for (const w of r.warnings) warnings.push(w);
    }
  }
  return { traces, warnings };
}

export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('train on normal traces and report per-trace mismatches, max LFC and alarms for test traces')
    .requiredOption('--train <paths...>', 'normal training traces (files or folders)')
    .requiredOption('--test <paths...>', 'test traces (files or folders)')
    .option('--format <format>', 'unm|adfa|strace|csv|auto', 'auto')
    .option('--detector <kind>', 'stide|xenids', 'stide')
    .option('--scope <scope>', 'stide database scope: per-program|shared', 'per-program')
    .option('-k <k>', 'window length', '6')
    .option('--frame <n>', 'locality frame (windows)', '20')
    .option('--threshold <n>', 'alarm when LFC >= n (default 6)')
    .option('--ratio <p>', 'alarm when LFC/frame > p (the paper)')
    .option('--test-label <label>', 'label of every test trace: normal|attack (default: sidecar or folder name)')
    .option('--program <name>', 'program name for every trace (per-program scope)')
    .option('--syscalls <table>', 'numbering of raw syscall numbers: linux-i386|linux-x86_64|PATH to a UNM calls.txt file')
    .option('--json', 'print one JSON object')
    .action((opts: DetectOptions) => {
      const k = intOption('-k', opts.k, 1, MAX_K);
      const frame = intOption('--frame', opts.frame, 1, MAX_FRAME);
      const policy = parsePolicy(opts.threshold, opts.ratio, frame);
      if (opts.detector !== 'stide' && opts.detector !== 'xenids') throw new InputError(`unknown detector ${opts.detector}`, { expected: 'stide|xenids' });
      if (opts.scope !== 'per-program' && opts.scope !== 'shared') throw new InputError(`unknown scope ${opts.scope}`, { expected: 'per-program|shared' });
      const spec: DetectorSpec = opts.detector === 'xenids' ? { kind: 'xenids', scope: 'shared', resetOn: DEFAULT_RESET_ON } : { kind: 'stide', scope: opts.scope, resetOn: [] };
      const table = resolveTable(opts.syscalls);
      const train = readPaths(opts.train, { format: opts.format, role: 'train', program: opts.program, table });
      const test = readPaths(opts.test, { format: opts.format, role: 'test', label: opts.testLabel, program: opts.program, table });
      for (const w of [...train.warnings, ...test.warnings]) process.stderr.write(`stidebench: warning: ${w}\n`);
      if (train.traces.length === 0) throw new InputError('no training traces found', { file: opts.train.join(' ') });
      const alphabet = new Alphabet();
      const trainEnc = train.traces.map((t) => alphabet.encode(t));
      for (const n of namesNeeded(spec)) alphabet.intern(n);
      alphabet.freeze();
      const model = trainModel(spec, trainEnc, k);
      const rows = test.traces.map((raw) => {
        const s = scoreTrace(model, alphabet.encode(raw), [frame]);
        const f = s.frames[0]!;
        return {
          source: raw.source,
          pid: raw.pid,
          label: raw.label,
          program: raw.program,
          length: s.length,
          windows: s.windows,
          mismatches: s.mismatches,
          mismatchRate: s.windows > 0 ? s.mismatches / s.windows : null,
          maxLfc: f.maxLfc,
          alarmed: alarms(f, policy),
          firstAlarmWindow: alarms(f, policy) ? firstAlarmWindow(f, policy) : null,
        };
      });
      if (opts.json) {
        process.stdout.write(JSON.stringify({ detector: model.config.kind, scope: model.config.scope, k, frame, threshold: policy, dbSize: model.dbSize, traces: rows }, null, 2) + '\n');
        return;
      }
      process.stdout.write(`DB size ${model.dbSize} windows (k=${k}, ${model.config.kind}/${model.config.scope}); frame ${frame}\n\n`);
      process.stdout.write(
        markdownTable(
          ['source', 'pid', 'label', 'length', 'windows', 'mismatches', 'mismatch', 'max LFC', 'alarm', 'first alarm window'],
          rows.map((r) => [r.source, r.pid, r.label, r.length, r.windows, r.mismatches, formatPercent(r.mismatchRate), r.maxLfc, r.alarmed ? 'yes' : 'no', r.firstAlarmWindow]),
          ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
        ) + '\n',
      );
    });
}
