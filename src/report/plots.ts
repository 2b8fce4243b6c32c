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
function frame(title: string, opts: PlotSize) {
  const { width, height } = sizeOf(opts);
  return {
    // The plot area; axes, title and legend are added around it ('pad'), so vega lays out every text
    // element inside the canvas instead of squeezing the plot to fit a fixed size.
    width: Math.max(40, width - 140),
    height: Math.max(40, height - 110),
    autosize: { type: 'pad' as const, contains: 'padding' as const },
    padding: 8,
    background: 'white',
    title,
    // Text longer than its room ends in "…" instead of pushing the layout (and the title) off the
    // canvas: a rotated y title longer than the plot's height would otherwise lift everything above it.
    config: {
      font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
      axisX: { titleLimit: width - 40, labelLimit: 120 },
      axisY: { titleLimit: height - 90, labelLimit: 90 },
      legend: { labelLimit: Math.max(80, Math.floor(width * 0.4)) },
    },
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
// Series styling

/** Ten colours that stay apart for colour-blind readers too (Tableau 10). */
const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
/** Dash patterns: series 1–10 solid, 11–20 dashed, 21–30 dotted, ... so 15 curves never share a look. */
const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];
/** Point shapes, cycled with the dash pattern, so a series is recognisable in grey print too. */
const SHAPES = ['circle', 'square', 'triangle-up', 'diamond'];

/**
 * Colour, dash and point shape per series, all keyed by the same field so Vega-Lite draws one merged
 * legend: series i gets colour i mod 10 and dash/shape ⌊i/10⌋. Legend labels are limited to a width that
 * fits beside the plot (longer labels end in "…" with the full text in the tooltip).
 */
function seriesEncoding(field: string, labels: readonly string[], width: number) {
  const domain = [...labels];
  // Many or long labels go below the plot, in as many columns as their full text allows (vega's
  // headless text estimate is about 8 px per character at the legend's 10 px).
  const longest = Math.max(0, ...labels.map((l) => l.length));
  const below = longest > 22 || labels.length > 12;
  const columns = Math.max(1, Math.min(4, Math.floor(width / (longest * 8 + 50))));
  const legend = below
    ? { title: null, orient: 'bottom' as const, direction: 'vertical' as const, columns, labelLimit: Math.floor(width / columns) - 40, symbolStrokeWidth: 2, symbolSize: 60 }
    : { title: null, labelLimit: Math.max(60, Math.floor(width * 0.32)), symbolStrokeWidth: 2, symbolSize: 60, columns: 1 };
  return {
    color: { field, type: 'nominal' as const, sort: domain, scale: { domain, range: domain.map((_, i) => PALETTE[i % PALETTE.length]!) }, legend },
    strokeDash: { field, type: 'nominal' as const, sort: domain, scale: { domain, range: domain.map((_, i) => DASHES[Math.floor(i / PALETTE.length) % DASHES.length]!) }, legend },
    shape: { field, type: 'nominal' as const, sort: domain, scale: { domain, range: domain.map((_, i) => SHAPES[Math.floor(i / PALETTE.length) % SHAPES.length]!) }, legend },
  };
}

/** Title that never runs off the canvas: limited to the figure width (vega ends it with "…"). */
function titleOf(title: string, width: number): { text: string | string[]; limit: number; fontSize: number; anchor: 'start' } {
  // Wrapped on word boundaries to what vega's estimate (about 10.4 px per character at 13 px) fits.
  const perLine = Math.max(20, Math.floor((width - 24) / 10.4));
  const lines: string[] = [];
  let cur = '';
  for (const word of title.split(' ')) {
    if (cur && (cur + ' ' + word).length > perLine) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur) lines.push(cur);
  return { text: lines.length === 1 ? lines[0]! : lines, limit: width - 24, fontSize: 13, anchor: 'start' };
}

// ---------------------------------------------------------------------------------------------------
// ROC

export interface RocPlotCurve {
  label: string;
  /** In drawing order (rocCurve's points: sorted by fpr, then tpr). */
  points: readonly { fpr: number; tpr: number }[];
}

export interface RocPlotOptions extends PlotSize {
  diagonal?: boolean;
  /**
   * 'log' (default): FPR on a log axis, so the region below 5% — where detectors are used — is
   * readable; FPR 0 is drawn at `fprFloor`. 'linear': the classic [0, 1] axis.
   */
  fprScale?: 'log' | 'linear';
  /** Lowest FPR shown on the log axis (default: 1e-3, or lower to fit the smallest nonzero FPR). */
  fprFloor?: number;
}

/**
 * ROC curves with one colour/dash/shape per curve (legend in the given order), the chance diagonal dashed
 * in grey unless `diagonal: false`. Points are joined in the given order, so vertical and diagonal (tie)
 * segments are drawn as computed. On the log axis FPR = 0 is placed at the floor, which the axis title says.
 */
export async function rocPlot(curves: readonly RocPlotCurve[], title: string, opts: RocPlotOptions = {}): Promise<string> {
  return renderVegaLite(rocSpec(curves, title, opts));
}

/** The Vega-Lite spec of rocPlot (also embedded, interactive, in the HTML report). */
export function rocSpec(curves: readonly RocPlotCurve[], title: string, opts: RocPlotOptions = {}): TopLevelSpec {
  const labels = uniqueInOrder(curves.map((c) => c.label));
  if (labels.length !== curves.length) throw new RangeError('rocPlot: curve labels must be distinct');
  const log = (opts.fprScale ?? 'log') === 'log';
  const positive = curves.flatMap((c) => c.points.map((p) => p.fpr)).filter((f) => f > 0);
  const smallest = positive.length > 0 ? Math.min(...positive) : 1e-3;
  const floor = opts.fprFloor ?? Math.min(1e-3, 10 ** Math.floor(Math.log10(smallest)));
  const place = (f: number): number => (log ? Math.max(f, floor) : f);
  const values = curves.flatMap((c) => c.points.map((p, i) => ({ label: c.label, fpr: place(p.fpr), tpr: p.tpr, i })));
  const { width } = sizeOf(opts);
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [];
  if (opts.diagonal !== false) {
    // y = x, which is a curve on a log x axis: sample it.
    const diag = log ? Array.from({ length: 41 }, (_, i) => floor * (1 / floor) ** (i / 40)).map((x) => ({ fpr: x, tpr: x })) : [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }];
    layers.push({
      data: { values: diag },
      mark: { type: 'line', strokeDash: [4, 4], color: '#999', strokeWidth: 1 },
      encoding: { x: { field: 'fpr', type: 'quantitative' }, y: { field: 'tpr', type: 'quantitative' } },
    });
  }
  const style = seriesEncoding('label', labels, width);
  layers.push({
    data: { values },
    mark: { type: 'line', point: { size: 18, filled: true }, strokeWidth: 1.8 },
    encoding: {
      x: { field: 'fpr', type: 'quantitative' },
      y: { field: 'tpr', type: 'quantitative' },
      order: { field: 'i', type: 'quantitative' },
      ...style,
      tooltip: [{ field: 'label', type: 'nominal' }, { field: 'fpr', type: 'quantitative', format: '.4f' }, { field: 'tpr', type: 'quantitative', format: '.4f' }],
    },
  });
  const xTitle = log ? `FPR (normal traces, log scale; 0 at ${floor})` : 'FPR (normal traces)';
  const spec: TopLevelSpec = {
    ...frame(title, opts),
    title: titleOf(title, width),
    encoding: {
      x: log
        ? { field: 'fpr', type: 'quantitative', title: xTitle, scale: { type: 'log', domain: [floor, 1], nice: false }, axis: { format: '~g' } }
        : { field: 'fpr', type: 'quantitative', title: xTitle, scale: { domain: [0, 1], nice: false }, axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], format: '.1f' } },
      y: { field: 'tpr', type: 'quantitative', title: 'DR (attack traces)', scale: { domain: [0, 1], nice: false }, axis: { values: [0, 0.2, 0.4, 0.6, 0.8, 1], format: '.1f' } },
    },
    layer: layers,
  };
  return spec;
}

