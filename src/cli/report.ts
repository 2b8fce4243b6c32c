// Owns `stidebench report RESULTS_DIR`: reads a results folder (metrics.json, provenance.json, and the
// benchmark's timings.json when present) and prints its paper tables as md, csv, latex or json, redraws
// its plots (log or linear ROC, PNG copies) and writes the self-contained HTML report. Never reruns the
// experiment: every number comes from the files.

import { join, relative, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { UsageError } from '../errors.js';
import { EXPORT_FORMATS, renderTables, type ExportFormat } from '../report/export.js';
import { experimentFigures, pngCopies } from '../report/figures.js';
import { writeFileAtomic } from '../report/write.js';
import { htmlReport } from '../report/html.js';
import { TABLE_IDS, loadResults, resultTables, type TableId } from '../report/load.js';

export function registerReportCommand(program: Command): void {
  program
    .command('report')
    .description('print the paper tables of a results folder (md, csv, latex, json), redraw its plots and write its HTML report')
    .argument('<results-dir>', 'a results folder written by stidebench run, e.g. results/quickstart')
    .addOption(new Option('-f, --format <format>', 'table format').choices(EXPORT_FORMATS).default('md'))
    .addOption(new Option('-t, --table <table>', 'which table (csv needs one)').choices(TABLE_IDS).default('all'))
    .option('-o, --output <file>', 'write the tables to FILE instead of stdout')
    .option('--plots', 'redraw plots/*.svg from metrics.json')
    .addOption(new Option('--roc-scale <scale>', 'FPR axis of the ROC plots (with --plots)').choices(['log', 'linear']).default('log'))
    .option('--png', 'also write PNG copies of the plots (with --plots)')
    .option('--html', 'write the self-contained HTML report RESULTS_DIR/index.html')
    .action(async (dirArg: string, opts: { format: ExportFormat; table: TableId; output?: string; plots?: boolean; rocScale: 'log' | 'linear'; png?: boolean; html?: boolean }) => {
      const dir = resolve(dirArg);
      const r = loadResults(dir);
      if (opts.format === 'csv' && opts.table === 'all') {
        throw new UsageError(`--format csv writes one table; choose it with --table ${TABLE_IDS.filter((t) => t !== 'all').join('|')}`);
      }
      const text = renderTables(resultTables(r, opts.table), opts.format);
      if (opts.output) writeFileAtomic(resolve(opts.output), text);
      else if (!opts.html && !opts.plots) process.stdout.write(text);
      const shown = (p: string): string => relative(process.cwd(), p) || p;
      if (opts.plots) {
        const figs = await experimentFigures(r.doc, r.choice, { targetFprs: r.config.analysis?.targetFpr ?? [], rocScale: opts.rocScale });
        for (const f of figs) writeFileAtomic(join(dir, f.file), f.svg);
        if (opts.png) for (const [file, png] of Object.entries(await pngCopies(figs))) writeFileAtomic(join(dir, file), png);
        process.stderr.write(`${figs.length} plots written to ${shown(join(dir, 'plots'))}/\n`);
      }
      if (opts.html) {
        const file = join(dir, 'index.html');
        writeFileAtomic(file, await htmlReport(r));
        process.stderr.write(`HTML report written to ${shown(file)}\n`);
      }
    });
}
