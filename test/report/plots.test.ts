// Tests for src/report/plots.ts: valid, deterministic SVG with the requested titles and category order.

import { describe, expect, it } from 'vitest';
import { barChart, canonicalizeSvgIds, lineChart, pngExportAvailable, renderVegaLite, rocPlot, svgToPng } from '../../src/report/plots.js';
import { rocCurve } from '../../src/eval/roc.js';
import type { TopLevelSpec } from 'vega-lite';

function expectSvg(svg: string): void {
  expect(svg.startsWith('<svg')).toBe(true);
  expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  expect(svg).toContain('xmlns="http://www.w3.org/2000/svg"');
}

/** x position of the text node whose content is exactly `label` (first occurrence). */
function textX(svg: string, label: string): number {
  const m = new RegExp(`transform="translate\\(([-\\d.]+),[-\\d.]+\\)"[^>]*>${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</text>`).exec(svg);
  if (!m) throw new Error(`no text node ${label}`);
  return Number(m[1]);
}

const roc = rocCurve([0, 0, 1, 1, 2, 3, 5], [1, 2, 4, 5, 5, 6])!;
const lineInput = {
  title: 'Detection vs window length',
  xTitle: 'Window length k',
  yTitle: 'Detection rate',
  xType: 'ordinal' as const,
  // Deliberately unsorted input: 10 must still come after 3 and 6.
  series: [
    { label: 'stide', x: 10, y: 0.9 },
    { label: 'stide', x: 3, y: 0.5 },
    { label: 'stide', x: 6, y: 0.7 },
    { label: 't-stide', x: 6, y: 0.8 },
    { label: 't-stide', x: 3, y: 0.6 },
    { label: 't-stide', x: 10, y: 0.95 },
  ],
};

describe('rocPlot', () => {
  it('renders a valid SVG with axis titles (with units), title and legend, about the requested size', async () => {
    const svg = await rocPlot([{ label: 'stide k=6', points: roc.points }], 'ROC: stide & friends', { width: 500, height: 400 });
    expectSvg(svg);
    // The size is the plot area plus axes, title and legend as laid out by vega (never clipped).
    const w = Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]);
    const h = Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)![1]);
    expect(Math.abs(w - 500)).toBeLessThan(120);
    expect(Math.abs(h - 400)).toBeLessThan(120);
    expect(svg).toContain('>FPR (normal traces, log scale; 0 at 0.001)</text>');
    expect(svg).toContain('>DR (attack traces)</text>');
    expect(svg).toContain('ROC: stide &amp; friends');
    expect(svg).toContain('>stide k=6</text>');
  });

  it('is byte-identical across renders', async () => {
    const curves = [
      { label: 'a', points: roc.points },
      { label: 'b', points: rocCurve([1, 1], [1, 2])!.points },
    ];
    const a = await rocPlot(curves, 'ROC');
    const b = await rocPlot(curves, 'ROC');
    expect(b).toBe(a);
  });

  it('rejects duplicate curve labels', async () => {
    await expect(rocPlot([{ label: 'x', points: [] }, { label: 'x', points: [] }], 'ROC')).rejects.toThrow(RangeError);
  });
});

describe('lineChart', () => {
  it('sorts an ordinal numeric x axis by value and shows the titles', async () => {
    const svg = await lineChart(lineInput);
    expectSvg(svg);
    expect(svg).toContain('>Window length k</text>');
    expect(svg).toContain('>Detection rate</text>');
    expect(svg).toContain('>Detection vs window length</text>');
    expect(textX(svg, '3')).toBeLessThan(textX(svg, '6'));
    expect(textX(svg, '6')).toBeLessThan(textX(svg, '10'));
    expect(await lineChart(lineInput)).toBe(svg);
  });

  it('supports a log y axis (dropping non-positive values) and a quantitative x', async () => {
    const svg = await lineChart({
      title: 'Convergence',
      xTitle: 'Training traces',
      yTitle: 'Distinct windows',
      logY: true,
      series: [
        { label: 'k=6', x: 1, y: 0 },
        { label: 'k=6', x: 2, y: 150 },
        { label: 'k=6', x: 4, y: 1200 },
        { label: 'k=10', x: 2, y: 300 },
        { label: 'k=10', x: 4, y: 5000 },
      ],
    });
    expectSvg(svg);
    expect(svg).toContain('>Distinct windows</text>');
    expect(svg).not.toContain('NaN');
    expect(svg).not.toContain('Infinity');
    // Legend follows first appearance, not alphabetical order ("k=10" < "k=6" as strings).
    expect(svg.indexOf('>k=6</text>')).toBeLessThan(svg.indexOf('>k=10</text>'));
  });
});

