// Owns the documents of an experiment's results folder: metrics.json (stable keys, no timestamps),
// metrics.csv (one row per operating point), summary.md (tables that read well on GitHub) and
// provenance.json (resolved config, data checksums, commit, Node version, date).

import { execFileSync } from 'node:child_process';
import { intrusionRows } from '../eval/cell.js';
import { mismatchSummary } from '../eval/metrics.js';
import { cellPoints, type ExperimentResult } from '../experiments/run.js';
import { minAlarmLfc, policyLabel, type ThresholdPolicy } from '../eval/threshold.js';
import { csvTable, formatNumber, formatPercent, markdownTable, stableJson, type Cell as TableCell } from './tables.js';

export function metricsDocument(r: ExperimentResult): unknown {
  return {
    experiment: r.experiment.name,
    datasets: r.datasets.map(({ warnings: _w, ...d }) => d),
    cells: r.cells.map((c) => ({
      dataset: c.dataset,
      detector: c.detector,
      k: c.k,
      dbSize: c.dbSize,
      dbBytes: c.dbBytes,
      train: { traces: c.trainTraces, calls: c.trainCalls },
      mismatch: { normal: mismatchSummary(c.normal), attack: mismatchSummary(c.attack) },
      intrusions: intrusionRows(c),
      points: cellPoints(c, r.policies),
    })),
  };
}

const CSV_HEADERS = [
  'dataset', 'detector', 'k', 'frame', 'threshold', 'min_alarm_lfc', 'db_size', 'db_bytes',
  'attack_traces', 'detected_traces', 'detection_rate', 'intrusions', 'detected_intrusions', 'intrusion_detection_rate',
  'normal_traces', 'false_positive_traces', 'false_positive_rate', 'normal_windows', 'alarming_normal_windows',
  'decision_false_positive_rate', 'mean_detection_delay_windows', 'normal_mismatch_rate', 'attack_mismatch_rate',
];

export function metricsCsv(r: ExperimentResult): string {
  const families = [...new Set(r.cells.flatMap((c) => c.attack.map((s) => s.meta.family ?? '(none)')))].sort();
  const rows: TableCell[][] = [];
  for (const c of r.cells) {
    const mn = mismatchSummary(c.normal).pooledRate;
    const ma = mismatchSummary(c.attack).pooledRate;
    for (const p of cellPoints(c, r.policies)) {
      rows.push([
        c.dataset, c.detector, c.k, p.frame, p.threshold, p.minAlarmLfc, c.dbSize, c.dbBytes,
        p.attackTraces, p.detectedTraces, p.detectionRate, p.intrusions, p.detectedIntrusions, p.intrusionDetectionRate,
        p.normalTraces, p.falsePositiveTraces, p.falsePositiveRate, p.normalWindows, p.alarmingNormalWindows,
        p.decisionFalsePositiveRate, p.meanDetectionDelayWindows, mn, ma,
        ...families.map((f) => p.families[f]?.rate ?? null),
      ]);
    }
  }
  return csvTable([...CSV_HEADERS, ...families.map((f) => `dr_${f}`)], rows);
}

function headlinePolicy(r: ExperimentResult): { frameIndex: number; policy: ThresholdPolicy } {
  const h = r.experiment.headline;
  const frames = r.experiment.frames;
  const frameIndex = h ? Math.max(0, frames.indexOf(h.frame)) : 0;
  let policy = r.policies[0]!;
  if (h?.count !== undefined) policy = { kind: 'count', value: h.count };
  else if (h?.ratio !== undefined) policy = { kind: 'ratio', value: h.ratio };
  return { frameIndex, policy };
}

