// Owns the plots of an experiment's results: ROC curves per k, DR and FPR vs k, database size vs k and
// training-convergence curves, as deterministic SVG (and optional PNG) files under plots/.

import { lineChart, rocPlot, svgToPng } from './plots.js';
import { thin, type FrameAnalysis } from '../eval/analysis.js';
import { cellPoints, type ExperimentResult } from '../experiments/run.js';
import type { ThresholdPolicy } from '../eval/threshold.js';

export interface Figure {
  file: string;
  title: string;
  svg: string;
}

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();

export async function experimentFigures(r: ExperimentResult, analyses: FrameAnalysis[][], headline: { frameIndex: number; policy: ThresholdPolicy }): Promise<Figure[]> {
  const figs: Figure[] = [];
  const exp = r.experiment;
  const { frameIndex, policy } = headline;
  const frame = exp.frames[frameIndex]!;
  const groups = new Map<string, number[]>();
  r.cells.forEach((c, i) => {
    const key = `${c.dataset}|${c.detector}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  for (const [key, idxs] of groups) {
    const [dataset, detector] = key.split('|') as [string, string];
    const curves = idxs
      .filter((i) => analyses[i]![frameIndex]!.roc.length > 0)
      .map((i) => ({ label: `k=${r.cells[i]!.k} (AUC ${analyses[i]![frameIndex]!.auc!.toFixed(3)})`, points: analyses[i]![frameIndex]!.roc }));
    if (curves.length > 0) {
      const title = `${dataset} · ${detector} · trace-level ROC, frame ${frame}`;
      figs.push({ file: `plots/roc-${slug(dataset)}-${slug(detector)}-f${frame}.svg`, title, svg: await rocPlot(curves, title) });
    }
  }
  if (exp.k.length > 1) {
    const rates = r.cells.flatMap((c) => {
      const p = cellPoints(c, [policy])[frameIndex];
      if (!p) return [];
      const name = `${c.dataset} ${c.detector}`;
      return [
        ...(p.detectionRate !== null ? [{ label: `DR ${name}`, x: c.k, y: p.detectionRate }] : []),
        ...(p.falsePositiveRate !== null ? [{ label: `FPR ${name}`, x: c.k, y: p.falsePositiveRate }] : []),
      ];
    });
    const t1 = `Detection and false-positive rate vs k (frame ${frame}, ${policy.kind} ${policy.value})`;
    figs.push({ file: 'plots/rates-vs-k.svg', title: t1, svg: await lineChart({ title: t1, xTitle: 'window length k', yTitle: 'rate (traces)', series: rates, xType: 'ordinal' }) });
    const auc = r.cells.flatMap((c, i) => {
      const a = analyses[i]![frameIndex]!.auc;
      return a === null ? [] : [{ label: `${c.dataset} ${c.detector}`, x: c.k, y: a }];
    });
    if (auc.length > 0) {
      const t = `AUC vs k (frame ${frame})`;
      figs.push({ file: 'plots/auc-vs-k.svg', title: t, svg: await lineChart({ title: t, xTitle: 'window length k', yTitle: 'AUC (trace level)', series: auc, xType: 'ordinal' }) });
    }
    const db = r.cells.map((c) => ({ label: `${c.dataset} ${c.detector}`, x: c.k, y: c.dbSize }));
    const t2 = 'Database size vs k (distinct windows)';
    figs.push({ file: 'plots/dbsize-vs-k.svg', title: t2, svg: await lineChart({ title: t2, xTitle: 'window length k', yTitle: 'distinct windows', series: db, xType: 'ordinal' }) });
  }
  if (r.convergence.length > 0) {
    const series = r.convergence.flatMap((cv) => thin(cv.points, 200).map((p) => ({ label: `${cv.dataset} k=${cv.k}`, x: p.traces, y: p.distinctWindows })));
    const t3 = 'Training convergence: distinct windows vs training traces';
    figs.push({ file: 'plots/convergence.svg', title: t3, svg: await lineChart({ title: t3, xTitle: 'training traces', yTitle: 'distinct windows', series, points: false }) });
  }
  return figs;
}

export async function pngCopies(figs: readonly Figure[]): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const f of figs) out[f.file.replace(/\.svg$/, '.png')] = await svgToPng(f.svg);
  return out;
}
