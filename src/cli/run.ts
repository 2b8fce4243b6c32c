// Owns `stidebench run EXPERIMENT.yaml`: load and validate the file, run it, write results/<name>/
// atomically and print the headline table. A file with `study: NAME` runs that registered study
// (src/experiments/studies.ts) with the same --data-dir, --out and --quiet.

import { resolve, relative } from 'node:path';
import { parseIntOption } from '../numbers.js';
import { InputError } from '../errors.js';
import { CellCache, defaultCacheDir } from '../eval/cache.js';
import { defaultJobs } from '../eval/pool.js';
import type { Command } from 'commander';
import { parseExperiment } from '../experiments/loader.js';
import { getStudy, readRunFile, studyOf } from '../experiments/studies.js';
import { runExperiment } from '../experiments/run.js';
import { resolveDataDir } from '../datasets/registry.js';
import { makeProgress } from '../report/progress.js';
import { resultFiles } from '../report/results.js';
import { exploitFiles } from '../report/exploit.js';
import type { RemoteRunner } from '../experiments/run.js';
import { assertReplaceable, lockResultDir, resultDirIn, writeResultDir } from '../report/write.js';

/** How `run --queue` reaches remote workers (given by the CLI entry, so experiments/ never imports queue/). */
export interface RemoteFactory {
  defaultName: string;
  open(url: string, name: string, status?: (line: string) => void): Promise<RemoteRunner & { close(): Promise<void> }>;
}

export function registerRunCommand(program: Command, remoteFactory?: RemoteFactory): void {
  program
    .command('run')
    .description('run an experiment file and write results/<experiment>/ (summary.md, metrics.csv, metrics.json, provenance.json)')
    .argument('<experiment>', 'experiment YAML file')
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, else <package>/data)')
    .option('--out <dir>', 'results root folder', 'results')
    .option('-q, --quiet', 'no progress and no table on stdout')
    .option('-j, --jobs <n>', 'worker threads for cells (default: 1 on machines with <= 2 cores, where workers were measured slower; else the number of cores)', String(defaultJobs()))
    .option('--no-cache', 'ignore the scored-cell cache and recompute every cell')
    .option('--cache-dir <dir>', 'scored-cell cache folder (default: $STIDEBENCH_CACHE, then .cache/stidebench)')
    .option('--strict', 'refuse registered data that fails its manifest checksums (default: a warning)')
    .option('--lenient', 'skip malformed trace lines (counted and reported as warnings in the summary) instead of stopping at the first')
    .option('--queue <url>', 'compute the cells on `stidebench worker` processes through this Redis (redis://HOST:PORT)')
    .option('--queue-name <name>', 'queue name (workers must use the same)', remoteFactory?.defaultName ?? 'stidebench-cells')
    .action(async (file: string, opts: { dataDir?: string; out: string; quiet?: boolean; jobs: string; cache: boolean; cacheDir?: string; strict?: boolean; lenient?: boolean; queue?: string; queueName: string }) => {
      const text = readRunFile(file);
      const study = studyOf(text, file);
      if (study !== undefined) {
        const s = getStudy(study, file);
        const shown = relative(process.cwd(), resolve(file)) || file;
        const log = opts.quiet ? () => {} : (line: string) => process.stderr.write(`${line}\n`);
        const r = await s.run({ file: shown, text, dataDir: resolveDataDir(opts.dataDir), out: opts.out, log });
        if (!opts.quiet) process.stdout.write(`${r.headline}\nResults written to ${relative(process.cwd(), r.outDir) || r.outDir}/\n`);
        return;
      }
      const exp = parseExperiment(text, file);
      // Checked before any work: the results folder stays inside --out and never replaces a non-result folder.
      const outDir = resultDirIn(opts.out, exp.name);
      // One run per results folder at a time; a result left aside by a killed run is restored first.
      const release = lockResultDir(outDir);
      assertReplaceable(outDir);
      const dataDir = resolveDataDir(opts.dataDir);
      const jobs = parseIntOption('--jobs', opts.jobs, 1, 1024);
      const cache = opts.cache ? new CellCache(opts.cacheDir ?? defaultCacheDir()) : undefined;
      // Ctrl-C: results are only ever written by one atomic rename at the end, and cache entries are
      // whole files, so stopping here leaves nothing half-written; a rerun resumes from the cache.
      const onSigint = (): void => {
        process.stderr.write('\nstidebench: interrupted; no results written (scored cells are cached, rerun to resume)\n');
        process.exit(130);
      };
      process.once('SIGINT', onSigint);
      if (opts.queue !== undefined && remoteFactory === undefined) throw new InputError('option --queue is not available in this build');
      const remote = opts.queue !== undefined ? await remoteFactory!.open(opts.queue, opts.queueName, opts.quiet ? undefined : (line) => process.stderr.write(`${line}\n`)) : undefined;
      let result;
      try {
        result = await runExperiment(exp, { dataDir, progress: makeProgress(Boolean(opts.quiet)), jobs: remote ? 1 : jobs, cache, strict: opts.strict, lenient: opts.lenient === true, remote });
      } finally {
        await remote?.close();
      }
      for (const n of result.notes) process.stderr.write(`stidebench: warning: ${n}\n`);
      // --lenient: what was skipped is said here too (the summary's data warnings list it per dataset).
      for (const d of result.datasets) for (const w of d.warnings) if (w.includes('--lenient')) process.stderr.write(`stidebench: warning: ${d.label}: ${w}\n`);
      if (cache && !opts.quiet) process.stderr.write(`cache: ${cache.hits} cells reused, ${cache.misses} computed\n`);
      // A damaged cache cell is never trusted: it was recomputed, and that is said even with --quiet.
      for (const d of cache?.damaged ?? []) process.stderr.write(`stidebench: warning: ${d}\n`);
      const shownFile = relative(process.cwd(), resolve(file)) || file;
      const files = await resultFiles(result, shownFile, dataDir, `stidebench run ${shownFile}`, { outDir });
      Object.assign(files, exploitFiles(result));
      writeResultDir(outDir, files);
      release();
      if (!opts.quiet) {
        const summary = String(files['summary.md']);
        const headline = summary.split('\n## ').find((s) => s.startsWith('Headline'));
        process.stdout.write(`## ${headline ?? ''}\n`);
        process.stdout.write(`Results written to ${relative(process.cwd(), outDir) || outDir}/\n`);
      }
    });
}
