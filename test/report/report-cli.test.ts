// `stidebench report`: the paper tables of a committed results folder as md, csv, latex and json —
// numbers checked against metrics.json itself — plus timings.json's throughput table, redrawn plots
// (linear ROC, PNG) and bad input.

import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { parse } from 'csv-parse/sync';
import { headlineChoice, findPoint } from '../../src/report/paper-tables.js';
import { parseMetrics } from '../../src/report/metrics-schema.js';
import { latexEscape } from '../../src/report/export.js';

const ROOT = join(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-report-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const copy = (exp: string): string => {
  const dir = join(tmp, exp);
  cpSync(join(ROOT, 'results', exp), dir, { recursive: true });
  // The committed result only: a local run also leaves its git-ignored timings.json there.
  for (const f of ['timings.json', 'throughput.md', 'run.json', 'index.html']) rmSync(join(dir, f), { force: true });
  return dir;
};
const report = (...args: string[]) => spawnSync('node', [CLI, 'report', ...args], { encoding: 'utf8' });

describe('stidebench report', () => {
  const dir = copy('quickstart');
  const doc = parseMetrics(readFileSync(join(dir, 'metrics.json'), 'utf8'), 'metrics.json');
  const cfg = JSON.parse(readFileSync(join(dir, 'provenance.json'), 'utf8')).resolvedConfig;
  const choice = headlineChoice(cfg);

  it('csv: one row per cell, counts and Wilson limits as numbers equal to metrics.json', () => {
    const r = report(dir, '--format', 'csv', '--table', 'headline');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const rows = parse(r.stdout, { columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(doc.cells.length);
    rows.forEach((row, i) => {
      const p = findPoint(doc.cells[i]!, choice.frame, choice.policy)!;
      expect(Number(row.dr_x)).toBe(p.detectedTraces);
      expect(Number(row.dr_n)).toBe(p.attackTraces);
      expect(Number(row.fpr_x)).toBe(p.falsePositiveTraces);
      expect(Number(row.fpr_n)).toBe(p.normalTraces);
      expect(Number(row.dr_low)).toBeLessThanOrEqual(Number(row.dr));
      expect(Number(row.dr_high)).toBeGreaterThanOrEqual(Number(row.dr));
      // Pooled mismatch over windows: no interval (windows of a trace are not independent).
      expect(row.mismatchNormal_low).toBe('');
    });
  });

  it('md, latex and json print the same counts', () => {
    const p = findPoint(doc.cells[0]!, choice.frame, choice.policy)!;
    const dr = `${p.detectedTraces}/${p.attackTraces}`;
    const md = report(dir, '--table', 'headline');
    expect(md.status).toBe(0);
    expect(md.stdout).toMatch(/^## Headline: frame 20, threshold LFC>=6/);
    expect(md.stdout).toContain(`| ${dr} `);
    const tex = report(dir, '--format', 'latex');
    expect(tex.status).toBe(0);
    expect(tex.stdout).toContain('\\toprule');
    expect(tex.stdout).toContain(`${dr} `);
    expect(tex.stdout).toContain('\\%');
    expect(tex.stdout).not.toMatch(/[^\\]%\s*\[/);
    const json = JSON.parse(report(dir, '--format', 'json').stdout);
    expect(json.map((t: { id: string }) => t.id)).toEqual(['headline', 'families']);
    expect(json[0].rows[0].dr).toMatchObject({ x: p.detectedTraces, n: p.attackTraces, interval: 'wilson' });
  });

  it('window-size table with bootstrap intervals, and plots redrawn on a linear ROC axis with PNG copies', () => {
    const sweep = copy('adfa-window-sweep');
    const md = report(sweep, '--table', 'window-size');
    expect(md.status).toBe(0);
    expect(md.stdout).toContain('DR@5% FPR');
    const plots = report(sweep, '--plots', '--roc-scale', 'linear', '--png');
    expect(plots.status).toBe(0);
    expect(existsSync(join(sweep, 'plots', 'roc-adfa-ld-stide-shared-f100-linear.svg'))).toBe(true);
    expect(existsSync(join(sweep, 'plots', 'roc-adfa-ld-stide-shared-f100-linear.png'))).toBe(true);
    expect(readFileSync(join(sweep, 'plots', 'roc-adfa-ld-stide-shared-f100-linear.svg'), 'utf8')).not.toContain('log scale');
  });

  it('throughput from timings.json when present', () => {
    const t = report(dir, '--table', 'throughput');
    expect(t.status).not.toBe(0);
    expect(t.stderr).toMatch(/no timings\.json/);
    writeFileSync(join(dir, 'timings.json'), JSON.stringify({ cells: [{ dataset: 'sample', detector: 'stide', k: 6, trainSyscallsPerSec: 2.5e7, detectSyscallsPerSec: 6.5e7 }] }));
    const ok = report(dir, '--table', 'throughput', '--format', 'csv');
    expect(ok.status).toBe(0);
    expect(parse(ok.stdout, { columns: true })).toEqual([{ dataset: 'sample', detector: 'stide', k: '6', detectSyscallsPerSec: '65000000', trainSyscallsPerSec: '25000000' }]);
  });

  it('bad input: one line, no stack trace', () => {
    const missing = report(join(tmp, 'nope'));
    expect(missing.status).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(/nope: no metrics\.json here/);
    const csvAll = report(dir, '--format', 'csv');
    expect(csvAll.status).toBe(2);
    expect(csvAll.stderr).toMatch(/--table/);
    const badFormat = report(dir, '--format', 'docx');
    expect(badFormat.status).toBe(2);
  });

  it('escapes LaTeX specials', () => {
    expect(latexEscape('a_b 5% & {x} #1 LFC>=6 t=∞')).toBe('a\\_b 5\\% \\& \\{x\\} \\#1 LFC$\\geq$6 t=$\\infty$');
  });
});
