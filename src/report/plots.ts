// Owns the report's figures: Vega-Lite specs for ROC curves, line charts and grouped bar charts,
// rendered to SVG strings in plain Node (vega's headless 'none' renderer, no browser, no canvas), plus
// optional PNG conversion through @resvg/resvg-js when that package is installed. Output is
// byte-identical for identical input: vega numbers clip paths / gradients from process-wide counters,
// so those ids are renumbered per document after rendering (see `canonicalizeSvgIds`).

import * as vega from 'vega';
import * as vl from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';

/** Total SVG size in pixels (axes, title and legend included). Defaults: 560 × 360. */
export interface PlotSize {
  width?: number;
  height?: number;
}

const DEFAULT_WIDTH = 560;
const DEFAULT_HEIGHT = 360;

function sizeOf(opts: PlotSize): { width: number; height: number } {
  const width = opts.width ?? DEFAULT_WIDTH;
  const height = opts.height ?? DEFAULT_HEIGHT;
  for (const [k, v] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(v) || v < 50) throw new RangeError(`plot ${k} must be an integer ≥ 50 px, got ${v}`);
  }
  return { width, height };
}

/** The common top level: explicit size that the whole figure (legend included) fits into, white background. */
function frame(title: string, opts: PlotSize): {
  width: number;
  height: number;
  autosize: { type: 'fit'; contains: 'padding' };
  padding: number;
  background: string;
  title: string;
} {
  return {
    ...sizeOf(opts),
    autosize: { type: 'fit', contains: 'padding' },
    padding: 8,
    background: 'white',
    title,
  };
}

/**
 * Vega numbers clip paths ("clip1", "clip2", …) and gradients ("gradient_0", "p_gradient_0") from
 * module-level counters that keep growing across renders in one process, so the same chart rendered
 * twice differs. Renumber them in order of first appearance within this document, rewriting only
 * id="…" attributes and url(#…) / href="#…" references (never text content).
 */
