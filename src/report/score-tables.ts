// Owns the report tables of the trace scores and calibrated threshold rules (src/eval/score-analysis.ts):
// one row per (cell, score, rule) in summary.md and scores.csv, each stating its comparison, and the
// syscall-level (LID-DS) metrics where they apply.

import { analyseScores, type ScoreAnalysis } from '../eval/score-analysis.js';
import { alarmSpans } from '../eval/syscall-metrics.js';
import { cellPoints, type ExperimentResult } from '../experiments/run.js';
import { policyLabel, type ThresholdPolicy } from '../eval/threshold.js';
import { csvTable, formatNumber, formatPercent, markdownTable, type Cell as TableCell } from './tables.js';
import { compileRegex } from '../safe-regex.js';

export function scoreAnalyses(r: ExperimentResult): ScoreAnalysis[][] {
  const a = r.experiment.analysis;
  if (!a || r.scores.length === 0) return r.cells.map(() => []);
  const opts = { scores: r.scores, rules: a.rules, syscallMetrics: a.syscallMetrics, bootstrap: a.bootstrap, seed: a.seed };
  return r.cells.map((c) => analyseScores(c, opts));
}

const fmtThr = (t: number | null): string => (t === null ? 'n/a' : Number.isInteger(t) ? String(t) : t.toPrecision(6));
const ci = (c: { low: number; high: number } | null): string => (c ? ` [${formatPercent(c.low)}, ${formatPercent(c.high)}]` : '');

export function scoreSections(r: ExperimentResult, sa: ScoreAnalysis[][]): string[] {
  if (r.scores.length === 0) return [];
  const out: string[] = ['## Trace scores and calibrated thresholds', ''];
  out.push(
    'Each trace score is one number per test trace from the same scoring pass (src/eval/trace-scores.ts documents each with its source). ' +
      'AUC = area under the trace-level ROC (ties counted half). Thresholds come from the calibration traces only; **every rule alarms iff score > threshold** ' +
      '(strictly above). DR = attack traces alarming / attack traces; FPR = normal test traces alarming / normal test traces; seeded bootstrap 95% CIs.',
    '',
  );
  const rows: TableCell[][] = [];
  r.cells.forEach((c, i) => {
    for (const s of sa[i]!) {
      if (s.rules.length === 0) rows.push([c.dataset, c.detector, c.k, s.score, s.auc === null ? 'n/a' : s.auc.toFixed(4), '(no rule)', '', '', '']);
      for (const row of s.rules) {
        rows.push([
          c.dataset, c.detector, c.k, s.score, s.auc === null ? 'n/a' : s.auc.toFixed(4), row.rule, fmtThr(row.threshold),
          `${formatPercent(row.detectionRate)} (${row.detectedTraces}/${row.attackTraces})${ci(row.detectionCI)}`,
          `${formatPercent(row.falsePositiveRate, 2)} (${row.falsePositiveTraces}/${row.normalTraces})${ci(row.fprCI)}`,
        ]);
      }
    }
  });
  out.push(markdownTable(['dataset', 'detector', 'k', 'score', 'AUC', 'rule (alarm iff)', 'threshold', 'DR', 'FPR'], rows, ['l', 'l', 'r', 'l', 'r', 'l', 'r', 'r', 'r']), '');

  const families = [...new Set(r.cells.flatMap((c) => c.attack.map((s) => s.meta.family ?? '(none)')))].sort();
  if (families.length > 1 && sa.some((cs) => cs.some((x) => x.rules.length > 0))) {
    out.push('### Detection rate per attack family', '');
    const frows: TableCell[][] = [];
    r.cells.forEach((c, i) => {
      for (const s of sa[i]!) for (const row of s.rules) frows.push([c.dataset, c.detector, c.k, s.score, row.rule, ...families.map((f) => (row.families[f] ? `${formatPercent(row.families[f]!.rate)} (${row.families[f]!.detected}/${row.families[f]!.traces})` : ''))]);
    });
    out.push(markdownTable(['dataset', 'detector', 'k', 'score', 'rule', ...families], frows), '');
  }

  out.push(...measureGroupSection(r));

  const srows: TableCell[][] = [];
  r.cells.forEach((c, i) => {
    for (const s of sa[i]!) {
      for (const row of s.rules) {
        const m = row.syscall;
        if (!m) continue;
        srows.push([
          c.dataset, c.detector, c.k, s.score, row.rule, fmtThr(row.threshold), `LFC >= ${m.minAlarmLfc}`, `${m.alarmCount}/${m.exploitCount} (${formatPercent(m.detectionRate)})`,
          formatNumber(m.truePositives), formatNumber(m.falsePositives), formatNumber(m.trueNegatives), formatNumber(m.falseNegatives), m.consecutiveFalseAlarms,
          m.precisionWithCfa.toFixed(4), m.precisionWithSyscalls.toFixed(4), m.f1Cfa.toFixed(4), `${m.normalTracesAlarming}/${m.normalTraces}`,
        ]);
      }
    }
  });
  if (srows.length > 0) {
    out.push('### Syscall-level metrics (LID-DS performance_measurement.py)', '');
    out.push(
      'Every call of every test trace is one decision, the first k-1 calls of each trace included (they never alarm). TP/FN: calls of attack traces ' +
        '(the exploit is taken to start at the first call, as LID-DS\'s ADFA-LD loader does); FP/TN: calls of normal test traces. CFA = maximal runs of ' +
        'alarming calls in normal traces, never across a trace boundary. precision_with_cfa = alarms / (alarms + CFA); precision_with_syscalls = ' +
        'alarms / (alarms + FP); f1_cfa = 2·p_cfa·DR / (p_cfa + DR), where alarms = attack traces with an alarming call.',
      '',
    );
    out.push(
      markdownTable(
        ['dataset', 'detector', 'k', 'score', 'rule', 'threshold', 'alarm iff', 'DR (alarms/exploits)', 'TP', 'FP', 'TN', 'FN', 'CFA', 'precision_with_cfa', 'precision_with_syscalls', 'f1_cfa', 'normal traces alarming'],
        srows,
      ),
      '',
    );
  }
  return out;
}

