// Owns the documents of an experiment's results folder: metrics.json (stable keys, no timestamps),
// metrics.csv (one row per operating point), summary.md (tables that read well on GitHub) and
// provenance.json (resolved config, data checksums, commit, Node version, date).

import { execFileSync } from 'node:child_process';
import { intrusionRows } from '../eval/cell.js';
import { analyseCell, thin, type FrameAnalysis } from '../eval/analysis.js';
import { experimentFigures, pngCopies } from './figures.js';
import { mismatchSummary } from '../eval/metrics.js';
import { cellPoints, type ExperimentResult } from '../experiments/run.js';
import { minAlarmLfc, policyLabel, type ThresholdPolicy } from '../eval/threshold.js';
import { THROUGHPUT_POINTER, throughputMarkdown, timingsDocument } from './throughput.js';
import { alarmsTsv, measureGroupRows, programAverageSection, scoreAnalyses, scoreSections, scoresCsv } from './score-tables.js';
import { csvTable, formatNumber, formatPercent, markdownTable, stableJson, type Cell as TableCell } from './tables.js';

export function analyses(r: ExperimentResult): FrameAnalysis[][] {
  const a = r.experiment.analysis;
  if (!a) return r.cells.map(() => []);
  return r.cells.map((c) => analyseCell(c, { targetFprs: a.targetFpr, bootstrap: a.bootstrap, seed: a.seed }));
}

