// Owns the tables a researcher puts in a paper — headline, window-size comparison, per-family
// detection and throughput — built from a metrics.json document (plus the resolved experiment config)
// so summary.md, `stidebench report` and the HTML report print the same numbers. Every rate carries its
// counts (x/y) and a 95% interval: Wilson for proportions of traces, the analysis' seeded bootstrap for
// calibrated DR/FPR. Rendering to md/csv/latex/json is in ./export.ts.

import { wilsonCI } from '../eval/bootstrap.js';
import { minAlarmLfc, policyLabel, type ThresholdPolicy } from '../eval/threshold.js';
import type { MetricsCell, MetricsDocument, MetricsPoint } from './metrics-schema.js';
import type { Experiment } from '../experiments/schema.js';

/** A proportion x/n with its interval (low/high null when n = 0). */
export interface RateValue {
  kind: 'rate';
  x: number;
  n: number;
  /** null when n = 0. */
  rate: number | null;
  low: number | null;
  high: number | null;
  /** 'wilson' | 'bootstrap' | 'none' (e.g. windows of one trace are not independent). */
  interval: 'wilson' | 'bootstrap' | 'none';
  /** Digits after the decimal point of the percentage. */
  digits: number;
}

export type TableValue = string | number | null | RateValue;

export interface Column {
  key: string;
  title: string;
  align: 'l' | 'r';
  /** Unit or meaning shown under the table / in the CSV header notes. */
  note?: string;
}

/** The columns naming a cell (dataset, detector, k) that begin every per-cell table, and its DB size. */
const CELL_COLUMNS: readonly Column[] = [
  { key: 'dataset', title: 'dataset', align: 'l' },
  { key: 'detector', title: 'detector', align: 'l' },
  { key: 'k', title: 'k', align: 'r' },
];
const DB_SIZE_COLUMN: Column = { key: 'dbSize', title: 'DB size', align: 'r', note: 'distinct windows' };

export interface PaperTable {
  id: 'headline' | 'window-size' | 'families' | 'throughput';
  title: string;
  /** One or two sentences that say how to read the table (definitions, where the point comes from). */
  caption: string;
  columns: Column[];
  rows: Record<string, TableValue>[];
}

export function wilsonRate(x: number, n: number, digits = 1): RateValue {
  if (n === 0) return { kind: 'rate', x, n, rate: null, low: null, high: null, interval: 'wilson', digits };
  const w = wilsonCI(x, n);
  return { kind: 'rate', x, n, rate: x / n, low: w.low, high: w.high, interval: 'wilson', digits };
}

/** The operating point shown first, and why it was chosen. */
export interface HeadlineChoice {
  frame: number;
  frameIndex: number;
  policy: ThresholdPolicy;
  /** Where the point came from, in words, for the summary. */
  source: string;
}

type HeadlineConfig = Pick<Experiment, 'frames' | 'thresholds' | 'headline'>;

/**
 * The headline operating point: the experiment's `headline:` block; else Warrender 1999's (frame 20,
 * LFC >= 6) or the paper's (frame 100, mismatch ratio > 6%) when the sweep has it; else the first frame
 * with the count threshold closest to 30% of it (Warrender's 6 of 20) or the ratio closest to 6%.
 * Never silently LFC >= 1.
 */
export function headlineChoice(cfg: HeadlineConfig): HeadlineChoice {
  const frames = cfg.frames;
  const counts = cfg.thresholds.count ?? [];
  const ratios = cfg.thresholds.ratio ?? [];
  const at = (frame: number, policy: ThresholdPolicy, source: string): HeadlineChoice => ({ frame, frameIndex: Math.max(0, frames.indexOf(frame)), policy, source });
  const h = cfg.headline;
  if (h) {
    const policy: ThresholdPolicy = h.count !== undefined ? { kind: 'count', value: h.count } : h.ratio !== undefined ? { kind: 'ratio', value: h.ratio } : counts.length > 0 ? { kind: 'count', value: counts[0]! } : { kind: 'ratio', value: ratios[0]! };
    return at(frames.includes(h.frame) ? h.frame : frames[0]!, policy, 'set by the experiment (`headline:`)');
  }
  if (frames.includes(20) && counts.includes(6)) return at(20, { kind: 'count', value: 6 }, "default: Warrender et al. 1999's operating point (frame 20, LFC >= 6)");
  if (frames.includes(100) && ratios.includes(0.06)) return at(100, { kind: 'ratio', value: 0.06 }, "default: the paper's operating point (frame 100, more than 6% mismatches)");
  const frame = frames[0]!;
  if (counts.length > 0) {
    const target = Math.max(1, Math.round(0.3 * frame));
    const value = [...counts].sort((a, b) => Math.abs(a - target) - Math.abs(b - target) || a - b)[0]!;
    return at(frame, { kind: 'count', value }, `default: no \`headline:\` block; the count threshold nearest 30% of frame ${frame} (Warrender's 6 of 20)`);
  }
  const value = [...ratios].sort((a, b) => Math.abs(a - 0.06) - Math.abs(b - 0.06) || a - b)[0]!;
  return at(frame, { kind: 'ratio', value }, "default: no `headline:` block; the ratio threshold nearest the paper's 6%");
}

