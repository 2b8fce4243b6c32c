// Owns the summary's warnings: the places where a headline number could mislead — a split with no
// normal test data, test traces of programs never trained on, intrusion-level and trace-level counts
// that disagree, trace FPR far above decision FPR, and rates resting on few traces. Computed from the
// metrics document (plus run-time facts about the split), never hand-written.

import { formatPercent } from './tables.js';
import { findPoint, type HeadlineChoice } from './paper-tables.js';
import type { MetricsDocument } from './metrics-schema.js';
import { wilsonCI } from '../eval/bootstrap.js';

export interface SplitFacts {
  label: string;
  untrainedPrograms: { program: string; normal: number; attack: number }[];
}

const pct = (x: number, n: number): string => `${x}/${n} (${formatPercent(x / n)})`;

export function summaryWarnings(doc: MetricsDocument, choice: HeadlineChoice, facts: readonly SplitFacts[] = []): string[] {
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
  for (const f of facts) {
    const normal = f.untrainedPrograms.filter((p) => p.normal > 0);
    const attack = f.untrainedPrograms.filter((p) => p.attack > 0);
    if (normal.length > 0) {
      out.push(`${f.label}: normal test traces of programs with no training data: ${normal.map((p) => `${p.program} (${p.normal})`).join(', ')} — a per-program detector sees only mismatches there, so they count as false positives.`);
    }
    if (attack.length > 0) {
      out.push(`${f.label}: attack traces of programs with no training data: ${attack.map((p) => `${p.program} (${p.attack})`).join(', ')} — a per-program detector flags them trivially (every window is foreign).`);
    }
  }
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