// ---------------------------------------------------------------------------------------------------
// Line chart

export interface LinePoint {
  label: string;
  x: number;
  y: number;
  /** Optional interval (e.g. a 95% CI), drawn as an error bar when both ends are given. */
  low?: number | null;
  high?: number | null;
}

export interface LineChartOptions extends PlotSize {
  title: string;
  xTitle: string;
  yTitle: string;
  /** Long format: one row per (series, x). Series are styled and listed in order of first appearance. */
  series: readonly LinePoint[];
  /** Logarithmic y axis; points with y ≤ 0 (or non-finite) cannot be placed and are dropped. */
  logY?: boolean;
  /** Fixed y domain, e.g. [0, 1] for rates. */
  yDomain?: [number, number];
  /**
   * 'quantitative' (default) spaces x by value; 'ordinal' gives evenly spaced categories (e.g. k ∈
   * {3, 6, 10, 20}) sorted by numeric value, so 10 never sorts before 3.
   */
  xType?: 'quantitative' | 'ordinal';
  /** Draw a point marker at every data point (default true). */
  points?: boolean;
  /** Format of y axis labels (d3-format), e.g. '.0%' for rates. */
  yFormat?: string;
}

/** Multi-series line chart: DR/FPR vs k (with CIs), database size vs k, convergence (distinct windows vs traces). */
export async function lineChart(opts: LineChartOptions): Promise<string> {
  return renderVegaLite(lineSpec(opts));
}

