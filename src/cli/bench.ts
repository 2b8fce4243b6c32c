// Owns `stidebench bench`: parses the options, loads the dataset, runs the throughput benchmarks of
// src/bench/throughput.ts (detectors + naive baseline, reading vs zcat) and prints a markdown report or
// one JSON object (--json).

import type { Command } from 'commander';
import { InputError } from '../errors.js';
import { MAX_K, parseIntOption } from '../numbers.js';
import { detectorKinds, hasDetector, type DetectorKind } from '../detectors/registry.js';
import { getDataset, resolveDataDir } from '../datasets/registry.js';
import {
  CLOCKS,
  UNM_PROGRAMS,
  benchReading,
  benchThroughput,
  datasetReadingSource,
  defaultSpec,
  loadBenchData,
  machineFingerprint,
  reportJson,
  reportMarkdown,
  type BenchReport,
  type Clock,
  type ReadingResult,
  type ThroughputResult,
  type Timing,
} from '../bench/throughput.js';

export const READING_MODES = ['dataset', 'unm', 'none'] as const;
export type ReadingMode = (typeof READING_MODES)[number];

export interface BenchOptions {
  dataset: string;
  detectors: readonly DetectorKind[];
  ks: readonly number[];
  timing: Timing;
  reading: ReadingMode;
  /** Skip the detector and naive benchmarks (reading only). */
  readingOnly: boolean;
  seed: number;
  dataDir?: string;
  /** Registry folder override (tests). */
  registryDir?: string;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** The options as commander hands them over (strings). */
export interface BenchCliOptions {
  dataset: string;
  detector?: string[];
  k: string[];
  time: string;
  minSamples: string;
  clock: string;
  reading: string;
  readingOnly?: boolean;
  seed: string;
  json?: boolean;
  dataDir?: string;
}

function intOption(name: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  return parseIntOption(name, v, min, max);
}

/** Validates the raw commander options into BenchOptions. */
export function parseBenchOptions(o: BenchCliOptions): BenchOptions {
  const kinds = o.detector ?? detectorKinds();
  for (const d of kinds) {
    if (!hasDetector(d)) throw new InputError(`unknown detector ${d}`, { expected: detectorKinds().join('|') });
  }
  if (!(READING_MODES as readonly string[]).includes(o.reading)) {
    throw new InputError(`unknown --reading ${o.reading}`, { expected: READING_MODES.join('|') });
  }
  if (!(CLOCKS as readonly string[]).includes(o.clock)) throw new InputError(`unknown --clock ${o.clock}`, { expected: CLOCKS.join('|') });
  const ks = [...new Set(o.k.flatMap((v) => v.split(',')).map((v) => intOption('-k', v.trim(), 1, MAX_K)))];
  return {
    dataset: o.dataset,
    detectors: [...new Set(kinds)] as DetectorKind[],
    ks,
    timing: { timeMs: intOption('--time', o.time, 1), minSamples: intOption('--min-samples', o.minSamples, 2), clock: o.clock as Clock },
    reading: o.reading as ReadingMode,
    readingOnly: o.readingOnly === true,
    seed: intOption('--seed', o.seed, 0),
    dataDir: o.dataDir,
  };
}

/** Runs the whole benchmark and returns the report. */
export async function runBench(o: BenchOptions): Promise<BenchReport> {
  const log = o.log ?? (() => {});
  const date = new Date().toISOString();
  const dataDir = resolveDataDir(o.dataDir);
  const manifest = getDataset(o.dataset, o.registryDir);
  const specs = o.detectors.map(defaultSpec);

  let data: BenchReport['data'] = null;
  let through: ThroughputResult | null = null;
  if (!o.readingOnly) {
    log(`loading ${manifest.name} from ${dataDir} ...`);
    const bd = loadBenchData(manifest, dataDir, specs, o.seed);
    log(`measuring ${o.detectors.join(', ')} and the naive baseline at k=${o.ks.join(',')} ...`);
    through = await benchThroughput(bd, { specs, ks: o.ks, timing: o.timing });
    data = {
      dataset: bd.dataset,
      trainFrom: bd.trainFrom,
      trainTraces: through.trainTraces,
      trainCalls: through.trainCalls,
      testTraces: through.testTraces,
      testCalls: through.testCalls,
    };
  }

  let reading: ReadingResult | null = null;
  if (o.reading === 'dataset') {
    log(`measuring reading of ${manifest.name} against zcat ...`);
    reading = await benchReading(manifest.name, [datasetReadingSource(manifest, dataDir)], o.timing);
  } else if (o.reading === 'unm') {
    log(`measuring reading of the ${UNM_PROGRAMS.length} UNM programs against zcat ...`);
    const sources = UNM_PROGRAMS.map((n) => datasetReadingSource(getDataset(n, o.registryDir), dataDir));
    reading = await benchReading('unm', sources, o.timing);
  }

  return {
    date,
    machine: machineFingerprint(),
    settings: {
      dataset: manifest.name,
      detectors: [...o.detectors],
      k: [...o.ks],
      timeMs: o.timing.timeMs,
      minSamples: o.timing.minSamples,
      clock: o.timing.clock,
      seed: o.seed,
    },
    data,
    detectors: through?.detectors ?? [],
    naive: through?.naive ?? [],
    careful: through?.careful ?? [],
    floor: through?.floor ?? [],
    skipped: through?.skipped ?? [],
    reading,
  };
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('measure training / detection throughput (syscalls/s) of every detector against a naive Set<string> baseline, and reading MB/s against zcat')
    .option('--dataset <name>', 'registered dataset to train and test on', 'adfa-ld')
    .option('--detector <kinds...>', `detector kinds (default: all: ${detectorKinds().join(', ')})`)
    .option('-k, --k <k...>', 'window lengths, e.g. -k 4 6 8 (default: 6)')
    .option('--time <ms>', 'time budget per task, ms (detectors: interleaved samples; reading: tinybench)', '500')
    .option('--min-samples <n>', 'minimum samples per task', '5')
    .option('--clock <clock>', 'wall (performance.now) | cpu (CPU time of the process doing the work; for busy shared machines)', 'wall')
    .option('--reading <what>', 'reading benchmark: dataset (the --dataset files) | unm (all 8 UNM programs) | none', 'dataset')
    .option('--reading-only', 'skip the detector benchmarks')
    .option('--seed <n>', 'seed of the train half for datasets without a training subset', '1')
    .option('--data-dir <dir>', 'data directory (default: $STIDEBENCH_DATA, else <package>/data)')
    .option('--json', 'print one JSON object')
    .action(async (raw: Omit<BenchCliOptions, 'k'> & { k?: string[] }) => {
      const opts = parseBenchOptions({ ...raw, k: raw.k ?? ['6'] });
      const report = await runBench({ ...opts, log: (l) => process.stderr.write(`stidebench: ${l}\n`) });
      process.stdout.write(raw.json ? reportJson(report) : reportMarkdown(report));
    });
}
