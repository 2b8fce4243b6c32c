// Owns the throughput benchmark behind `stidebench bench`: loading and encoding a dataset once (not
// timed), measuring with tinybench how fast each detector kind trains and scores (syscalls/s), the same
// for a naive JS Set<string> baseline, how fast the dataset loaders (loadDataset, and loadDatasetAsync,
// which inflates on the libuv thread pool while parsing) read a dataset's files compared with
// `gzip -dcf` (zcat) on the same files, the machine fingerprint, and the report (markdown and JSON).

import { spawn } from 'node:child_process';
import { closeSync, openSync, statSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { Bench } from 'tinybench';
import { InputError } from '../errors.js';
import { defaultLabel, detectorKinds, resolveSpec, trainModel, type DetectorKind, type DetectorSpec } from '../detectors/registry.js';
import type { Model } from '../detectors/types.js';
import { listFiles } from '../datasets/files.js';
import { labelFile, loadDataset, loadDatasetAsync, readSidecarFile, requireRoot, subsetRegex } from '../datasets/load.js';
import type { Manifest } from '../datasets/manifest.js';
import { seededShuffle } from '../eval/random.js';
import { markdownTable, formatNumber } from '../report/tables.js';
import { encodeSets } from '../prepare/index.js';
import { loadBytes } from '../traces/readers/common.js';
import type { RawTrace, Trace } from '../traces/trace.js';

/** The UNM programs `--reading unm` reads (the registry names of the 8 folders under UNM/). */
export const UNM_PROGRAMS = ['inetd', 'login', 'lpr-mit', 'lpr-unm', 'named', 'ps', 'stide', 'xlock'] as const;

// ---------------------------------------------------------------------------------------------------
// Measuring

export type Clock = 'wall' | 'cpu';
export const CLOCKS: readonly Clock[] = ['wall', 'cpu'];

export interface Timing {
  /** tinybench time budget per task, ms (of the chosen clock). */
  timeMs: number;
  /** Minimum samples per task (slow tasks stop here once the time budget is spent). */
  minSamples: number;
  /**
   * 'wall': performance.now (the usual). 'cpu': CPU time (user + system) of the process doing the work,
   * for shared machines where other processes steal the cores; zcat is then timed by its own CPU time.
   */
  clock: Clock;
}

export const DEFAULT_TIMING: Timing = { timeMs: 500, minSamples: 5, clock: 'wall' };

/** CPU time of this process (all its threads, user + system), ms, microsecond resolution. */
export function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** One tinybench measurement: mean latency of one task call, its relative margin of error, sample count. */
export interface Measurement {
  meanMs: number;
  /** Relative margin of error of the mean, percent (95% CI half-width / mean). */
  rmePercent: number;
  samples: number;
}

export interface Rate extends Measurement {
  /** Syscalls per second: syscalls processed by one task call / mean time of a call. */
  syscallsPerSec: number;
}

interface TaskSpec {
  name: string;
  fn: () => unknown;
}

/** Keeps results alive so the optimiser cannot drop the measured work. */
let sink = 0;

/** Runs tasks one after the other in one tinybench Bench; returns the measurement of each, by name. */
export async function measure(tasks: readonly TaskSpec[], timing: Timing): Promise<Map<string, Measurement>> {
  const bench = new Bench({
    time: timing.timeMs,
    iterations: timing.minSamples,
    warmupTime: Math.min(250, timing.timeMs / 2),
    warmupIterations: 1,
    throws: true,
    ...(timing.clock === 'cpu' ? { now: cpuNow } : {}),
  });
  for (const t of tasks) bench.add(t.name, t.fn);
  await bench.run();
  const out = new Map<string, Measurement>();
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') {
      const why = r.state === 'errored' ? `: ${r.error.message}` : '';
      throw new Error(`benchmark task "${task.name}" did not complete (${r.state})${why}`);
    }
    out.set(task.name, { meanMs: r.latency.mean, rmePercent: r.latency.rme, samples: r.latency.samplesCount });
  }
  return out;
}

function rate(m: Measurement, syscalls: number): Rate {
  return { ...m, syscallsPerSec: m.meanMs > 0 ? syscalls / (m.meanMs / 1000) : 0 };
}

