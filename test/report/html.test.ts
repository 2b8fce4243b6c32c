// The HTML report in a real browser: headless Chromium (Debian package) opens results/<exp>/index.html
// from disk with every network request refused, and the test fails on any console error or warning,
// page error or attempted request; every plot must render, and the headline table's rendered text must
// carry the counts of metrics.json.

import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { parseMetrics } from '../../src/report/metrics-schema.js';
import { findPoint, headlineChoice } from '../../src/report/paper-tables.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist', 'cli.js');
const CHROMIUM = '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium && process.env.CI) throw new Error(`${CHROMIUM} is missing: .ci/run installs the Debian package chromium`);
if (!haveChromium) console.warn(`skipping the HTML report browser test: ${CHROMIUM} not installed (apt-get install -y chromium)`);

const tmp = mkdtempSync(join(tmpdir(), 'stidebench-html-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

async function openReport(file: string) {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  const problems: string[] = [];
  try {
    const page = await browser.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    // Offline: anything but the file itself is refused and reported.
    await page.route('**/*', (route) => {
      const url = route.request().url();
      if (url === `file://${file}` || url.startsWith(`file://${file}#`)) return route.continue();
      problems.push(`request: ${url}`);
      return route.abort();
    });
    await page.goto(`file://${file}`);
    const plots = await page.locator('div.vega').count();
    // A string expression: runs in the page (this file is compiled without the DOM library).
    await page.waitForFunction("document.querySelectorAll('div.vega[data-rendered=yes]').length === document.querySelectorAll('div.vega').length", null, { timeout: 30_000 });
    const rendered = await page.locator('div.vega svg.marks').count();
    const headline = await page.locator('#headline table').innerText();
    const rowIds = await page.locator('#headline tbody tr').evaluateAll((rows) => rows.map((r) => r.id));
    // A link between cells resolves to a row of the other table.
    const firstLink = page.locator('#headline tbody tr').first().locator('a.x').first();
    const href = (await firstLink.count()) > 0 ? await firstLink.getAttribute('href') : null;
    const target = href ? await page.locator(`[id="${href.slice(1)}"]`).count() : 0;
    return { problems, plots, rendered, headline, rowIds, href, target };
  } finally {
    await browser.close();
  }
}

describe.skipIf(!haveChromium)('HTML report in headless Chromium', () => {
  it('renders offline, without console errors, with every plot and the headline counts', async () => {
    for (const exp of ['quickstart', 'adfa-window-sweep']) {
      const dir = join(tmp, exp);
      cpSync(join(ROOT, 'results', exp), dir, { recursive: true });
      const r = spawnSync('node', [CLI, 'report', dir, '--html'], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const file = join(dir, 'index.html');
      const html = readFileSync(file, 'utf8');
      expect(html).not.toMatch(/<script[^>]+src=/);
      expect(html).not.toMatch(/<link[^>]+href="https?:/);

      const got = await openReport(file);
      expect(got.problems).toEqual([]);
      expect(got.plots).toBeGreaterThan(0);
      expect(got.rendered).toBe(got.plots);
      const doc = parseMetrics(readFileSync(join(dir, 'metrics.json'), 'utf8'), 'metrics.json');
      const choice = headlineChoice(JSON.parse(readFileSync(join(dir, 'provenance.json'), 'utf8')).resolvedConfig);
      const lines = got.headline.trim().split('\n');
      expect(lines[0]).toMatch(/^dataset\tdetector\tk\tDB size\tDR \(attack traces\)/);
      expect(lines).toHaveLength(doc.cells.length + 1);
      doc.cells.forEach((c, i) => {
        const p = findPoint(c, choice.frame, choice.policy)!;
        const cells = lines[i + 1]!.split('\t');
        expect(cells[0]).toBe(c.dataset);
        expect(cells[1]).toBe(c.detector);
        expect(cells[4]).toMatch(new RegExp(`^${p.detectedTraces.toLocaleString('en-US')}/${p.attackTraces.toLocaleString('en-US')} \\d+\\.\\d%`));
        expect(cells[6]).toMatch(new RegExp(`^${p.falsePositiveTraces.toLocaleString('en-US')}/${p.normalTraces.toLocaleString('en-US')} `));
      });
      expect(got.rowIds.every((id) => id.startsWith('headline--'))).toBe(true);
      if (got.href) expect(got.target, got.href).toBe(1);
    }
  }, 120_000);
});
