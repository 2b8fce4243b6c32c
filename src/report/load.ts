// Owns reading a results folder back (metrics.json checked against its schema, provenance.json's
// resolved configuration, the benchmark's timings.json when present) and choosing its paper tables.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import { readMetrics, type MetricsDocument } from './metrics-schema.js';
import { familiesOf, familyTable, headlineChoice, headlineTable, throughputTable, windowSizeTable, type HeadlineChoice, type PaperTable } from './paper-tables.js';
import type { Experiment } from '../experiments/schema.js';

export const TABLE_IDS = ['headline', 'window-size', 'families', 'throughput', 'all'] as const;
export type TableId = (typeof TABLE_IDS)[number];

export interface LoadedResults {
  dir: string;
  doc: MetricsDocument;
  config: Experiment;
  provenance: Record<string, unknown>;
  timings: unknown;
  /** run.json (date, commit, machine), when present. */
  run?: Record<string, unknown>;
  /** The run's data warnings, when the report is written by the run itself. */
  notes?: readonly string[];
  choice: HeadlineChoice;
}

function readJson(file: string, what: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`cannot read ${what}: ${(e as Error).message.split('\n')[0]}`, { file });
  }
}

export function loadResults(dir: string): LoadedResults {
  const metricsFile = join(dir, 'metrics.json');
  if (!existsSync(metricsFile)) throw new InputError('no metrics.json here', { file: dir, expected: 'a results folder written by stidebench run (results/<experiment>)' });
  const doc = readMetrics(metricsFile);
  const provFile = join(dir, 'provenance.json');
  const provenance = (existsSync(provFile) ? readJson(provFile, 'provenance.json') : {}) as Record<string, unknown>;
  const config = provenance.resolvedConfig as Experiment | undefined;
  if (!config || !Array.isArray(config.frames) || !config.thresholds) {
    throw new InputError('provenance.json has no resolvedConfig', { file: provFile, expected: 'the provenance.json written beside metrics.json by stidebench run' });
  }
  const timingsFile = join(dir, 'timings.json');
  const timings = existsSync(timingsFile) ? readJson(timingsFile, 'timings.json') : undefined;
  const runFile = join(dir, 'run.json');
  const run = existsSync(runFile) ? (readJson(runFile, 'run.json') as Record<string, unknown>) : undefined;
  return { dir, doc, config, provenance, timings, run, choice: headlineChoice(config) };
}

/** The tables of a results folder, in report order; `which` picks one (or all that exist). */
export function resultTables(r: LoadedResults, which: TableId = 'all'): PaperTable[] {
  const out: PaperTable[] = [];
  const want = (id: TableId): boolean => which === 'all' || which === id;
  if (want('headline')) out.push(headlineTable(r.doc, r.choice));
  if (want('window-size')) {
    const t = windowSizeTable(r.doc, r.choice, r.config.analysis?.targetFpr ?? []);
    if (t) out.push(t);
    else if (which === 'window-size') throw new InputError('this experiment has no window-size analysis', { file: join(r.dir, 'metrics.json'), expected: 'an experiment with an `analysis:` block' });
  }
  if (want('families')) {
    if (familiesOf(r.doc).length > 1 || which === 'families') out.push(familyTable(r.doc, r.choice));
  }
  if (want('throughput')) {
    const t = r.timings === undefined ? null : throughputTable(r.timings);
    if (t) out.push(t);
    else if (which === 'throughput') throw new InputError(r.timings === undefined ? 'no timings.json in this results folder' : 'timings.json has no rows of numbers', { file: join(r.dir, 'timings.json'), expected: 'timings.json written by the benchmark (stidebench bench)' });
  }
  return out;
}