// ---------------------------------------------------------------------------------------------------
// Data

export interface BenchData {
  dataset: string;
  /** How the training traces were chosen, for the report. */
  trainFrom: string;
  train: Trace[];
  test: Trace[];
}

export function totalCalls(traces: readonly Trace[]): number {
  let n = 0;
  for (const t of traces) n += t.calls.length;
  return n;
}

/** The spec `bench` uses for a kind: the registry's defaults (the kind's first scope, its reset calls, no params). */
export function defaultSpec(kind: DetectorKind): DetectorSpec {
  return resolveSpec({ kind });
}

/** Encodes the split through the one pipeline (src/prepare): one vocabulary, training first, the detectors' names, frozen. */
export function encodeSplit(
  dataset: string,
  trainFrom: string,
  train: readonly RawTrace[],
  test: readonly RawTrace[],
  specs: readonly DetectorSpec[],
): BenchData {
  const { sets } = encodeSets({ train, test }, specs);
  return { dataset, trainFrom, train: sets.train, test: sets.test };
}

/**
 * Loads a registered dataset into memory: train = the normal traces of its `training` (or `train`)
 * subset when the manifest has one (ADFA-LD), else a seeded half of the normal traces; test = all the
 * other traces (normal and attack).
 */
export function loadBenchData(m: Manifest, dataDir: string, specs: readonly DetectorSpec[], seed = 1): BenchData {
  const { traces } = loadDataset(m, dataDir);
  const subsetName = ['training', 'train'].find((s) => m.subsets[s] !== undefined);
  let inTrain: (i: number) => boolean;
  let trainFrom: string;
  if (subsetName !== undefined) {
    const re = subsetRegex(m, subsetName);
    inTrain = (i) => traces[i]!.label === 'normal' && re.test(traces[i]!.source);
    trainFrom = `normal traces of subset "${subsetName}"`;
  } else {
    const normal: number[] = [];
    traces.forEach((t, i) => {
      if (t.label === 'normal') normal.push(i);
    });
    const chosen = new Set(seededShuffle(normal, seed).slice(0, Math.ceil(normal.length / 2)));
    inTrain = (i) => chosen.has(i);
    trainFrom = `seeded half of the normal traces (seed ${seed})`;
  }
  const train = traces.filter((_, i) => inTrain(i));
  const test = traces.filter((_, i) => !inTrain(i));
  if (train.length === 0) throw new InputError(`dataset "${m.name}" gave no training traces`);
  return encodeSplit(m.name, trainFrom, train, test, specs);
}

// ---------------------------------------------------------------------------------------------------
// Naive baseline: a JS Set of comma-joined windows.

export function naiveTrain(traces: readonly Trace[], k: number): Set<string> {
  const set = new Set<string>();
  for (const t of traces) {
    const c = t.calls;
    for (let i = 0; i + k <= c.length; i++) set.add(c.slice(i, i + k).join(','));
  }
  return set;
}

