// Owns the plots of an experiment's results, drawn from its metrics document (so `stidebench run` and
// `stidebench report --plots` draw the same figures): ROC curves per k (log FPR axis by default), DR at a
// fixed FPR vs k with bootstrap CIs (the window-size comparison), DR and FPR vs k at the headline point
// with Wilson CIs, AUC and database size vs k, and training convergence — deterministic SVG (PNG copies
// on request) under plots/.

import { lineSpec, renderVegaLite, rocSpec, svgToPng, type LineChartOptions, type LinePoint, type RocPlotCurve, type RocPlotOptions } from './plots.js';
import type { TopLevelSpec } from 'vega-lite';
import { thin } from '../eval/analysis.js';
import { wilsonCI } from '../eval/bootstrap.js';
import { findPoint, headlineTitle, type HeadlineChoice } from './paper-tables.js';
import type { MetricsDocument } from './metrics-schema.js';

export interface Figure {
  file: string;
  title: string;
  svg: string;
  /** The Vega-Lite spec the SVG was rendered from (embedded, interactive, in the HTML report). */
  spec: TopLevelSpec;
}

export interface FigureOptions {
  /** ROC FPR axis: 'log' (default) or 'linear'. */
  rocScale?: 'log' | 'linear';
  /** Target FPRs of the analysis, for the DR-at-fixed-FPR plots. */
  targetFprs?: readonly number[];
}

async function fig(file: string, title: string, spec: TopLevelSpec): Promise<Figure> {
  return { file, title, spec, svg: await renderVegaLite(spec) };
}
const line = (o: LineChartOptions): TopLevelSpec => lineSpec(o);
const roc = (c: RocPlotCurve[], t: string, o: RocPlotOptions): TopLevelSpec => rocSpec(c, t, o);

const slug = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();
const pctText = (t: number): string => `${Math.round(t * 1000) / 10}%`;

export async function experimentFigures(doc: MetricsDocument, choice: HeadlineChoice, opts: FigureOptions = {}): Promise<Figure[]> {
  const figs: Figure[] = [];
  const { frame, policy } = choice;
  const groups = new Map<string, number[]>();
  doc.cells.forEach((c, i) => {
    const key = `${c.dataset}|${c.detector}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  });
  const ks = [...new Set(doc.cells.map((c) => c.k))];
  for (const [key, idxs] of groups) {
    const [dataset, detector] = key.split('|') as [string, string];
    const curves = idxs.flatMap((i) => {
      const a = doc.cells[i]!.analysis?.find((f) => f.frame === frame);
      return a && a.roc.length > 0 && a.auc !== null ? [{ label: `k=${doc.cells[i]!.k} (AUC ${a.auc.toFixed(3)})`, points: a.roc }] : [];
    });
    if (curves.length > 0) {
      const scale = opts.rocScale ?? 'log';
      const title = `${dataset} · ${detector} · trace-level ROC, frame ${frame}`;
      const file = `plots/roc-${slug(dataset)}-${slug(detector)}-f${frame}${scale === 'linear' ? '-linear' : ''}.svg`;
      figs.push(await fig(file, title, roc(curves, title, { fprScale: scale })));
    }
  }
  if (ks.length > 1) {
    for (const t of opts.targetFprs ?? []) {
      const series: LinePoint[] = doc.cells.flatMap((c) => {
        const cp = c.analysis?.find((f) => f.frame === frame)?.calibrated.find((x) => x.targetFpr === t);
        if (!cp || cp.detectionRate === null) return [];
        return [{ label: `${c.dataset} ${c.detector}`, x: c.k, y: cp.detectionRate, low: cp.detectionCI?.low ?? null, high: cp.detectionCI?.high ?? null }];
      });
      if (series.length === 0) continue;
      const title = `Detection rate at ${pctText(t)} FPR vs k (frame ${frame}, bootstrap 95% CI)`;
      figs.push(
        await fig(`plots/dr-at-fpr-${slug(pctText(t))}-vs-k.svg`, title, line({ title, xTitle: 'window length k (system calls)', yTitle: `DR at ≤${pctText(t)} calibrated FPR (fraction of attack traces)`, series, xType: 'ordinal', yDomain: [0, 1], yFormat: '.0%' })),
      );
    }
    const rates: LinePoint[] = doc.cells.flatMap((c) => {
      const p = findPoint(c, frame, policy);
      if (!p) return [];
      const name = `${c.dataset} ${c.detector}`;
      const withCi = (x: number, n: number, label: string): LinePoint[] => {
        if (n === 0) return [];
        const w = wilsonCI(x, n);
        return [{ label, x: c.k, y: x / n, low: w.low, high: w.high }];
      };
      return [...withCi(p.detectedTraces, p.attackTraces, `DR ${name}`), ...withCi(p.falsePositiveTraces, p.normalTraces, `FPR ${name}`)];
    });
    const t1 = `DR and FPR vs k at ${headlineTitle(choice)}, Wilson 95% CI`;
    figs.push(await fig('plots/rates-vs-k.svg', t1, line({ title: t1, xTitle: 'window length k (system calls)', yTitle: 'rate (fraction of traces)', series: rates, xType: 'ordinal', yDomain: [0, 1], yFormat: '.0%' })));
    const auc = doc.cells.flatMap((c) => {
      const a = c.analysis?.find((f) => f.frame === frame)?.auc;
      return a === null || a === undefined ? [] : [{ label: `${c.dataset} ${c.detector}`, x: c.k, y: a }];
    });
    if (auc.length > 0) {
      const t = `AUC vs k (frame ${frame})`;
      figs.push(await fig('plots/auc-vs-k.svg', t, line({ title: t, xTitle: 'window length k (system calls)', yTitle: 'AUC (trace level, 0.5 = chance)', series: auc, xType: 'ordinal' })));
    }
    const db = doc.cells.map((c) => ({ label: `${c.dataset} ${c.detector}`, x: c.k, y: c.dbSize }));
    const t2 = 'Database size vs k';
    figs.push(await fig('plots/dbsize-vs-k.svg', t2, line({ title: t2, xTitle: 'window length k (system calls)', yTitle: 'database size (distinct windows)', series: db, xType: 'ordinal' })));
  }
  if (doc.convergence && doc.convergence.length > 0) {
    const series = doc.convergence.flatMap((cv) => thin(cv.points, 200).map((p) => ({ label: `${cv.dataset} k=${cv.k}`, x: p.traces, y: p.distinctWindows })));
    const t3 = 'Training convergence: distinct windows vs training traces';
    figs.push(await fig('plots/convergence.svg', t3, line({ title: t3, xTitle: 'training traces (count, in training order)', yTitle: 'database size (distinct windows)', series, points: false })));
  }
  return figs;
}

export async function pngCopies(figs: readonly Figure[]): Promise<Record<string, Buffer>> {
  const out: Record<string, Buffer> = {};
  for (const f of figs) out[f.file.replace(/\.svg$/, '.png')] = await svgToPng(f.svg);
  return out;
}
