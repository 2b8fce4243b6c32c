// Owns the HTML report of a results folder (results/<experiment>/index.html): one self-contained,
// offline file — vega and vega-embed inlined from node_modules, every plot's spec compiled to Vega and
// inlined — with the paper tables, the computed warnings, interactive plots and the provenance, and
// links between them (a headline row links to its window-size and family rows and to its ROC plot).

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as vl from 'vega-lite';
import { cellText } from './export.js';
import { experimentFigures } from './figures.js';
import { summaryWarnings } from './warnings.js';
import { resultTables, type LoadedResults } from './load.js';
import type { PaperTable, TableValue } from './paper-tables.js';

const require = createRequire(import.meta.url);

/** The minified browser builds, read once. vega-lite is not needed: specs are compiled here. */
let scripts: string | undefined;
function inlineScripts(): string {
  if (scripts === undefined) {
    // The browser builds sit beside each package's entry point (build/), which its exports map hides.
    const read = (pkg: string, file: string): string => readFileSync(join(dirname(require.resolve(pkg)), file), 'utf8').replace(/<\/script/gi, '<\\/script');
    // vega-embed's UMD build looks up a global vegaLite; a stub that only answers the version keeps it
    // from throwing while every spec is already Vega (mode 'vega').
    scripts = [
      `<script>${read('vega', 'vega.min.js')}</script>`,
      `<script>window.vegaLite = window.vegaLite || { version: ${JSON.stringify(vl.version)}, compile: function () { throw new Error('vega-lite is not bundled; specs are precompiled'); } };</script>`,
      `<script>${read('vega-embed', 'vega-embed.min.js')}</script>`,
    ].join('\n');
  }
  return scripts;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const anchor = (...parts: (string | number)[]): string => parts.map((p) => String(p).replace(/[^A-Za-z0-9]+/g, '-')).join('--').toLowerCase();
const slug = (s: string): string => s.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').toLowerCase();

function htmlTable(t: PaperTable, figureIds: Map<string, string>, present: ReadonlySet<string>): string {
  const head = t.columns.map((c) => `<th class="${c.align}">${esc(c.title)}</th>`).join('');
  const body = t.rows
    .map((r) => {
      const isCell = typeof r.dataset === 'string' && typeof r.detector === 'string' && typeof r.k === 'number';
      const id = isCell ? ` id="${t.id}--${anchor(r.dataset as string, r.detector as string, r.k as number)}"` : '';
      const cells = t.columns.map((c) => {
        const v: TableValue = r[c.key] ?? null;
        let text = esc(cellText(v));
        if (isCell && c.key === 'k') {
          // Links between cells: the same (dataset, detector, k) in the other tables, and its ROC plot.
          const target = anchor(r.dataset as string, r.detector as string, r.k as number);
          const links = ['headline', 'window-size', 'families'].filter((x) => x !== t.id && present.has(x)).map((x) => `<a class="x" href="#${x}--${target}" data-table="${x}">${x}</a>`);
          const fig = figureIds.get(`${r.dataset}|${r.detector}`);
          if (fig) links.push(`<a class="x" href="#${fig}">ROC</a>`);
          text += ` <span class="links">${links.join(' ')}</span>`;
        }
        if (isCell && c.key === 'dataset') text = `<a href="#data--${anchor(r.dataset as string)}">${text}</a>`;
        return `<td class="${c.align}">${text}</td>`;
      });
      return `<tr${id}>${cells.join('')}</tr>`;
    })
    .join('\n');
  return `<section id="${t.id}"><h2>${esc(t.title)}</h2><p class="caption">${esc(t.caption)}</p>
<table class="paper" data-table="${t.id}"><thead><tr>${head}</tr></thead><tbody>
${body}
</tbody></table></section>`;
}

export async function htmlReport(r: LoadedResults): Promise<string> {
  const tables = resultTables(r, 'all');
  const figs = await experimentFigures(r.doc, r.choice, { targetFprs: r.config.analysis?.targetFpr ?? [] });
  const figureIds = new Map<string, string>();
  const specs: Record<string, unknown> = {};
  figs.forEach((f, i) => {
    const id = `fig-${i}-${slug(f.file)}`;
    const m = /^plots\/roc-(.*)-f\d+(-linear)?\.svg$/.exec(f.file);
    if (m) for (const c of r.doc.cells) if (`${slug(c.dataset)}-${slug(c.detector)}` === m[1]) figureIds.set(`${c.dataset}|${c.detector}`, id);
    specs[id] = vl.compile(f.spec).spec;
  });
  const warnings = summaryWarnings(r.doc, r.choice, r.notes ?? []);
  const run = r.run ?? null;
  const dataRows = r.doc.datasets
    .map(
      (d) =>
        `<tr id="data--${anchor(d.label)}"><td>${esc(d.label)}</td><td>${esc(d.manifest)}</td><td class="r">${d.files}</td><td class="r">${d.trainTraces}</td><td class="r">${d.calibrateTraces}</td><td class="r">${d.testNormalTraces}</td><td class="r">${d.attackTraces}</td><td><code>${esc(d.checksum.slice(0, 16))}…</code></td></tr>`,
    )
    .join('\n');
  const provenance = { experimentFile: r.provenance.experimentFile, stidebench: r.provenance.stidebench, ...(run ? { run } : {}) };
  const css = `body{font-family:system-ui,DejaVu Sans,sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem;font-size:.85rem}th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;vertical-align:top}
th{background:#f4f4f4}.r{text-align:right}.l{text-align:left}.caption{color:#555;font-size:.85rem;max-width:70rem}
.links a{font-size:.7rem;color:#4e79a7;margin-left:.2rem}tr:target{background:#fff3c4}.fig{margin:1rem 0 2rem}.warn li{color:#8a4b00}
nav a{margin-right:1rem}code{font-size:.8rem}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(r.doc.experiment)} — stidebench report</title>
<style>${css}</style>
${inlineScripts()}
</head><body>
<h1>${esc(r.doc.experiment)}</h1>
${r.config.description ? `<p>${esc(r.config.description.trim())}</p>` : ''}
<p>Reproduce: <code>stidebench run ${esc(String(r.provenance.experimentFile ?? ''))}</code> · tables: <code>stidebench report ${esc(r.dir.split('/').slice(-2).join('/'))} --format md|csv|latex|json</code></p>
<nav>${tables.map((t) => `<a href="#${t.id}">${esc(t.id)}</a>`).join('')}<a href="#plots">plots</a><a href="#provenance">provenance</a></nav>
${warnings.length > 0 ? `<section id="warnings"><h2>Warnings</h2><ul class="warn">${warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></section>` : ''}
${tables.map((t) => htmlTable(t, figureIds, new Set(tables.map((x) => x.id)))).join('\n')}
<section id="plots"><h2>Plots</h2>
${figs.map((f, i) => `<figure class="fig" id="fig-${i}-${slug(f.file)}"><div class="vega" data-spec="fig-${i}-${slug(f.file)}"></div><figcaption>${esc(f.title)} (<a href="${esc(f.file)}">SVG</a>)</figcaption></figure>`).join('\n')}
</section>
<section id="provenance"><h2>Provenance</h2>
<table><thead><tr><th>dataset</th><th>manifest</th><th>files</th><th>train</th><th>calibration</th><th>normal test</th><th>attack</th><th>data checksum</th></tr></thead><tbody>
${dataRows}
</tbody></table>
<pre>${esc(JSON.stringify(provenance, null, 2))}</pre>
<details><summary>resolved experiment configuration</summary><pre>${esc(JSON.stringify(r.config, null, 2))}</pre></details>
</section>
<script>
const SPECS = ${JSON.stringify(specs).replace(/</g, '\\u003c')};
for (const el of document.querySelectorAll('div.vega')) {
  vegaEmbed(el, SPECS[el.dataset.spec], { mode: 'vega', renderer: 'svg', actions: { export: true, source: false, compiled: false, editor: false } })
    .then(() => el.setAttribute('data-rendered', 'yes'))
    .catch((e) => { console.error('plot ' + el.dataset.spec + ': ' + e.message); });
}
</script>
</body></html>
`;
}