export function naiveScore(set: Set<string>, calls: Int32Array, k: number): Uint8Array {
  const nw = calls.length >= k ? calls.length - k + 1 : 0;
  const out = new Uint8Array(nw);
  for (let i = 0; i < nw; i++) out[i] = set.has(calls.slice(i, i + k).join(',')) ? 0 : 1;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Detector throughput

export interface DetectorRow {
  kind: string;
  label: string;
  k: number;
  train: Rate;
  detect: Rate;
  /** Distinct windows in the model's databases. */
  dbSize: number;
  dbBytes: number;
  /** This detector's syscalls/s divided by the naive baseline's at the same k. */
  vsNaive: { train: number; detect: number };
}

export interface NaiveRow {
  k: number;
  train: Rate;
  detect: Rate;
  dbSize: number;
}

/** A detector that cannot run at some k (e.g. lookahead at k = 1), with trainModel's reason. */
export interface SkippedRow {
  kind: string;
  k: number;
  reason: string;
}

export interface ThroughputResult {
  trainTraces: number;
  trainCalls: number;
  testTraces: number;
  testCalls: number;
  detectors: DetectorRow[];
  naive: NaiveRow[];
  skipped: SkippedRow[];
}

export interface ThroughputOptions {
  kinds?: readonly DetectorKind[];
  ks?: readonly number[];
  timing?: Timing;
  specs?: readonly DetectorSpec[];
}

/** Training and detection throughput of every detector and of the naive baseline, at every k. */
export async function benchThroughput(data: BenchData, opts: ThroughputOptions = {}): Promise<ThroughputResult> {
  const timing = opts.timing ?? DEFAULT_TIMING;
  const ks = opts.ks ?? [6];
  const specs = opts.specs ?? (opts.kinds ?? detectorKinds()).map(defaultSpec);
  const { train, test } = data;
  const trainCalls = totalCalls(train);
  const testCalls = totalCalls(test);
  const detectors: DetectorRow[] = [];
  const naive: NaiveRow[] = [];
  const skipped: SkippedRow[] = [];

  for (const k of ks) {
    const tasks: TaskSpec[] = [];
    const models: { spec: DetectorSpec; model: Model; trainName: string; detectName: string }[] = [];
    for (const spec of specs) {
      const label = defaultLabel(spec.kind, spec.scope, spec.params);
      let model: Model;
      try {
        model = trainModel(spec, train, k); // untimed: the model detection is measured with
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        skipped.push({ kind: spec.kind, k, reason: e.message });
        continue;
      }
      const trainName = `train ${label} k=${k}`;
      const detectName = `detect ${label} k=${k}`;
      tasks.push({ name: trainName, fn: () => (sink ^= trainModel(spec, train, k).dbSize) });
      tasks.push({
        name: detectName,
        fn: () => {
          let s = 0;
          for (const t of test) {
            const sig = model.score(t);
            s += sig.length + (sig.length > 0 ? sig[0]! : 0);
          }
          sink ^= s;
        },
      });
      models.push({ spec, model, trainName, detectName });
    }
    const set = naiveTrain(train, k);
    tasks.push({ name: `train naive k=${k}`, fn: () => (sink ^= naiveTrain(train, k).size) });
    tasks.push({
      name: `detect naive k=${k}`,
      fn: () => {
        let s = 0;
        for (const t of test) {
          const sig = naiveScore(set, t.calls, k);
          s += sig.length + (sig.length > 0 ? sig[0]! : 0);
        }
        sink ^= s;
      },
    });

    const m = await measure(tasks, timing);
    const naiveRow: NaiveRow = {
      k,
      train: rate(m.get(`train naive k=${k}`)!, trainCalls),
      detect: rate(m.get(`detect naive k=${k}`)!, testCalls),
      dbSize: set.size,
    };
    naive.push(naiveRow);
    for (const { spec, model, trainName, detectName } of models) {
      const tr = rate(m.get(trainName)!, trainCalls);
      const de = rate(m.get(detectName)!, testCalls);
      detectors.push({
        kind: spec.kind,
        label: defaultLabel(spec.kind, spec.scope, spec.params),
        k,
        train: tr,
        detect: de,
        dbSize: model.dbSize,
        dbBytes: model.dbBytes,
        vsNaive: {
          train: naiveRow.train.syscallsPerSec > 0 ? tr.syscallsPerSec / naiveRow.train.syscallsPerSec : 0,
          detect: naiveRow.detect.syscallsPerSec > 0 ? de.syscallsPerSec / naiveRow.detect.syscallsPerSec : 0,
        },
      });
    }
  }
  return { trainTraces: train.length, trainCalls, testTraces: test.length, testCalls, detectors, naive, skipped };
}

// ---------------------------------------------------------------------------------------------------
// Reading throughput

/** A set of files read as one unit: the reader reads them all through `read`, zcat reads `files`. */
export interface ReadingSource {
  name: string;
  /** Folder the files are relative to. */
  root: string;
  files: string[];
  /** Reads and parses every file (the timed work, synchronous: loadDataset); returns how many traces came out. */
  read: () => number;
  /** The same through the async loader (loadDatasetAsync); without it the async reader is not measured. */
  readAsync?: () => Promise<number>;
}

export interface ReadRate extends Measurement {
  /** Decompressed megabytes (10^6 bytes) per second. */
  mbPerSec: number;
}

/** The synchronous loader's rate, with the async loader's beside it. */
export interface ReaderRates extends ReadRate {
  /**
   * loadDatasetAsync on the same files (reads ahead, inflates on the libuv thread pool while the main
   * thread parses); `overZcat` = its mean time / zcat's. null when a source has no async reader.
   */
  async: (ReadRate & { overZcat: number | null }) | null;
}

export interface ReadingResult {
  name: string;
  sources: string[];
  files: number;
  /** Bytes on disk. */
  fileBytes: number;
  /** Bytes after gunzip (= fileBytes for plain text). */
  bytes: number;
  traces: number;
  /** loadDataset (synchronous), with loadDatasetAsync under `async`. */
  reader: ReaderRates;
  /** `gzip -dcf FILES > /dev/null` on the same files; null when gzip cannot be run. */
  zcat: ReadRate | null;
  /** Sync reader mean time / zcat mean time (1.5 = it takes 1.5x as long as zcat); null without zcat. */
  readerOverZcat: number | null;
}

/** The files loadDataset reads for a manifest (same walk, same rules), as a ReadingSource. */
export function datasetReadingSource(m: Manifest, dataDir: string): ReadingSource {
  const root = requireRoot(m, dataDir);
  const readSidecar = (rel: string) => readSidecarFile(join(root, rel));
  const files = listFiles(root).filter((rel) => labelFile(m, rel, readSidecar) !== null);
  return {
    name: m.name,
    root,
    files,
    read: () => loadDataset(m, dataDir).traces.length,
    readAsync: async () => (await loadDatasetAsync(m, dataDir)).traces.length,
  };
}

/** Splits a file list into argument lists of at most `maxChars` characters. */
function chunkArgs(files: readonly string[], maxChars = 100_000): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let len = 0;
  for (const f of files) {
    if (cur.length > 0 && len + f.length + 1 > maxChars) {
      out.push(cur);
      cur = [];
      len = 0;
    }
    cur.push(f);
    len += f.length + 1;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

/**
 * Runs `gzip -dcf FILES > /dev/null` in `cwd`. With the cpu clock it runs under bash's `time` and
 * returns gzip's CPU time (user + system, ms); with the wall clock it returns 0 (the caller times it).
 */
function runGzip(args: readonly string[], cwd: string, devNull: number, clock: Clock): Promise<number> {
  return new Promise((resolve, reject) => {
    const p =
      clock === 'cpu'
        ? spawn('bash', ['-c', 'TIMEFORMAT="%3U %3S"; time gzip -dcf -- "$@" > /dev/null', 'bash', ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
        : spawn('gzip', ['-dcf', '--', ...args], { cwd, stdio: ['ignore', devNull, 'pipe'] });
    let err = '';
    p.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`gzip -dcf exited with ${code}: ${err.trim().slice(0, 200)}`));
      if (clock === 'wall') return resolve(0);
      const m = /(\d+\.\d+) (\d+\.\d+)\s*$/.exec(err);
      if (m === null) return reject(new Error(`cannot read gzip's CPU time from bash: ${err.trim().slice(0, 200)}`));
      resolve((Number(m[1]) + Number(m[2])) * 1000);
    });
  });
}