export function headlineTitle(c: HeadlineChoice): string {
  return `frame ${c.frame}, threshold ${policyLabel(c.policy)} (alarm at LFC >= ${minAlarmLfc(c.policy, c.frame)})`;
}

/** The cell's point at (frame, policy), or undefined when the sweep did not include it. */
export function findPoint(cell: MetricsCell, frame: number, policy: ThresholdPolicy): MetricsPoint | undefined {
  const label = policyLabel(policy);
  return cell.points.find((p) => p.frame === frame && p.threshold === label);
}

const pooled = (m: MetricsCell['mismatch']['normal']): RateValue => ({ ...wilsonRate(m.mismatches, m.windows, 2), interval: 'none' });

export function headlineTable(doc: MetricsDocument, choice: HeadlineChoice): PaperTable {
  const rows: Record<string, TableValue>[] = [];
  for (const c of doc.cells) {
    const p = findPoint(c, choice.frame, choice.policy);
    if (!p) continue;
    rows.push({
      dataset: c.dataset,
      detector: c.detector,
      k: c.k,
      dbSize: c.dbSize,
      dr: wilsonRate(p.detectedTraces, p.attackTraces),
      intrusions: wilsonRate(p.detectedIntrusions, p.intrusions),
      fpr: wilsonRate(p.falsePositiveTraces, p.normalTraces, 2),
      decisionFpr: { ...wilsonRate(p.alarmingNormalWindows, p.normalWindows, 3), interval: 'none' },
      mismatchNormal: pooled(c.mismatch.normal),
      mismatchAttack: pooled(c.mismatch.attack),
    });
  }
  return {
    id: 'headline',
    title: `Headline: ${headlineTitle(choice)}`,
    caption:
      `Operating point ${choice.source}. Rates are x/y with a Wilson 95% interval. ` +
      'DR = attack traces with an alarm / attack traces; intrusions = intrusions (attack files or folders) with an alarm in any of their traces; ' +
      'FPR = normal test traces with an alarm / normal test traces; decision FPR = alarming windows / windows of normal test traces (Warrender 1999; ' +
      'windows of one trace are not independent, so no interval); mismatch = mismatching windows / windows, pooled.',
    columns: [
      ...CELL_COLUMNS,
      DB_SIZE_COLUMN,
      { key: 'dr', title: 'DR (attack traces)', align: 'r' },
      { key: 'intrusions', title: 'intrusions detected', align: 'r' },
      { key: 'fpr', title: 'FPR (normal traces)', align: 'r' },
      { key: 'decisionFpr', title: 'decision FPR (windows)', align: 'r' },
      { key: 'mismatchNormal', title: 'mismatch normal', align: 'r' },
      { key: 'mismatchAttack', title: 'mismatch attack', align: 'r' },
    ],
    rows,
  };
}

/** Families of attack traces over all cells, sorted. */
export function familiesOf(doc: MetricsDocument): string[] {
  return [...new Set(doc.cells.flatMap((c) => c.points.flatMap((p) => Object.keys(p.families))))].sort();
}

export function familyTable(doc: MetricsDocument, choice: HeadlineChoice): PaperTable {
  const families = familiesOf(doc);
  const rows: Record<string, TableValue>[] = [];
  for (const c of doc.cells) {
    const p = findPoint(c, choice.frame, choice.policy);
    if (!p) continue;
    const row: Record<string, TableValue> = { dataset: c.dataset, detector: c.detector, k: c.k };
    families.forEach((f, i) => {
      const fr = p.families[f];
      row[`f${i}`] = fr ? wilsonRate(fr.detected, fr.traces) : null;
    });
    rows.push(row);
  }
  return {
    id: 'families',
    title: `Detection rate per attack family at ${headlineTitle(choice)}`,
    caption: 'Attack traces of the family with an alarm / attack traces of the family, Wilson 95% interval.',
    columns: [
      ...CELL_COLUMNS,
      ...families.map((f, i) => ({ key: `f${i}`, title: f, align: 'r' as const })),
    ],
    rows,
  };
}