export function canonicalizeSvgIds(svg: string): string {
  const mapping = new Map<string, string>();
  const counters = new Map<string, number>();
  for (const m of svg.matchAll(/\sid="((clip|p_gradient_|gradient_)\d+)"/g)) {
    const [, id, prefix] = m as unknown as [string, string, string];
    if (mapping.has(id)) continue;
    const next = counters.get(prefix) ?? 1;
    counters.set(prefix, next + 1);
    mapping.set(id, `${prefix}${next}`);
  }
  if (mapping.size === 0) return svg;
  // Placeholders first so that e.g. clip2 → clip1 cannot be rewritten again by clip1 → …
  const placeholder = (id: string): string => `\u0000${mapping.get(id) ?? id}\u0000`;
  const out = svg
    .replace(/(\sid=")([^"]+)(")/g, (all, a: string, id: string, b: string) => (mapping.has(id) ? a + placeholder(id) + b : all))
    .replace(/(url\(#)([^)]+)(\))/g, (all, a: string, id: string, b: string) => (mapping.has(id) ? a + placeholder(id) + b : all))
    .replace(/(href="#)([^"]+)(")/g, (all, a: string, id: string, b: string) => (mapping.has(id) ? a + placeholder(id) + b : all));
  return out.replace(/\u0000/g, '');
}

/** Compiles a Vega-Lite spec, renders it headlessly to SVG and canonicalizes its ids. */
export async function renderVegaLite(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return canonicalizeSvgIds(svg);
  } finally {
    view.finalize();
  }
}

// ---------------------------------------------------------------------------------------------------
// ROC

export interface RocPlotCurve {
  label: string;
  /** In drawing order (rocCurve's points: sorted by fpr, then tpr). */
  points: readonly { fpr: number; tpr: number }[];
}

/**
 * ROC curves, one colour per curve (legend in the given order), axes fixed to [0, 1], with the chance
 * diagonal dashed in grey unless `diagonal: false`. Points are joined in the given order, so vertical
 * and diagonal (tie) segments are drawn as computed.
 */
export async function rocPlot(curves: readonly RocPlotCurve[], title: string, opts: PlotSize & { diagonal?: boolean } = {}): Promise<string> {
  const labels = uniqueInOrder(curves.map((c) => c.label));
  if (labels.length !== curves.length) throw new RangeError('rocPlot: curve labels must be distinct');
  const values = curves.flatMap((c) => c.points.map((p, i) => ({ label: c.label, fpr: p.fpr, tpr: p.tpr, i })));
  const axis = { values: [0, 0.2, 0.4, 0.6, 0.8, 1] as number[], format: '.1f' };
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [];
  if (opts.diagonal !== false) {
    layers.push({
      data: { values: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] },
      mark: { type: 'line', strokeDash: [4, 4], color: '#999', strokeWidth: 1 },
      encoding: {
        x: { field: 'fpr', type: 'quantitative' },
        y: { field: 'tpr', type: 'quantitative' },
      },
    });
  }
  layers.push({
    data: { values },
    mark: { type: 'line', point: { size: 20 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'fpr', type: 'quantitative' },
      y: { field: 'tpr', type: 'quantitative' },
      order: { field: 'i', type: 'quantitative' },
      color: { field: 'label', type: 'nominal', title: null, sort: labels, scale: { domain: labels } },
    },
  });
  const spec: TopLevelSpec = {
    ...frame(title, opts),
    encoding: {
      x: { field: 'fpr', type: 'quantitative', title: 'False-positive rate', scale: { domain: [0, 1], nice: false }, axis },
      y: { field: 'tpr', type: 'quantitative', title: 'Detection rate (TPR)', scale: { domain: [0, 1], nice: false }, axis },
    },
    layer: layers,
  };
  return renderVegaLite(spec);
}

// ---------------------------------------------------------------------------------------------------
// Line chart

export interface LinePoint {
  label: string;
  x: number;
  y: number;
}

export interface LineChartOptions extends PlotSize {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Long format: one row per (series, x). Series are coloured and listed in order of first appearance. */
  series: readonly LinePoint[];
  /** Logarithmic y axis; points with y ≤ 0 (or non-finite) cannot be placed and are dropped. */
  logY?: boolean;
  /**
   * 'quantitative' (default) spaces x by value; 'ordinal' gives evenly spaced categories (e.g. k ∈
   * {3, 6, 10, 20}) sorted by numeric value, so 10 never sorts before 3.
   */
  xType?: 'quantitative' | 'ordinal';
  /** Draw a point marker at every data point (default true). */
  points?: boolean;
}

/** Multi-series line chart: DR/FPR vs k, database size vs k, convergence (distinct windows vs traces). */
export async function lineChart(opts: LineChartOptions): Promise<string> {
  const labels = uniqueInOrder(opts.series.map((p) => p.label));
  const rows = opts.series
    .filter((p) => !opts.logY || (Number.isFinite(p.y) && p.y > 0))
    .map((p) => ({ label: p.label, x: p.x, y: p.y }))
    .sort((a, b) => labels.indexOf(a.label) - labels.indexOf(b.label) || a.x - b.x);
  const xValues = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
  const ordinal = opts.xType === 'ordinal';
  const spec: TopLevelSpec = {
    ...frame(opts.title, opts),
    data: { values: rows },
    mark: { type: 'line', point: opts.points !== false, strokeWidth: 2 },
    encoding: {
      x: ordinal
        ? { field: 'x', type: 'ordinal', title: opts.xTitle, sort: xValues, axis: { labelAngle: 0 } }
        : { field: 'x', type: 'quantitative', title: opts.xTitle },
      y: opts.logY
        ? { field: 'y', type: 'quantitative', title: opts.yTitle, scale: { type: 'log' } }
        : { field: 'y', type: 'quantitative', title: opts.yTitle },
      // Join points in ascending x within each series, independent of the input order.
      order: { field: 'x', type: 'quantitative' },
      color: { field: 'label', type: 'nominal', title: null, sort: labels, scale: { domain: labels } },
    },
  };
  return renderVegaLite(spec);
}

// ---------------------------------------------------------------------------------------------------
// Grouped bar chart

export interface BarDatum {
  /** The x category (e.g. a configuration, "k=6"); groups appear in order of first appearance. */
  group: string;
  /** The bar within a group (colour; e.g. the detector); listed in order of first appearance. */
  series: string;
  value: number;
  /** Optional error bar (e.g. a 95% CI); drawn only when both ends are given. */
  low?: number;
  high?: number;
}

export interface BarChartOptions extends PlotSize {
  title: string;
  xTitle: string;
  yTitle: string;
  bars: readonly BarDatum[];
  /** Logarithmic y axis; bars with value ≤ 0 are dropped. */
  logY?: boolean;
}

/** Grouped bars (e.g. overhead per configuration, one bar per detector), with optional error bars. */
export async function barChart(opts: BarChartOptions): Promise<string> {
  const bars = opts.bars.filter((b) => !opts.logY || (Number.isFinite(b.value) && b.value > 0));
  const groups = uniqueInOrder(bars.map((b) => b.group));
  const series = uniqueInOrder(bars.map((b) => b.series));
  const values = bars.map((b) => ({ group: b.group, series: b.series, value: b.value, low: b.low ?? null, high: b.high ?? null }));
  const withErrors = values.filter((v) => v.low !== null && v.high !== null);
  // A log axis has no zero: bars start at the domain minimum, so it sits below the smallest bar.
  const minValue = Math.min(...bars.map((b) => b.value));
  const yScale = opts.logY ? { type: 'log' as const, domainMin: minValue / 2 } : { zero: true };
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      mark: { type: 'bar' },
      encoding: {
        // Grouped, not stacked: stacking starts bars at 0, which a log scale cannot place.
        y: { field: 'value', type: 'quantitative', title: opts.yTitle, scale: yScale, stack: null },
        color: { field: 'series', type: 'nominal', title: null, sort: series, scale: { domain: series } },
      },
    },
  ];
  if (withErrors.length > 0) {
    layers.push({
      transform: [{ filter: 'datum.low !== null && datum.high !== null' }],
      mark: { type: 'rule', color: 'black', strokeWidth: 1.5 },
      encoding: {
        y: { field: 'low', type: 'quantitative' },
        y2: { field: 'high' },
      },
    });
  }
  const spec: TopLevelSpec = {
    ...frame(opts.title, opts),
    data: { values },
    encoding: {
      x: { field: 'group', type: 'nominal', title: opts.xTitle, sort: groups, scale: { domain: groups }, axis: { labelAngle: 0 } },
      xOffset: { field: 'series', type: 'nominal', sort: series, scale: { domain: series } },
    },
    layer: layers,
  };
  return renderVegaLite(spec);
}

// ---------------------------------------------------------------------------------------------------
// PNG

type ResvgModule = typeof import('@resvg/resvg-js');
let resvgModule: Promise<ResvgModule | null> | undefined;

function loadResvg(): Promise<ResvgModule | null> {
  resvgModule ??= import('@resvg/resvg-js').then(
    (m) => m,
    () => null,
  );
  return resvgModule;
}

/** True when @resvg/resvg-js (and its native binary for this platform) can be loaded. */
export async function pngExportAvailable(): Promise<boolean> {
  return (await loadResvg()) !== null;
}

/**
 * Rasterizes an SVG to PNG with @resvg/resvg-js, loaded lazily so the rest of this module works
 * without it. `scale` multiplies the SVG's own width (default 2, for crisp figures). Text uses the
 * system fonts (vega asks for sans-serif; resvg falls back to any installed font), so PNG bytes depend
 * on the machine's fonts — the SVG is the reproducible artefact. Async because the import is lazy.
 * Throws if the package is not installed.
 */
export async function svgToPng(svg: string, opts: { scale?: number } = {}): Promise<Buffer> {
  const mod = await loadResvg();
  if (mod === null) throw new Error('PNG export needs the optional package @resvg/resvg-js (npm install @resvg/resvg-js)');
  const scale = opts.scale ?? 2;
  const widthMatch = /<svg[^>]*\swidth="([\d.]+)"/.exec(svg);
  const fitTo = widthMatch ? { mode: 'width' as const, value: Math.round(Number(widthMatch[1]) * scale) } : { mode: 'zoom' as const, value: scale };
  const resvg = new mod.Resvg(svg, { fitTo, font: { loadSystemFonts: true } });
  return resvg.render().asPng();
}

// ---------------------------------------------------------------------------------------------------

function uniqueInOrder(xs: readonly string[]): string[] {
  return [...new Set(xs)];
}