export function scoresCsv(r: ExperimentResult, sa: ScoreAnalysis[][]): string {
  const rows: TableCell[][] = [];
  r.cells.forEach((c, i) => {
    for (const s of sa[i]!) {
      for (const row of s.rules) {
        const m = row.syscall;
        rows.push([
          c.dataset, c.detector, c.k, s.score, s.auc, row.rule, row.comparison, row.threshold, row.calibrationTraces, row.calibrationAlarms,
          row.attackTraces, row.detectedTraces, row.detectionRate, row.normalTraces, row.falsePositiveTraces, row.falsePositiveRate,
          m?.minAlarmLfc ?? null, m?.truePositives ?? null, m?.falsePositives ?? null, m?.trueNegatives ?? null, m?.falseNegatives ?? null,
          m?.consecutiveFalseAlarms ?? null, m?.precisionWithCfa ?? null, m?.precisionWithSyscalls ?? null, m?.f1Cfa ?? null,
        ]);
      }
    }
  });
  return csvTable(
    ['dataset', 'detector', 'k', 'score', 'auc', 'rule', 'comparison', 'threshold', 'calibration_traces', 'calibration_alarms', 'attack_traces', 'detected_traces', 'detection_rate', 'normal_traces', 'false_positive_traces', 'false_positive_rate', 'min_alarm_lfc', 'tp_syscalls', 'fp_syscalls', 'tn_syscalls', 'fn_syscalls', 'cfa', 'precision_with_cfa', 'precision_with_syscalls', 'f1_cfa'],
    rows,
  );
}

export interface MeasureGroupRow {
  dataset: string;
  detector: string;
  k: number;
  score: string;
  group: string;
  label: string;
  traces: number;
  /** Σ numerators (Forrest: missing lookahead pairs; Hofmeyr: Σ max d_min) and Σ denominators. */
  num: number;
  den: number;
  /** Σnum / Σden over the group (Forrest: % of the maximum possible missing pairs). */
  pooled: number | null;
  /** Highest per-trace score of the group. */
  maxTrace: number | null;
}

/**
 * Detector-measure scores per group of test traces: by report.groups (regex on dataset:source, name
 * with $1..$9) when given, else by intrusion (attack) and one 'normal' group.
 */
export function measureGroupRows(r: ExperimentResult): MeasureGroupRow[] {
  const specs = r.scores.filter((s) => s.kind === 'hofmeyr' || s.kind === 'forrest');
  if (specs.length === 0) return [];
  const g = r.experiment.report?.groups;
  const re = g ? compileRegex(g.pattern) : undefined;
  const rows: MeasureGroupRow[] = [];
  for (const c of r.cells) {
    const all = [...c.normal, ...c.attack];
    if (all.length === 0 || all.some((s) => s.measure === undefined || s.measure === null)) continue;
    for (const spec of specs) {
      if (all[0]!.measure!.kind !== spec.kind) continue;
      const by = new Map<string, typeof all>();
      for (const s of all) {
        let name: string;
        if (re) {
          const m = re.exec(`${s.meta.dataset}:${s.meta.source}`);
          name = m ? g!.name.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '') : '(other)';
        } else name = s.meta.label === 'normal' ? 'normal' : (s.meta.intrusion ?? s.meta.source);
        const key = `${s.meta.label}\u0000${name}`;
        let list = by.get(key);
        if (!list) by.set(key, (list = []));
        list.push(s);
      }
      for (const key of [...by.keys()].sort()) {
        const list = by.get(key)!;
        const [label, group] = key.split('\u0000') as [string, string];
        let num = 0;
        let den = 0;
        let maxTrace: number | null = null;
        for (const s of list) {
          num += s.measure!.num;
          den += s.measure!.den;
          const v = s.measure!.den > 0 ? s.measure!.num / s.measure!.den : 0;
          if (maxTrace === null || v > maxTrace) maxTrace = v;
        }
        rows.push({ dataset: c.dataset, detector: c.detector, k: c.k, score: spec.kind, group, label, traces: list.length, num, den, pooled: den > 0 ? num / den : null, maxTrace });
      }
    }
  }
  return rows;
}