/** Window-size comparison: AUC and DR at each calibrated target FPR, per cell (needs an `analysis:` block). */
export function windowSizeTable(doc: MetricsDocument, choice: HeadlineChoice, targetFprs: readonly number[]): PaperTable | null {
  if (!doc.cells.some((c) => c.analysis)) return null;
  const rows: Record<string, TableValue>[] = [];
  for (const c of doc.cells) {
    const f = c.analysis?.find((a) => a.frame === choice.frame);
    if (!f) continue;
    const p = findPoint(c, choice.frame, choice.policy) ?? c.points.find((q) => q.frame === choice.frame);
    const nA = p?.attackTraces ?? 0;
    const nN = p?.normalTraces ?? 0;
    const row: Record<string, TableValue> = { dataset: c.dataset, detector: c.detector, k: c.k, dbSize: c.dbSize, dbBytes: c.dbBytes, auc: f.auc };
    targetFprs.forEach((t, i) => {
      const cp = f.calibrated.find((x) => x.targetFpr === t);
      if (!cp) {
        row[`dr${i}`] = null;
        row[`fpr${i}`] = null;
        row[`t${i}`] = null;
        return;
      }
      const boot = (r: number | null, ci: typeof cp.detectionCI, n: number): RateValue => ({
        kind: 'rate', x: r === null ? 0 : Math.round(r * n), n, rate: r, low: ci?.low ?? null, high: ci?.high ?? null, interval: ci ? 'bootstrap' : 'none', digits: 1,
      });
      row[`dr${i}`] = boot(cp.detectionRate, cp.detectionCI, nA);
      row[`fpr${i}`] = { ...boot(cp.testFpr, cp.fprCI, nN), digits: 2 };
      row[`t${i}`] = cp.threshold === null ? '∞' : cp.threshold;
    });
    row.mismatchNormal = pooled(c.mismatch.normal);
    row.mismatchAttack = pooled(c.mismatch.attack);
    rows.push(row);
  }
  const pct = (t: number): string => `${Math.round(t * 1000) / 10}%`;
  return {
    id: 'window-size',
    title: `Window-size comparison (frame ${choice.frame})`,
    caption:
      'Score of a trace = its max LFC. AUC = area under the trace-level ROC (ties counted half). DR@α: threshold = the smallest count threshold whose ' +
      'FPR on the calibration normal traces (never test traces) is at most α; DR and the realised test FPR at that threshold with seeded bootstrap 95% intervals; ' +
      't = that threshold (∞: no threshold meets α).',
    columns: [
      ...CELL_COLUMNS,
      DB_SIZE_COLUMN,
      { key: 'dbBytes', title: 'DB bytes', align: 'r' },
      { key: 'auc', title: 'AUC', align: 'r' },
      ...targetFprs.flatMap((t, i) => [
        { key: `dr${i}`, title: `DR@${pct(t)} FPR`, align: 'r' as const },
        { key: `fpr${i}`, title: `test FPR @${pct(t)}`, align: 'r' as const },
        { key: `t${i}`, title: `t @${pct(t)}`, align: 'r' as const },
      ]),
      { key: 'mismatchNormal', title: 'mismatch normal', align: 'r' },
      { key: 'mismatchAttack', title: 'mismatch attack', align: 'r' },
    ],
    rows,
  };
}

/**
 * Throughput from a results folder's timings.json (written beside metrics.json by the benchmark
 * branch). Accepted shapes: `{ cells: [...] }` or `{ rows: [...] }` or an array, each row having a
 * detector and numbers such as syscallsPerSec / trainSyscallsPerSec / detectSyscallsPerSec; the columns
 * are every numeric field found, so new fields show up without a code change.
 */
export function throughputTable(timings: unknown): PaperTable | null {
  const list = Array.isArray(timings)
    ? timings
    : timings && typeof timings === 'object'
      ? ((timings as Record<string, unknown>).cells ?? (timings as Record<string, unknown>).rows ?? (timings as Record<string, unknown>).detectors)
      : undefined;
  if (!Array.isArray(list) || list.length === 0) return null;
  const rowsIn = list.filter((r): r is Record<string, unknown> => r !== null && typeof r === 'object' && !Array.isArray(r));
  const textKeys = ['dataset', 'detector', 'k', 'phase'].filter((k) => rowsIn.some((r) => r[k] !== undefined && typeof r[k] !== 'object'));
  const numKeys = [...new Set(rowsIn.flatMap((r) => Object.keys(r).filter((k) => typeof r[k] === 'number' && !textKeys.includes(k))))].sort();
  if (numKeys.length === 0) return null;
  return {
    id: 'throughput',
    title: 'Throughput',
    caption: 'From timings.json (timings are kept out of metrics.json); see its machine and load fields before comparing numbers.',
    columns: [...textKeys.map((k) => ({ key: k, title: k, align: (k === 'k' ? 'r' : 'l') as 'l' | 'r' })), ...numKeys.map((k) => ({ key: k, title: k, align: 'r' as const }))],
    rows: rowsIn.map((r) => Object.fromEntries([...textKeys, ...numKeys].map((k) => [k, (typeof r[k] === 'number' || typeof r[k] === 'string' ? r[k] : null) as TableValue]))),
  };
}