/** Reads every source once through gzip -dcf, to /dev/null; returns gzip's CPU ms (cpu clock) or 0. */
async function zcatAll(sources: readonly ReadingSource[], devNull: number, clock: Clock): Promise<number> {
  let cpu = 0;
  for (const s of sources) for (const chunk of chunkArgs(s.files)) cpu += await runGzip(chunk, s.root, devNull, clock);
  return cpu;
}

/**
 * Reading throughput of the sources (as one unit) against zcat on the same files. An untimed first
 * pass counts the bytes and brings the files into the page cache, so both sides read from memory.
 */
export async function benchReading(name: string, sources: readonly ReadingSource[], timing: Timing = DEFAULT_TIMING): Promise<ReadingResult> {
  let fileBytes = 0;
  let bytes = 0;
  let files = 0;
  for (const s of sources) {
    for (const rel of s.files) {
      const abs = join(s.root, rel);
      bytes += loadBytes(abs).length;
      fileBytes += statSync(abs).size;
      files++;
    }
  }
  let traces = 0;
  const tasks: TaskSpec[] = [
    {
      name: 'read',
      fn: () => {
        let n = 0;
        for (const s of sources) n += s.read();
        traces = n;
      },
    },
  ];
  const asyncReaders = sources.map((s) => s.readAsync);
  const withAsync = asyncReaders.every((r) => r !== undefined);
  if (withAsync) {
    tasks.push({
      name: 'read async',
      fn: async () => {
        let n = 0;
        for (const r of asyncReaders) n += await r!();
        if (traces > 0 && n !== traces) throw new Error(`the async reader gave ${n} traces, the sync one ${traces}`);
      },
    });
  }
  let devNull = -1;
  let gzipOk = false;
  try {
    devNull = openSync('/dev/null', 'w');
    await zcatAll(sources, devNull, timing.clock); // also checks gzip (and bash for the cpu clock) runs at all
    gzipOk = true;
  } catch {
    gzipOk = false;
  }
  if (gzipOk) {
    tasks.push({
      name: 'zcat',
      fn:
        timing.clock === 'cpu'
          ? async () => ({ overriddenDuration: await zcatAll(sources, devNull, 'cpu') })
          : () => zcatAll(sources, devNull, 'wall'),
    });
  }
  try {
    const m = await measure(tasks, timing);
    const mb = bytes / 1e6;
    const toRate = (x: Measurement): ReadRate => ({ ...x, mbPerSec: x.meanMs > 0 ? mb / (x.meanMs / 1000) : 0 });
    const zm = m.get('zcat');
    const zcat = zm !== undefined ? toRate(zm) : null;
    const overZcat = (x: Measurement): number | null => (zcat !== null && zcat.meanMs > 0 ? x.meanMs / zcat.meanMs : null);
    const am = m.get('read async');
    const reader: ReaderRates = { ...toRate(m.get('read')!), async: am !== undefined ? { ...toRate(am), overZcat: overZcat(am) } : null };
    return {
      name,
      sources: sources.map((s) => s.name),
      files,
      fileBytes,
      bytes,
      traces,
      reader,
      zcat,
      readerOverZcat: overZcat(reader),
    };
  } finally {
    if (devNull >= 0) closeSync(devNull);
  }
}