export function measureGroupSection(r: ExperimentResult): string[] {
  const rows = measureGroupRows(r);
  if (rows.length === 0) return [];
  return [
    '### Detector measure per group',
    '',
    'forrest: missing lookahead pairs of the group (every position, the last k-1 included) and their share of the maximum possible, ' +
      "Σ missing / Σ k'(L - (k'+1)/2) with k' = k-1 (Forrest et al. 1996); hofmeyr: Σ max d_min / Σ k. Max trace = the highest per-trace score.",
    '',
    markdownTable(
      ['dataset', 'detector', 'k', 'score', 'group', 'label', 'traces', 'missing pairs / Σ max d_min', 'max possible / Σ k', 'pooled', 'max trace'],
      rows.map((x) => [x.dataset, x.detector, x.k, x.score, x.group, x.label, x.traces, formatNumber(x.num), formatNumber(x.den), formatPercent(x.pooled, 2), formatPercent(x.maxTrace, 2)]),
      ['l', 'l', 'r', 'l', 'l', 'l', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  ];
}

/**
 * Warrender et al. 1999 count detection per program as the share of intrusion TRACES detected, then
 * average over programs; stidebench's headline counts intrusions (files or folders). Both side by side,
 * one row per (dataset, detector, k) at the headline frame and threshold, plus the mean over datasets.
 */
export function programAverageSection(r: ExperimentResult, frameIndex: number, policy: ThresholdPolicy): string[] {
  if (!r.experiment.report?.perProgram) return [];
  const rows: TableCell[][] = [];
  const groups = new Map<string, { rates: number[]; intr: number[] }>();
  for (const c of r.cells) {
    const p = cellPoints(c, [policy])[frameIndex];
    if (!p || p.attackTraces === 0) continue;
    rows.push([c.dataset, c.detector, c.k, `${p.detectedTraces}/${p.attackTraces}`, formatPercent(p.detectionRate), `${p.detectedIntrusions}/${p.intrusions}`, formatPercent(p.intrusionDetectionRate)]);
    const key = `${c.detector}\u0000${c.k}`;
    const g = groups.get(key) ?? { rates: [], intr: [] };
    g.rates.push(p.detectionRate!);
    g.intr.push(p.intrusionDetectionRate!);
    groups.set(key, g);
  }
  if (rows.length === 0) return [];
  for (const [key, g] of groups) {
    const [det, k] = key.split('\u0000') as [string, string];
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    rows.push([`**mean of ${g.rates.length} programs**`, det, Number(k), '', formatPercent(mean(g.rates)), '', formatPercent(mean(g.intr))]);
  }
  return [
    `## Per program: intrusion traces and intrusions detected (frame ${r.experiment.frames[frameIndex]}, ${policyLabel(policy)})`,
    '',
    'Warrender et al. 1999 report the share of intrusion traces detected per program and average it over programs; the intrusion column counts attack files/folders with an alarm (as the headline).',
    '',
    markdownTable(['dataset', 'detector', 'k', 'intrusion traces detected', 'trace TPR', 'intrusions detected', 'intrusion TPR'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r']),
    '',
  ];
}

/**
 * The per-alarm export (analysis.alarmExport): one line per alarm, i.e. per maximal run of alarming calls
 * of a test trace, at every LFC score and rule with syscall-level metrics. Calls are 0-based indices
 * into the trace; an alarm of a normal trace is one consecutive false alarm (CFA).
 */
export function alarmsTsv(r: ExperimentResult, sa: ScoreAnalysis[][]): string {
  const lines = ['dataset\tdetector\tk\tscore\trule\ttrace\tlabel\tfirst_call\tlast_call'];
  r.cells.forEach((c, i) => {
    for (const s of sa[i]!) {
      if (s.frame === null) continue;
      for (const row of s.rules) {
        if (!row.syscall) continue;
        for (const t of [...c.normal, ...c.attack]) {
          if (t.signal === undefined) throw new RangeError('alarmsTsv: the cell was scored without signals (analysis.alarmExport)');
          const id = t.meta.pid === null ? t.meta.source : `${t.meta.source}#${t.meta.pid}`;
          for (const [a, b] of alarmSpans(t.signal, s.frame, row.syscall.minAlarmLfc, c.k)) {
            lines.push([c.dataset, c.detector, c.k, s.score, row.rule, id, t.meta.label, a, b].join('\t'));
          }
        }
      }
    }
  });
  return lines.join('\n') + '\n';
}