describe('barChart', () => {
  const bars = [
    { group: 'k=3', series: 'stide', value: 10, low: 8, high: 12 },
    { group: 'k=3', series: 't-stide', value: 12 },
    { group: 'k=10', series: 'stide', value: 30, low: 25, high: 32 },
    { group: 'k=10', series: 't-stide', value: 20, low: 18, high: 22 },
  ];

  it('keeps groups in input order (k=3 before k=10) and is deterministic', async () => {
    const opts = { title: 'Overhead', xTitle: 'Configuration', yTitle: 'µs per call', bars };
    const svg = await barChart(opts);
    expectSvg(svg);
    expect(svg).toContain('>Configuration</text>');
    expect(svg).toContain('>µs per call</text>');
    expect(textX(svg, 'k=3')).toBeLessThan(textX(svg, 'k=10'));
    expect(await barChart(opts)).toBe(svg);
  });

  it('renders without error bars and with a log axis', async () => {
    const svg = await barChart({ title: 'DB size', xTitle: 'k', yTitle: 'Windows', logY: true, bars: bars.map(({ group, series, value }) => ({ group, series, value })) });
    expectSvg(svg);
    expect(svg).toContain('>Windows</text>');
  });
});

describe('determinism of vega ids', () => {
  it('renumbers vega clip-path ids per document so repeated renders match', async () => {
    const spec: TopLevelSpec = {
      width: 200,
      height: 100,
      data: { values: [{ x: 0, y: 0 }, { x: 1, y: 2 }] },
      mark: { type: 'line', clip: true },
      encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' } },
    };
    const a = await renderVegaLite(spec);
    const b = await renderVegaLite(spec);
    expect(a).toContain('id="clip1"');
    expect(a).toContain('url(#clip1)');
    expect(b).toBe(a);
  });

  it('canonicalizeSvgIds rewrites ids and references but not text', () => {
    const svg = '<svg><defs><clipPath id="clip7"/><clipPath id="clip3"/><linearGradient id="gradient_4"/></defs>' +
      '<g clip-path="url(#clip7)"/><g clip-path="url(#clip3)"/><rect fill="url(#gradient_4)"/><text>clip7</text></svg>';
    expect(canonicalizeSvgIds(svg)).toBe(
      '<svg><defs><clipPath id="clip1"/><clipPath id="clip2"/><linearGradient id="gradient_1"/></defs>' +
        '<g clip-path="url(#clip1)"/><g clip-path="url(#clip2)"/><rect fill="url(#gradient_1)"/><text>clip7</text></svg>',
    );
  });
});

describe('svgToPng', async () => {
  const available = await pngExportAvailable();
  it.skipIf(!available)('rasterizes a chart to PNG', async () => {
    const png = await svgToPng(await rocPlot([{ label: 'a', points: roc.points }], 'ROC', { width: 300, height: 200 }), { scale: 1 });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const svg = await rocPlot([{ label: 'a', points: roc.points }], 'ROC', { width: 300, height: 200 });
    expect(png.readUInt32BE(16)).toBe(Math.round(Number(/<svg[^>]*\swidth="([\d.]+)"/.exec(svg)![1]))); // IHDR width
    expect(png.readUInt32BE(20)).toBe(Math.round(Number(/<svg[^>]*\sheight="([\d.]+)"/.exec(svg)![1]))); // IHDR height
  });
});

describe('barChart on a log scale', () => {
  it('draws bars with a height (grouped, not stacked from 0)', async () => {
    const { barChart: bc } = await import('../../src/report/plots.js');
    const svg = await bc({ title: 'log bars', xTitle: 'g', yTitle: 'v', logY: true, bars: [{ group: 'a', series: 's1', value: 10 }, { group: 'a', series: 's2', value: 1000 }] });
    const heights = [...svg.matchAll(/<path[^>]*aria-roledescription="bar"[^>]*d="M[\d.-]+,[\d.-]+h[\d.-]+v([\d.-]+)/g)].map((m) => Number(m[1]));
    expect(heights.length).toBe(2);
    for (const h of heights) expect(Math.abs(h)).toBeGreaterThan(1);
  });
});
