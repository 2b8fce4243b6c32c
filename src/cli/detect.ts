// Owns `stidebench detect`: train any registered detector on given normal traces, score given test
// traces (through the one preparation pipeline, src/prepare), print per-trace results (a readable
// table, or one JSON object with --json).

import type { Command } from 'commander';
import { UsageError } from '../errors.js';
import { wilsonCI } from '../eval/bootstrap.js';
import { MAX_FRAME, MAX_K, parseIntOption, parseNumberOption } from '../numbers.js';
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
  lenient?: boolean;
  resetOn?: string;
}

function intOption(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  return parseIntOption(name, v, min, max);
}

export function parsePolicy(threshold: string | undefined, ratio: string | undefined, frame: number): ThresholdPolicy {
  if (threshold !== undefined && ratio !== undefined) throw new UsageError('give --threshold or --ratio, not both');
  if (ratio !== undefined) {
    return ratioThreshold(parseNumberOption('--ratio', ratio, 0, 1));
  }
  // A count above the frame could never alarm.
  if (threshold !== undefined) return countThreshold(intOption('--threshold', threshold, 1, frame));
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
    .option('-k, --k <n>', 'window length', '6')
    .option('--frame <n>', 'locality frame (windows)', '20')
    .option('--threshold <n>', 'alarm when LFC >= n (default 6)')
    .option('--ratio <p>', 'alarm when LFC/frame > p (the paper)')
    .option('--test-label <label>', 'label of test traces without a sidecar: normal|attack (default: a normal/attack folder on the path, else unknown)')
    .option('--program <name>', 'program name of traces without a sidecar (per-program scope)')
    .option('--syscalls <table>', 'numbering of raw syscall numbers: linux-i386|linux-x86_64|PATH to a UNM calls.txt file')
    .option('--reset-on <names>', 'comma-separated calls that clear a process buffer, for kinds that reset (xenids; default execve,execveat,vfork,execv)')
    .option('--json', 'print one JSON object')
    .option('--lenient', 'skip malformed trace lines (counted and reported as warnings) instead of stopping at the first')
    .addHelpText(
      'after',
      `
Labels: a FILE.meta.json sidecar, else --test-label, else a normal/attack folder on the path, else
"unknown" (scored, counted in no rate). Training uses only traces labelled normal.`,
    )
    .action((opts: DetectOptions) => {
      const k = intOption('-k', opts.k, 1, MAX_K);
      const frame = intOption('--frame', opts.frame, 1, MAX_FRAME);
      const policy = parsePolicy(opts.threshold, opts.ratio, frame);
      getDetector(opts.detector);
      if (opts.scope !== undefined && opts.scope !== 'per-program' && opts.scope !== 'shared') throw new UsageError(`unknown --scope ${JSON.stringify(opts.scope)}; expected per-program|shared`);
      if (opts.testLabel !== undefined && opts.testLabel !== 'normal' && opts.testLabel !== 'attack') throw new UsageError(`bad --test-label ${JSON.stringify(opts.testLabel)}; expected normal or attack`);
      if (!(INPUT_FORMATS as readonly string[]).includes(opts.format)) throw new UsageError(`unknown --format ${JSON.stringify(opts.format)}; expected ${INPUT_FORMATS.join('|')}`);
      const resetOn = opts.resetOn !== undefined ? parseResetOn(opts.resetOn) : undefined;
      const spec = resolveSpec({ kind: opts.detector, scope: opts.scope as DbScope | undefined, params: parseParamOptions(opts.param), ...(resetOn ? { resetOn } : {}) });
      const data = preparePaths({
        train: opts.train,
        test: opts.test,
        format: opts.format as InputFormat,
        testLabel: opts.testLabel as Label | undefined,
        program: opts.program,
        table: resolveTable(opts.syscalls),
        lenient: opts.lenient === true,
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
      const summary = detectSummary(rows);
      if (opts.json) {
        process.stdout.write(
          JSON.stringify({ detector: model.config.kind, scope: model.config.scope, params: spec.params, k, frame, threshold: policy, dbSize: model.dbSize, databases, traces: rows, summary }, null, 2) + '\n',
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
      process.stdout.write(`${summaryLine(summary)}\n`);
    });
}

export interface DetectSummary {
  traces: number;
  alarmed: number;
  normal: number;
  attack: number;
  unknown: number;
  /** Attack traces with an alarm / attack traces, with a Wilson 95% interval; null without attack traces. */
  detection: { detected: number; of: number; rate: number; low: number; high: number } | null;
  /** Normal traces with an alarm / normal traces; null without normal traces. */
  falsePositives: { alarmed: number; of: number; rate: number; low: number; high: number } | null;
}

/** Counts over the scored test traces; DR and FPR only over traces whose label is known. */
export function detectSummary(rows: readonly { label: string; alarmed: boolean }[]): DetectSummary {
  const of = (label: string) => rows.filter((r) => r.label === label);
  const rate = (xs: readonly { alarmed: boolean }[]) => {
    if (xs.length === 0) return null;
    const x = xs.filter((r) => r.alarmed).length;
    const w = wilsonCI(x, xs.length);
    return { x, n: xs.length, rate: x / xs.length, low: w.low, high: w.high };
  };
  const a = rate(of('attack'));
  const n = rate(of('normal'));
  return {
    traces: rows.length,
    alarmed: rows.filter((r) => r.alarmed).length,
    normal: of('normal').length,
    attack: of('attack').length,
    unknown: rows.length - of('normal').length - of('attack').length,
    detection: a && { detected: a.x, of: a.n, rate: a.rate, low: a.low, high: a.high },
    falsePositives: n && { alarmed: n.x, of: n.n, rate: n.rate, low: n.low, high: n.high },
  };
}

/** "summary: 12 traces (4 normal, 8 attack), 9 alarmed; DR 8/8 100.0% [67.6%, 100.0%]; FPR 1/4 25.0% [4.6%, 69.9%]" */
export function summaryLine(s: DetectSummary): string {
  const parts = [`summary: ${s.traces} traces (${s.normal} normal, ${s.attack} attack${s.unknown > 0 ? `, ${s.unknown} unlabelled` : ''}), ${s.alarmed} alarmed`];
  const ci = (low: number, high: number): string => `[${formatPercent(low)}, ${formatPercent(high)}]`;
  if (s.detection) parts.push(`DR ${s.detection.detected}/${s.detection.of} ${formatPercent(s.detection.rate)} ${ci(s.detection.low, s.detection.high)}`);
  if (s.falsePositives) parts.push(`FPR ${s.falsePositives.alarmed}/${s.falsePositives.of} ${formatPercent(s.falsePositives.rate)} ${ci(s.falsePositives.low, s.falsePositives.high)}`);
  if (!s.detection && !s.falsePositives) parts.push('no labelled test traces, so no DR or FPR');
  return parts.join('; ');
}