export function metricsDocument(r: ExperimentResult, an: FrameAnalysis[][] = analyses(r), sa = scoreAnalyses(r)): unknown {
  return {
    experiment: r.experiment.name,
    datasets: r.datasets.map(({ warnings: _w, ...d }) => d),
    cells: r.cells.map((c, i) => ({
      dataset: c.dataset,
      detector: c.detector,
      k: c.k,
      dbSize: c.dbSize,
      dbBytes: c.dbBytes,
      train: { traces: c.trainTraces, calls: c.trainCalls },
      mismatch: { normal: mismatchSummary(c.normal), attack: mismatchSummary(c.attack) },
      intrusions: intrusionRows(c),
      points: cellPoints(c, r.policies),
      ...(r.experiment.analysis ? { analysis: an[i]!.map((f) => ({ ...f, roc: thin(f.roc, 400) })) } : {}),
      ...(r.scores.length > 0 ? { scores: sa[i] } : {}),
    })),
    ...(measureGroupRows(r).length > 0 ? { measureGroups: measureGroupRows(r) } : {}),
    ...(r.experiment.report?.groups ? { groups: groupRows(r, r.experiment.report.groups, headlinePolicy(r).frameIndex, headlinePolicy(r).policy) } : {}),
    ...(r.convergence.length > 0 ? { convergence: r.convergence.map((cv) => ({ ...cv, points: thin(cv.points, 400) })) } : {}),
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

export function headlinePolicy(r: ExperimentResult): { frameIndex: number; policy: ThresholdPolicy } {
  const h = r.experiment.headline;
  const frames = r.experiment.frames;
  const frameIndex = h ? Math.max(0, frames.indexOf(h.frame)) : 0;
  let policy = r.policies[0]!;
  if (h?.count !== undefined) policy = { kind: 'count', value: h.count };
  else if (h?.ratio !== undefined) policy = { kind: 'ratio', value: h.ratio };
  return { frameIndex, policy };
}

export function summaryMarkdown(r: ExperimentResult, command: string, an: FrameAnalysis[][] = analyses(r), figures: { file: string; title: string }[] = []): string {
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
  for (const d of r.datasets) {
    for (const f of d.splitFiles ?? []) out.push(`Split of ${f.dataset}: file list \`${f.name}\` (sha256 ${f.sha256}); ${f.unlisted} normal traces not listed are left out.`, '');
  }
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

  out.push(...programAverageSection(r, frameIndex, policy));
  if (r.experiment.analysis) out.push(...analysisSections(r, an, frameIndex, policy));
  out.push(...scoreSections(r, scoreAnalyses(r)));
  for (const f of figures) out.push(`![${f.title}](${f.file})`, '');

  if (exp.report?.groups) out.push(...groupSection(r, exp.report.groups, frameIndex, policy));

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

  if (r.policies.length > 1 && exp.report?.sweepTables !== false) {
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

export interface GroupRow {
  dataset: string;
  detector: string;
  k: number;
  group: string;
  label: string;
  traces: number;
  windows: number;
  pooledMismatchRate: number | null;
  maxTraceMismatchRate: number | null;
  maxLfc: number;
  alarmed: boolean;
  alarmedTraces: number;
}

export function groupRows(r: ExperimentResult, groups: { pattern: string; name: string }, frameIndex: number, policy: ThresholdPolicy): GroupRow[] {
  const re = new RegExp(groups.pattern);
  const frame = r.experiment.frames[frameIndex]!;
  const t = minAlarmLfc(policy, frame);
  const rows: GroupRow[] = [];
  for (const c of r.cells) {
    const by = new Map<string, typeof c.normal>();
    for (const s of [...c.normal, ...c.attack]) {
      const m = re.exec(`${s.meta.dataset}:${s.meta.source}`);
      const key = `${s.meta.label}\u0000${m ? groups.name.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? '') : '(other)'}`;
      let g = by.get(key);
      if (!g) by.set(key, (g = []));
      g.push(s);
    }
    for (const key of [...by.keys()].sort()) {
      const g = by.get(key)!;
      const [label, group] = key.split('\u0000') as [string, string];
      const ms = mismatchSummary(g);
      const maxLfc = Math.max(0, ...g.map((s) => s.frames[frameIndex]!.maxLfc));
      const alarmedTraces = g.filter((s) => s.frames[frameIndex]!.maxLfc >= t).length;
      rows.push({ dataset: c.dataset, detector: c.detector, k: c.k, group, label, traces: g.length, windows: ms.windows, pooledMismatchRate: ms.pooledRate, maxTraceMismatchRate: ms.maxTraceRate, maxLfc, alarmed: maxLfc >= t, alarmedTraces });
    }
  }
  return rows;
}

function groupSection(r: ExperimentResult, groups: { pattern: string; name: string }, frameIndex: number, policy: ThresholdPolicy): string[] {
  const frame = r.experiment.frames[frameIndex]!;
  const rows = groupRows(r, groups, frameIndex, policy);
  return [
    `## Per group (frame ${frame}, ${policyLabel(policy)})`,
    '',
    'Test traces grouped by a pattern on `dataset:source`. Mismatch = pooled mismatching windows / windows of the group; max = the highest per-trace mismatch rate; anomaly = some trace of the group alarms.',
    '',
    markdownTable(
      ['dataset', 'detector', 'k', 'group', 'label', 'traces', 'windows', 'mismatch', 'max trace mismatch', 'max LFC', 'anomaly', 'alarmed traces'],
      rows.map((g) => [g.dataset, g.detector, g.k, g.group, g.label, g.traces, g.windows, formatPercent(g.pooledMismatchRate), formatPercent(g.maxTraceMismatchRate), g.maxLfc, g.alarmed ? 'yes' : 'no', `${g.alarmedTraces}/${g.traces} (${formatPercent(g.alarmedTraces / g.traces)})`]),
      ['l', 'l', 'r', 'l', 'l', 'r', 'r', 'r', 'r', 'r', 'l', 'r'],
    ),
    '',
  ];
}

function ci(c: { low: number; high: number } | null): string {
  return c ? ` [${formatPercent(c.low)}, ${formatPercent(c.high)}]` : '';
}

function analysisSections(r: ExperimentResult, an: FrameAnalysis[][], frameIndex: number, policy: ThresholdPolicy): string[] {
  const out: string[] = [];
  const a = r.experiment.analysis!;
  const frame = r.experiment.frames[frameIndex]!;
  out.push(`## Window-size comparison (frame ${frame})`, '');
  out.push(
    `Score of a trace = its max LFC. AUC = area under the trace-level ROC over all thresholds (ties counted half). ` +
      `DR@α: the threshold is the smallest count threshold whose false-positive rate on the **calibration** normal traces is at most α ` +
      `(calibration traces are never test traces); DR and the realised test FPR at that threshold are shown with seeded bootstrap 95% CIs ` +
      `(${a.bootstrap} resamples). Delay = mean windows from trace start to first alarm over detected attacks at the headline threshold (${policyLabel(policy)}).`,
    '',
  );
  const headers = ['dataset', 'detector', 'k', 'DB size', 'DB bytes', 'AUC'];
  for (const t of a.targetFpr) headers.push(`DR@${formatPercent(t, 0)} FPR`, `test FPR (t)`);
  headers.push('mismatch normal', 'mismatch attack', 'delay');
  const rows: TableCell[][] = r.cells.map((c, i) => {
    const f = an[i]![frameIndex]!;
    const p = cellPoints(c, [policy])[frameIndex];
    const row: TableCell[] = [c.dataset, c.detector, c.k, formatNumber(c.dbSize), formatNumber(c.dbBytes), f.auc === null ? 'n/a' : f.auc.toFixed(4)];
    for (const t of a.targetFpr) {
      const cp = f.calibrated.find((x) => x.targetFpr === t);
      if (!cp) row.push('n/a (no calibration traces)', '');
      else row.push(`${formatPercent(cp.detectionRate)}${ci(cp.detectionCI)}`, `${formatPercent(cp.testFpr, 2)}${ci(cp.fprCI)} (t=${cp.threshold ?? '∞'})`);
    }
    row.push(formatPercent(mismatchSummary(c.normal).pooledRate, 2), formatPercent(mismatchSummary(c.attack).pooledRate, 2), p?.meanDetectionDelayWindows == null ? 'n/a' : p.meanDetectionDelayWindows.toFixed(1));
    return row;
  });
  out.push(markdownTable(headers, rows), '');
  if (r.convergence.length > 0) {
    out.push('### Training convergence', '');
    out.push('Distinct windows after all training traces, and the first trace count after which 10 more traces add no window (null: never).', '');
    out.push(markdownTable(['dataset', 'k', 'training traces', 'distinct windows', 'plateau at trace'], r.convergence.map((cv) => [cv.dataset, cv.k, cv.points.length, formatNumber(cv.points.at(-1)?.distinctWindows ?? 0), cv.plateauAt ?? 'never'])), '');
  }
  return out;
}

export function gitCommit(): string | null {
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
    datasets: r.datasets.map((d) => ({ name: d.name, manifest: d.manifest, checksum: d.checksum, files: d.files, ...(d.splitFiles ? { splitFiles: d.splitFiles } : {}) })),
    dataDir,
    gitCommit: gitCommit(),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

export async function resultFiles(r: ExperimentResult, file: string, dataDir: string, command: string): Promise<Record<string, string | Buffer>> {
  const an = analyses(r);
  const sa = scoreAnalyses(r);
  const figs = r.experiment.analysis?.plots ? await experimentFigures(r, an, headlinePolicy(r)) : [];
  const files: Record<string, string | Buffer> = {
    'metrics.json': stableJson(metricsDocument(r, an, sa)),
    'metrics.csv': metricsCsv(r),
    'summary.md': summaryMarkdown(r, command, an, figs) + THROUGHPUT_POINTER,
    'provenance.json': stableJson(provenanceDocument(r, file, dataDir)),
    // Run-dependent (clocks, load): beside the deterministic documents, never inside them.
    'timings.json': timingsDocument(r),
    'throughput.md': throughputMarkdown(r),
  };
  if (r.scores.length > 0) files['scores.csv'] = scoresCsv(r, sa);
  if (r.experiment.analysis?.alarmExport) files['alarms.tsv'] = alarmsTsv(r, sa);
  for (const f of figs) files[f.file] = f.svg;
  if (r.experiment.analysis?.png) Object.assign(files, await pngCopies(figs));
  return files;
}
