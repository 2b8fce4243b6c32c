// Owns `stidebench detect`: train any registered detector on given normal traces, score given test
// traces (through the one preparation pipeline, src/prepare), print per-trace results (a readable
// table, or one JSON object with --json).

import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { resolveTable } from '../traces/syscalls/index.js';
import type { Label } from '../traces/trace.js';
import { detectorKinds, getDetector, parseParamOptions, resolveSpec, trainModel } from '../detectors/registry.js';
import { parseResetOn } from '../detectors/xenids.js';
import type { DbScope } from '../detectors/types.js';
import { INPUT_FORMATS, preparePaths, type InputFormat } from '../prepare/index.js';
import { scoreTrace } from '../eval/score.js';
import { countThreshold, firstAlarmWindow, alarms, ratioThreshold, type ThresholdPolicy } from '../eval/threshold.js';
import { markdownTable, formatPercent } from '../report/tables.js';

interface DetectOptions {
  train: string[];
  test: string[];
  format: string;
  detector: string;
  scope?: string;
  param: string[];
  k: string;
  frame: string;
  threshold?: string;
  ratio?: string;
  json?: boolean;
  testLabel?: string;
  program?: string;
  syscalls?: string;
  resetOn?: string;
}

function intOption(name: string, v: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new InputError(`option ${name} must be an integer >= ${min}`, { text: v });
  return n;
}

export function parsePolicy(threshold: string | undefined, ratio: string | undefined, frame: number): ThresholdPolicy {
  if (threshold !== undefined && ratio !== undefined) throw new InputError('give --threshold or --ratio, not both');
  if (ratio !== undefined) {
    const p = Number(ratio);
    if (!(p >= 0 && p < 1)) throw new InputError('option --ratio must be a fraction in [0, 1)', { text: ratio });
    return ratioThreshold(p);
  }
  if (threshold !== undefined) return countThreshold(intOption('--threshold', threshold, 1));
  return countThreshold(Math.min(6, frame));
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

export function registerDetectCommand(program: Command): void {
  program
    .command('detect')
    .description('train on normal traces and report per-trace mismatches, max LFC and alarms for test traces')
    .requiredOption('--train <paths...>', 'normal training traces (files or folders; files labelled attack are skipped)')
    .requiredOption('--test <paths...>', 'test traces (files or folders)')
    .option('--format <format>', INPUT_FORMATS.join('|'), 'auto')
    .option('--detector <kind>', detectorKinds().join('|'), 'stide')
    .option('--scope <scope>', 'database scope: per-program|shared (default: the detector\'s, per-program for stide)')
    .option('--param <name=value>', 'detector param, repeatable (e.g. minDistance=2 for hamming, rareFraction=0.001 for tstide)', collect, [])
    .option('-k <k>', 'window length', '6')
    .option('--frame <n>', 'locality frame (windows)', '20')
    .option('--threshold <n>', 'alarm when LFC >= n (default 6)')
    .option('--ratio <p>', 'alarm when LFC/frame > p (the paper)')
    .option('--test-label <label>', 'label of test traces without a sidecar: normal|attack (default: a normal/attack folder on the path, else unknown)')
    .option('--program <name>', 'program name of traces without a sidecar (per-program scope)')
    .option('--syscalls <table>', 'numbering of raw syscall numbers: linux-i386|linux-x86_64|PATH to a UNM calls.txt file')
    .option('--reset-on <names>', 'comma-separated calls that clear a process buffer, for kinds that reset (xenids; default execve,execveat,vfork,execv)')
    .option('--json', 'print one JSON object')
    .addHelpText(
      'after',
      `
Labels: a FILE.meta.json sidecar, else --test-label, else a normal/attack folder on the path, else
"unknown" (scored, counted in no rate). Training uses only traces labelled normal.`,
    )
    .action((opts: DetectOptions) => {
      const k = intOption('-k', opts.k, 1);
      const frame = intOption('--frame', opts.frame, 1);
      const policy = parsePolicy(opts.threshold, opts.ratio, frame);
      getDetector(opts.detector);
      if (opts.scope !== undefined && opts.scope !== 'per-program' && opts.scope !== 'shared') throw new InputError(`unknown scope ${opts.scope}`, { expected: 'per-program|shared' });
      if (opts.testLabel !== undefined && opts.testLabel !== 'normal' && opts.testLabel !== 'attack') throw new InputError('bad --test-label', { text: opts.testLabel, expected: 'normal or attack' });
      if (!(INPUT_FORMATS as readonly string[]).includes(opts.format)) throw new InputError(`unknown format ${opts.format}`, { expected: INPUT_FORMATS.join('|') });
      const resetOn = opts.resetOn !== undefined ? parseResetOn(opts.resetOn) : undefined;
      const spec = resolveSpec({ kind: opts.detector, scope: opts.scope as DbScope | undefined, params: parseParamOptions(opts.param), ...(resetOn ? { resetOn } : {}) });
      const data = preparePaths({
        train: opts.train,
        test: opts.test,
        format: opts.format as InputFormat,
        testLabel: opts.testLabel as Label | undefined,
        program: opts.program,
        table: resolveTable(opts.syscalls),
        specs: [spec],
        sharedHint: '--scope shared',
      });
      const model = trainModel(spec, data.train, k);
      for (const w of data.warnings) process.stderr.write(`stidebench: warning: ${w}\n`);
      const rows = data.test.map((t) => {
        const s = scoreTrace(model, t, [frame]);
        const f = s.frames[0]!;
        return {
          source: t.source,
          pid: t.pid,
          label: t.label,
          program: t.program,
          length: s.length,
          windows: s.windows,
          mismatches: s.mismatches,
          mismatchRate: s.windows > 0 ? s.mismatches / s.windows : null,
          maxLfc: f.maxLfc,
          alarmed: alarms(f, policy),
          firstAlarmWindow: alarms(f, policy) ? firstAlarmWindow(f, policy) : null,
        };
      });
      const databases = spec.scope === 'shared' ? 1 : new Set(data.train.map((t) => t.program)).size;
      if (opts.json) {
        process.stdout.write(
          JSON.stringify({ detector: model.config.kind, scope: model.config.scope, params: spec.params, k, frame, threshold: policy, dbSize: model.dbSize, databases, traces: rows }, null, 2) + '\n',
        );
        return;
      }
      const dbText = databases === 1 ? `DB size ${model.dbSize}` : `DB size ${model.dbSize} in total over ${databases} per-program databases`;
      process.stdout.write(`${dbText} (k=${k}, ${model.config.kind}/${model.config.scope}); frame ${frame}\n\n`);
      process.stdout.write(
        markdownTable(
          ['source', 'pid', 'label', 'length', 'windows', 'mismatches', 'mismatch', 'max LFC', 'alarm', 'first alarm window'],
          rows.map((r) => [r.source, r.pid, r.label, r.length, r.windows, r.mismatches, formatPercent(r.mismatchRate), r.maxLfc, r.alarmed ? 'yes' : 'no', r.firstAlarmWindow]),
          ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
        ) + '\n',
      );
    });
}
