// Owns the throughput documents of an experiment (issue 11): timings.json (per cell: training and
// scoring syscalls/s on the wall and CPU clocks, database bytes per window, machine load) and
// throughput.md (the table per dataset, detector and k). Kept apart from metrics.json and summary.md,
// which must stay byte-identical for the same inputs; timings change from run to run, so summary.md
// carries only a fixed pointer to them.

import os from 'node:os';
import type { ExperimentResult } from '../experiments/run.js';
import { formatNumber, markdownTable, stableJson } from './tables.js';

const rate = (calls: number, ms: number | null): number | null => (ms === null || ms <= 0 ? null : calls / (ms / 1000));

export interface CellThroughput {
  dataset: string;
  detector: string;
  k: number;
  where: string;
  trainCalls: number;
  trainMs: number;
  trainCpuMs: number | null;
  trainPerSecWall: number | null;
  trainPerSecCpu: number | null;
  scoreCalls: number;
  scoreMs: number;
  scoreCpuMs: number | null;
  scorePerSecWall: number | null;
  scorePerSecCpu: number | null;
  dbSize: number;
  dbBytes: number;
  dbBytesPerWindow: number | null;
}

export function cellThroughput(r: ExperimentResult): CellThroughput[] {
  // Cells computed elsewhere without timings (an older queue worker) are left out, not invented.
  return r.cells.filter((c) => c.timings !== undefined).map((c) => {
    const t = c.timings!;
    return {
      dataset: c.dataset,
      detector: c.detector,
      k: c.k,
      where: t.where,
      trainCalls: c.trainCalls,
      trainMs: t.trainMs,
      trainCpuMs: t.trainCpuMs,
      trainPerSecWall: rate(c.trainCalls, t.trainMs),
      trainPerSecCpu: rate(c.trainCalls, t.trainCpuMs),
      scoreCalls: t.scoreCalls,
      scoreMs: t.scoreMs,
      scoreCpuMs: t.scoreCpuMs,
      scorePerSecWall: rate(t.scoreCalls, t.scoreMs),
      scorePerSecCpu: rate(t.scoreCalls, t.scoreCpuMs),
      dbSize: c.dbSize,
      dbBytes: c.dbBytes,
      dbBytesPerWindow: c.dbSize > 0 ? c.dbBytes / c.dbSize : null,
    };
  });
}

/** timings.json: per-cell throughput, the machine and its load when the run ended, the date. */
export function timingsDocument(r: ExperimentResult): string {
  const cpus = os.cpus();
  return stableJson({
    experiment: r.experiment.name,
    date: new Date().toISOString(),
    machine: { cpuModel: cpus[0]?.model.trim() ?? 'unknown', cores: cpus.length, node: process.version, loadAverage: os.loadavg() },
    cells: cellThroughput(r),
  });
}

function perSec(x: number | null): string {
  if (x === null) return 'n/a';
  if (x >= 1e6) return `${formatNumber(x / 1e6, 1)} M`;
  if (x >= 1e3) return `${formatNumber(x / 1e3, 1)} k`;
  return formatNumber(x, 0);
}

/** The fixed line summary.md ends with (deterministic: no numbers). */
export const THROUGHPUT_POINTER =
  '\n## Throughput\n\nTraining and scoring syscalls/s (wall and CPU clock) and database bytes per window of every cell, measured in this run: [`throughput.md`](throughput.md), [`timings.json`](timings.json). They vary from run to run and machine to machine, so they are kept out of this summary and of `metrics.json`.\n';

/** throughput.md: one row per (dataset, detector, k). */
export function throughputMarkdown(r: ExperimentResult): string {
  const rows = cellThroughput(r).map((c) => [
    c.dataset, c.detector, c.k, formatNumber(c.trainCalls), perSec(c.trainPerSecWall), perSec(c.trainPerSecCpu),
    formatNumber(c.scoreCalls), perSec(c.scorePerSecWall), perSec(c.scorePerSecCpu), formatNumber(c.dbSize), formatNumber(c.dbBytesPerWindow, 1), c.where,
  ]);
  const load = os.loadavg().map((x) => formatNumber(x, 2)).join(', ');
  return [
    `# ${r.experiment.name}: throughput (syscalls/s)`,
    '',
    `Measured ${new Date().toISOString()} by the run that wrote this folder; not part of \`metrics.json\`.`,
    '',
    `Wall and CPU clock (process user + system; n/a for cells run in worker threads). Training builds the model; scoring covers the calibration, normal test and attack traces with every frame's summaries. ${os.cpus().length} cores, load average ${load} at the end of the run. Per-cell numbers: \`timings.json\`.`,
    '',
    markdownTable(
      ['dataset', 'detector', 'k', 'train calls', 'train/s wall', 'train/s CPU', 'scored calls', 'score/s wall', 'score/s CPU', 'db windows', 'db bytes/window', 'ran'],
      rows,
      ['l', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'l'],
    ),
  ].join('\n') + '\n';
}
