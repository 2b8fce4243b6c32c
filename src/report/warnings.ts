// Owns the summary's warnings: the places where a headline number could mislead — a split with no
// normal test data, test traces of programs never trained on, intrusion-level and trace-level counts
// that disagree, trace FPR far above decision FPR, and rates resting on few traces. Computed from the
// metrics document (plus run-time facts about the split), never hand-written.

import { formatPercent } from './tables.js';
import { findPoint, type HeadlineChoice } from './paper-tables.js';
import type { MetricsDocument } from './metrics-schema.js';
import { wilsonCI } from '../eval/bootstrap.js';

const pct = (x: number, n: number): string => `${x}/${n} (${formatPercent(x / n)})`;

/** `notes`: the run's own data warnings (programs without training data, foreign calls, checksums). */
export function summaryWarnings(doc: MetricsDocument, choice: HeadlineChoice, notes: readonly string[] = []): string[] {
  const out: string[] = [];
  for (const d of doc.datasets) {
    if (d.testNormalTraces === 0) {
      out.push(`${d.label}: the split leaves no normal test traces, so every FPR of this dataset is n/a — hold normal traces out (split.test, or fewer training traces) to measure false positives.`);
    } else if (d.testNormalTraces < 30) {
      const w = wilsonCI(0, d.testNormalTraces);
      out.push(`${d.label}: only ${d.testNormalTraces} normal test traces — even 0 false positives leaves a 95% upper bound of ${formatPercent(w.high)} on the FPR.`);
    }
    if (d.attackTraces === 0) out.push(`${d.label}: no attack test traces, so every DR of this dataset is n/a.`);
  }
  for (const n of notes) out.push(n);
  for (const c of doc.cells) {
    const p = findPoint(c, choice.frame, choice.policy);
    if (!p) continue;
    const who = `${c.dataset} · ${c.detector} · k=${c.k}`;
    if (p.intrusions > 0 && p.attackTraces > 0 && p.detectedIntrusions === p.intrusions && p.detectedTraces / p.attackTraces < 0.5) {
      out.push(`${who}: every intrusion is detected (${p.detectedIntrusions}/${p.intrusions}) but only ${pct(p.detectedTraces, p.attackTraces)} of its attack traces alarm — the intrusion-level rate rests on a few traces.`);
    }
    if (p.normalTraces > 0 && p.falsePositiveTraces / p.normalTraces >= 0.5 && p.decisionFalsePositiveRate !== null && p.decisionFalsePositiveRate < 0.01) {
      out.push(`${who}: decision FPR is ${formatPercent(p.decisionFalsePositiveRate, 3)} of windows, yet ${pct(p.falsePositiveTraces, p.normalTraces)} of normal test traces raise at least one alarm.`);
    }
  }
  return out;
}