/** The Vega-Lite spec of lineChart. */
export function lineSpec(opts: LineChartOptions): TopLevelSpec {
  const labels = uniqueInOrder(opts.series.map((p) => p.label));
  const rows = opts.series
    .filter((p) => !opts.logY || (Number.isFinite(p.y) && p.y > 0))
    .map((p) => ({ label: p.label, x: p.x, y: p.y, low: p.low ?? null, high: p.high ?? null }))
    .sort((a, b) => labels.indexOf(a.label) - labels.indexOf(b.label) || a.x - b.x);
  const xValues = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
  const ordinal = opts.xType === 'ordinal';
  const { width } = sizeOf(opts);
  const style = seriesEncoding('label', labels, width);
  const yScale = { ...(opts.logY ? { type: 'log' as const } : {}), ...(opts.yDomain ? { domain: opts.yDomain, nice: false } : {}) };
  const layers: NonNullable<Extract<TopLevelSpec, { layer: unknown }>['layer']> = [
    {
      mark: { type: 'line', point: opts.points !== false ? { filled: true, size: 30 } : false, strokeWidth: 1.8 },
      encoding: {
        y: { field: 'y', type: 'quantitative', title: opts.yTitle, scale: yScale, ...(opts.yFormat ? { axis: { format: opts.yFormat } } : {}) },
        // Join points in ascending x within each series, independent of the input order.
        order: { field: 'x', type: 'quantitative' },
        ...(opts.points !== false ? style : { color: style.color, strokeDash: style.strokeDash }),
        tooltip: [{ field: 'label', type: 'nominal' }, { field: 'x', type: 'quantitative' }, { field: 'y', type: 'quantitative', format: '.4~g' }],
      },
    },
  ];
  if (rows.some((r) => r.low !== null && r.high !== null)) {
    layers.push({
      transform: [{ filter: 'datum.low !== null && datum.high !== null' }],
      mark: { type: 'rule', strokeWidth: 1.2 },
      encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' }, color: style.color },
    });
  }
  const spec: TopLevelSpec = {
    ...frame(opts.title, opts),
    title: titleOf(opts.title, width),
    data: { values: rows },
    encoding: {
      x: ordinal
        ? { field: 'x', type: 'ordinal', title: opts.xTitle, sort: xValues, axis: { labelAngle: 0 } }
        : { field: 'x', type: 'quantitative', title: opts.xTitle },
    },
    layer: layers,
  };
  return spec;
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
