// Paper-ready plots: every text element (titles, axis titles, tick and legend labels) must lie inside
// the canvas when rendered with real fonts. Each SVG is rendered by resvg on a canvas enlarged by a
// margin on every side; any ink in the margin is something the real figure clips. Also checks that 15
// ROC curves get 15 distinct (colour, dash) styles and that the log FPR axis is the default.

import { describe, expect, it } from 'vitest';
import { Resvg } from '@resvg/resvg-js';
import { barChart, lineChart, rocPlot } from '../../src/report/plots.js';
import { rocCurve } from '../../src/eval/roc.js';
import { experimentFigures } from '../../src/report/figures.js';
import { headlineChoice } from '../../src/report/paper-tables.js';
import { readMetrics } from '../../src/report/metrics-schema.js';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const MARGIN = 150;

/** Pixels drawn outside the original canvas, and inside it (for a sanity check that text renders at all). */
function ink(svg: string): { outside: number; inside: number } {
  const m = /<svg([^>]*)>/.exec(svg)!;
  const w = Number(/\swidth="([\d.]+)"/.exec(m[1]!)![1]);
  const h = Number(/\sheight="([\d.]+)"/.exec(m[1]!)![1]);
  const attrs = m[1]!
    .replace(/\swidth="[\d.]+"/, ` width="${w + 2 * MARGIN}"`)
    .replace(/\sheight="[\d.]+"/, ` height="${h + 2 * MARGIN}"`)
    .replace(/\sviewBox="[^"]*"/, '');
  const big = svg.replace(m[0], `<svg${attrs} viewBox="${-MARGIN} ${-MARGIN} ${w + 2 * MARGIN} ${h + 2 * MARGIN}">`);
  const img = new Resvg(big, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render();
  const px = img.pixels;
  let outside = 0;
  let inside = 0;
  for (let y = 0; y < img.height; y++) {
    for (let x = 0; x < img.width; x++) {
      if (px[(y * img.width + x) * 4 + 3]! === 0) continue;
      if (x < MARGIN || y < MARGIN || x >= MARGIN + w || y >= MARGIN + h) outside++;
      else inside++;
    }
  }
  return { outside, inside };
}

/** The figure with its white background removed, so only marks and text count as ink inside. */
const textOnly = (svg: string): string => svg.replace(/<path[^>]*>/g, '').replace(/<rect[^>]*>/g, '').replace(/<line[^>]*>/g, '');

const curves15 = Array.from({ length: 15 }, (_, i) => ({
  label: `k=${i + 1} (AUC 0.${(500 + i * 31).toString().padStart(3, '0')})`,
  points: rocCurve([0, 1, 2, 3, i % 4], [1, 2, 3 + i, 4, 5])!.points,
}));
const longTitle = 'adfa-ld · stide/per-program-with-a-long-name · trace-level ROC over every window length, frame 100';

describe('no clipped text (resvg with system fonts)', () => {
  it('the check itself finds text placed off the canvas and sees text on it', () => {
    const ok = '<svg xmlns="http://www.w3.org/2000/svg" width="200" height="100" viewBox="0 0 200 100"><text x="10" y="50" font-family="sans-serif" font-size="14">inside</text></svg>';
    const off = ok.replace('x="10"', 'x="170"');
    expect(ink(ok).outside).toBe(0);
    expect(ink(ok).inside).toBeGreaterThan(20);
    expect(ink(off).outside).toBeGreaterThan(0);
  });

  it('ROC with 15 curves and a long title (log and linear FPR axes)', async () => {
    for (const fprScale of ['log', 'linear'] as const) {
      const svg = await rocPlot(curves15, longTitle, { fprScale });
      const r = ink(textOnly(svg));
      expect(r.inside).toBeGreaterThan(500);
      expect(r.outside, `${fprScale}: ink outside the canvas`).toBe(0);
    }
  });

  it('line chart with CIs and many series, and a bar chart', async () => {
    const series = Array.from({ length: 12 }, (_, s) => [2, 4, 6, 10].map((k) => ({ label: `DR adfa-ld stide/shared series ${s}`, x: k, y: 0.1 * (s % 9) + 0.01 * k, low: 0.05, high: 0.9 }))).flat();
    const line = await lineChart({ title: longTitle, xTitle: 'window length k (system calls)', yTitle: 'rate (fraction of traces)', series, xType: 'ordinal', yDomain: [0, 1] });
    expect(ink(textOnly(line)).outside).toBe(0);
    const bars = await barChart({ title: longTitle, xTitle: 'configuration', yTitle: 'requests/s', bars: [{ group: 'native', series: 'nginx', value: 9000 }, { group: 'strace → watch', series: 'nginx', value: 900 }] });
    expect(ink(textOnly(bars)).outside).toBe(0);
  });

  it('every figure of the committed experiments', async () => {
    const root = join(import.meta.dirname, '../../results');
    for (const exp of ['adfa-window-sweep', 'warrender-unm', 'quickstart']) {
      const f = join(root, exp, 'metrics.json');
      if (!existsSync(f)) continue;
      const doc = readMetrics(f);
      const cfg = JSON.parse(readFileSync(join(root, exp, 'provenance.json'), 'utf8')).resolvedConfig;
      const figs = await experimentFigures(doc, headlineChoice(cfg), { targetFprs: cfg.analysis?.targetFpr ?? [] });
      expect(figs.length).toBeGreaterThan(0);
      for (const fig of figs) expect(ink(textOnly(fig.svg)).outside, `${exp}/${fig.file}`).toBe(0);
    }
  });
});

describe('series stay distinguishable', () => {
  it('15 ROC curves get 15 distinct (colour, dash) pairs and the log axis is the default', async () => {
    const svg = await rocPlot(curves15, 'ROC');
    const styles = new Set<string>();
    for (const m of svg.matchAll(/<path[^>]*aria-roledescription="line mark"[^>]*>/g)) {
      const stroke = /stroke="([^"]+)"/.exec(m[0])?.[1];
      const dash = /stroke-dasharray="([^"]+)"/.exec(m[0])?.[1] ?? 'solid';
      if (stroke && stroke !== '#999') styles.add(`${stroke}|${dash}`);
    }
    expect(styles.size).toBe(15);
    expect(svg).toContain('log scale');
    const linear = await rocPlot(curves15, 'ROC', { fprScale: 'linear' });
    expect(linear).not.toContain('log scale');
  });
});