// ---------------------------------------------------------------------------------------------------
// Machine and report

export interface Machine {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  v8: string;
  platform: string;
  arch: string;
  osRelease: string;
  /** 1-minute load average when the run ended: above the core count, other work shared the cores. */
  loadAverage1m: number;
}

export function machineFingerprint(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryBytes: os.totalmem(),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    osRelease: os.release(),
    loadAverage1m: os.loadavg()[0] ?? 0,
  };
}

export interface BenchReport {
  /** When the run started, ISO 8601. */
  date: string;
  machine: Machine;
  settings: { dataset: string; detectors: string[]; k: number[]; timeMs: number; minSamples: number; clock: Clock; seed: number };
  data: { dataset: string; trainFrom: string; trainTraces: number; trainCalls: number; testTraces: number; testCalls: number } | null;
  detectors: DetectorRow[];
  naive: NaiveRow[];
  /** Detector/k pairs that could not run. */
  skipped: SkippedRow[];
  reading: ReadingResult | null;
}

/** The report as the JSON `bench --json` prints (rates as plain numbers; see README keys in the reply). */
export function reportJson(r: BenchReport): string {
  return JSON.stringify(r, null, 2) + '\n';
}

/** 123456789 → "123.5 M". */
export function formatRate(x: number): string {
  if (x >= 1e9) return `${formatNumber(x / 1e9, 2)} G`;
  if (x >= 1e6) return `${formatNumber(x / 1e6, 1)} M`;
  if (x >= 1e3) return `${formatNumber(x / 1e3, 1)} k`;
  return formatNumber(x, 0);
}

function ms(x: number): string {
  return x >= 100 ? formatNumber(x, 0) : x >= 1 ? formatNumber(x, 2) : formatNumber(x, 4);
}

function gib(bytes: number): string {
  return `${formatNumber(bytes / 2 ** 30, 1)} GiB`;
}

