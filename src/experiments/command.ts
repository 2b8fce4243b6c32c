// Owns `stidebench run EXPERIMENT.yaml`: load and validate the file, run it, write results/<name>/
// atomically and print the headline table.

import { resolve, relative } from 'node:path';
import type { Command } from 'commander';
import { loadExperiment } from './loader.js';
import { runExperiment } from './run.js';
import { resolveDataDir } from '../datasets/registry.js';
import { makeProgress } from '../report/progress.js';
import { resultFiles } from '../report/results.js';
import { writeResultDir } from '../report/write.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('run an experiment file and write results/<experiment>/ (summary.md, metrics.csv, metrics.json, provenance.json)')
    .argument('<experiment>', 'experiment YAML file')
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, then ./data)')
    .option('--out <dir>', 'results root folder', 'results')
    .option('-q, --quiet', 'no progress and no table on stdout')
    .action(async (file: string, opts: { dataDir?: string; out: string; quiet?: boolean }) => {
      const exp = loadExperiment(file);
      const dataDir = resolveDataDir(opts.dataDir);
      const result = await runExperiment(exp, { dataDir, progress: makeProgress(Boolean(opts.quiet)) });
      const outDir = resolve(opts.out, exp.name);
      const shownFile = relative(process.cwd(), resolve(file)) || file;
      const files = await resultFiles(result, shownFile, dataDir, `stidebench run ${shownFile}`);
      writeResultDir(outDir, files);
      if (!opts.quiet) {
        const summary = String(files['summary.md']);
        const headline = summary.split('\n## ').find((s) => s.startsWith('Headline'));
        process.stdout.write(`## ${headline ?? ''}\n`);
        process.stdout.write(`Results written to ${relative(process.cwd(), outDir) || outDir}/\n`);
      }
    });
}