export function summaryMarkdown(r: ExperimentResult, command: string): string {
  const exp = r.experiment;
  const out: string[] = [];
  out.push(`# ${exp.name}`, '');
  if (exp.description) out.push(exp.description.trim(), '');
  out.push(`Reproduce: \`${command}\``, '');
  out.push('## Data', '');
  out.push(
    markdownTable(
      ['dataset', 'files', 'alphabet', 'train traces', 'train calls', 'calibration traces', 'normal test traces', 'normal test calls', 'attack traces', 'attack calls', 'dropped (short)'],
      r.datasets.map((d) => [d.label, d.files, d.alphabet, d.trainTraces, formatNumber(d.trainCalls), d.calibrateTraces, d.testNormalTraces, formatNumber(d.testNormalCalls), d.attackTraces, formatNumber(d.attackCalls), d.droppedShort.normal + d.droppedShort.attack]),
      ['l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    ),
    '',
  );
  const { frameIndex, policy } = headlinePolicy(r);
  const frame = exp.frames[frameIndex]!;
  out.push(`## Headline: frame ${frame}, threshold ${policyLabel(policy)} (alarm at LFC >= ${minAlarmLfc(policy, frame)})`, '');
  out.push(
    'DR = attack traces with at least one alarm / attack traces; intrusion DR = intrusions (attack files or folders) with an alarm; ' +
      'FPR = normal test traces with an alarm / normal test traces; decision FPR = alarming windows / windows of normal test traces (Warrender 1999); ' +
      'mismatch = mismatching windows / windows, pooled.',
    '',
  );
  const rows: TableCell[][] = [];
  for (const c of r.cells) {
    const p = cellPoints(c, [policy])[frameIndex];
    if (!p) continue;
    rows.push([
      c.dataset, c.detector, c.k, formatNumber(c.dbSize), formatPercent(p.detectionRate), `${p.detectedIntrusions}/${p.intrusions}`,
      formatPercent(p.falsePositiveRate, 2), formatPercent(p.decisionFalsePositiveRate, 3),
      formatPercent(mismatchSummary(c.normal).pooledRate, 2), formatPercent(mismatchSummary(c.attack).pooledRate, 2),
    ]);
  }
  out.push(markdownTable(['dataset', 'detector', 'k', 'DB size', 'DR', 'intrusions detected', 'FPR', 'decision FPR', 'mismatch normal', 'mismatch attack'], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r']), '');

  const families = [...new Set(r.cells.flatMap((c) => c.attack.map((s) => s.meta.family ?? '(none)')))].sort();
  if (families.length > 1) {
    out.push('## Detection rate per attack family (headline operating point)', '');
    const frows: TableCell[][] = [];
    for (const c of r.cells) {
      const p = cellPoints(c, [policy])[frameIndex];
      if (!p) continue;
      frows.push([c.dataset, c.detector, c.k, ...families.map((f) => (p.families[f] ? `${formatPercent(p.families[f]!.rate)} (${p.families[f]!.detected}/${p.families[f]!.traces})` : ''))]);
    }
    out.push(markdownTable(['dataset', 'detector', 'k', ...families], frows), '');
  }

  out.push('## Intrusions (headline frame)', '');
  out.push('Per intrusion: the highest per-trace mismatch rate among its traces and the highest LFC.', '');
  const irows: TableCell[][] = [];
  for (const c of r.cells) {
    for (const i of intrusionRows(c)) {
      const detected = i.maxLfc[frameIndex]! >= minAlarmLfc(policy, frame);
      irows.push([c.dataset, c.detector, c.k, i.intrusion, i.family ?? '', i.traces, formatPercent(i.maxTraceMismatchRate), i.maxLfc[frameIndex]!, detected ? 'yes' : 'no']);
    }
  }
  if (irows.length > 60) {
    out.push(`(${irows.length} rows; see metrics.json \`cells[].intrusions\` for the full list; first 60 shown)`, '');
    irows.length = 60;
  }
  out.push(markdownTable(['dataset', 'detector', 'k', 'intrusion', 'family', 'traces', 'max mismatch', 'max LFC', 'detected'], irows, ['l', 'l', 'r', 'l', 'l', 'r', 'r', 'r', 'l']), '');

  if (r.policies.length > 1) {
    out.push('## Threshold sweep', '');
    for (const c of r.cells) {
      exp.frames.forEach((f, fi) => {
        const pts = cellPoints(c, r.policies).filter((p) => p.frame === f);
        if (pts.length === 0) return;
        out.push(`### ${c.dataset} · ${c.detector} · k=${c.k} · frame ${f}`, '');
        out.push(
          markdownTable(
            ['threshold', 'alarm at LFC >=', 'DR', 'intrusions detected', 'FPR', 'decision FPR'],
            pts.map((p) => [p.threshold, p.minAlarmLfc, formatPercent(p.detectionRate), `${p.detectedIntrusions}/${p.intrusions}`, formatPercent(p.falsePositiveRate, 2), formatPercent(p.decisionFalsePositiveRate, 3)]),
            ['l', 'r', 'r', 'r', 'r', 'r'],
          ),
          '',
        );
        void fi;
      });
    }
  }
  const warnings = r.datasets.flatMap((d) => d.warnings.map((w) => `${d.label}: ${w}`));
  if (warnings.length > 0) {
    out.push('## Data warnings', '');
    for (const w of warnings.slice(0, 20)) out.push(`- ${w}`);
    if (warnings.length > 20) out.push(`- … and ${warnings.length - 20} more`);
    out.push('');
  }
  return out.join('\n');
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function provenanceDocument(r: ExperimentResult, file: string, dataDir: string): unknown {
  return {
    experimentFile: file,
    resolvedConfig: r.experiment,
    datasets: r.datasets.map((d) => ({ name: d.name, manifest: d.manifest, checksum: d.checksum, files: d.files })),
    dataDir,
    gitCommit: gitCommit(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

export function resultFiles(r: ExperimentResult, file: string, dataDir: string, command: string): Record<string, string> {
  return {
    'metrics.json': stableJson(metricsDocument(r)),
    'metrics.csv': metricsCsv(r),
    'summary.md': summaryMarkdown(r, command),
    'provenance.json': stableJson(provenanceDocument(r, file, dataDir)),
  };
}