export function reportMarkdown(r: BenchReport): string {
  const m = r.machine;
  const out: string[] = [];
  out.push(`# stidebench bench — ${r.date}\n`);
  out.push(
    `Machine: ${m.cpuModel}, ${m.cores} cores, ${gib(m.memoryBytes)} RAM, Node ${m.node} (V8 ${m.v8}), ${m.platform}/${m.arch} ${m.osRelease}; ` +
      `load average ${formatNumber(m.loadAverage1m, 2)}${m.loadAverage1m > m.cores ? ' (busy: other processes shared the cores)' : ''}\n`,
  );
  const clock = r.settings.clock === 'cpu' ? 'CPU time (user + system of the process doing the work)' : 'wall-clock time';
  out.push(`tinybench: ${r.settings.timeMs} ms per task, at least ${r.settings.minSamples} samples, ${clock}; one core.\n`);
  if (r.data !== null) {
    const d = r.data;
    out.push(
      `Data: ${d.dataset}; train = ${d.trainFrom}: ${formatNumber(d.trainTraces)} traces, ${formatNumber(d.trainCalls)} calls; ` +
        `test = every other trace: ${formatNumber(d.testTraces)} traces, ${formatNumber(d.testCalls)} calls (in memory, encoded).\n`,
    );
    const rows: (string | number)[][] = [];
    for (const k of r.settings.k) {
      const naive = r.naive.find((n) => n.k === k);
      for (const det of r.detectors.filter((x) => x.k === k)) {
        for (const phase of ['train', 'detect'] as const) {
          const x = det[phase];
          rows.push([det.label, k, phase, formatRate(x.syscallsPerSec), ms(x.meanMs), formatNumber(x.rmePercent, 1), x.samples, formatNumber(det.dbSize), formatNumber(det.dbBytes), `${formatNumber(det.vsNaive[phase], 1)}×`]);
        }
      }
      if (naive !== undefined) {
        for (const phase of ['train', 'detect'] as const) {
          const x = naive[phase];
          rows.push(['naive Set<string>', k, phase, formatRate(x.syscallsPerSec), ms(x.meanMs), formatNumber(x.rmePercent, 1), x.samples, formatNumber(naive.dbSize), 'n/a', '1.0×']);
        }
      }
    }
    out.push('## Detector throughput (syscalls/s)\n');
    out.push(
      markdownTable(
        ['detector', 'k', 'phase', 'syscalls/s', 'mean ms', 'rme %', 'samples', 'db windows', 'db bytes', 'vs naive'],
        rows,
        ['l', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
      ),
    );
    for (const s of r.skipped) out.push(`Skipped ${s.kind} at k=${s.k}: ${s.reason}\n`);
  }
  if (r.reading !== null) {
    const g = r.reading;
    out.push('## Reading (decompressed MB/s, MB = 10^6 bytes, files in the page cache)\n');
    if (r.settings.clock === 'cpu') out.push('CPU time counts every thread of the process: the async loader\'s inflating on the libuv thread pool too.\n');
    const row = (who: string, x: ReadRate | null): (string | number)[] =>
      x === null ? [who, 'n/a', 'n/a', 'n/a', 'n/a'] : [who, formatNumber(x.mbPerSec, 1), ms(x.meanMs), formatNumber(x.rmePercent, 1), x.samples];
    out.push(
      `${g.name} (${g.sources.join(', ')}): ${formatNumber(g.files)} files, ${formatNumber(g.fileBytes / 1e6, 1)} MB on disk, ` +
        `${formatNumber(g.bytes / 1e6, 1)} MB decompressed, ${formatNumber(g.traces)} traces.\n`,
    );
    const rows = [row('stidebench loadDataset (sync read + parse)', g.reader)];
    if (g.reader.async !== null) rows.push(row('stidebench loadDatasetAsync (inflate on the thread pool)', g.reader.async));
    rows.push(row('gzip -dcf > /dev/null (zcat)', g.zcat));
    out.push(markdownTable(['reader', 'MB/s', 'mean ms', 'rme %', 'samples'], rows, ['l', 'r', 'r', 'r', 'r']));
    const ratio = (x: number | null): string => (x === null ? 'n/a (gzip not runnable)' : `${formatNumber(x, 2)}×`);
    out.push(
      `Reader time / zcat time: sync ${ratio(g.readerOverZcat)}` + (g.reader.async !== null ? `, async ${ratio(g.reader.async.overZcat)}` : '') + '\n',
    );
  }
  return out.join('\n');
}
