// Owns the detector throughput benchmark: trains each Stide-family detector on ADFA-LD training traces
// and times scoring the ADFA-LD validation traces (about 2.1 M calls), printing calls/s and windows/s.
// Run: npx tsx scripts/bench-detectors.ts [--k 6] [--root /work/shared/datasets/ADFA-LD] [--repeat 3]
// Each row reports the best of `repeat` scoring passes, wall clock and CPU time (user + system; steadier
// when other processes share the machine). Every pass calls score() afresh, so the Hamming per-call
// cache never carries over between traces or passes.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { trainModel, defaultLabel, type DetectorSpec } from '../src/detectors/registry.js';
import { HammingModel } from '../src/detectors/hamming.js';
import { LookaheadModel } from '../src/detectors/lookahead.js';
import { Alphabet } from '../src/traces/alphabet.js';
import { readTraceFile } from '../src/traces/readers/index.js';
import type { RawTrace, Trace } from '../src/traces/trace.js';
import type { Model } from '../src/detectors/types.js';

const { values } = parseArgs({
  options: {
    k: { type: 'string', default: '6' },
    root: { type: 'string', default: '/work/shared/datasets/ADFA-LD' },
    repeat: { type: 'string', default: '3' },
  },
});
const k = Number(values.k);
const root = values.root!;
const repeat = Math.max(1, Number(values.repeat));

function loadDir(dir: string): RawTrace[] {
  const out: RawTrace[] = [];
  for (const f of readdirSync(join(root, dir)).sort()) {
    if (!f.endsWith('.txt')) continue;
    const r = readTraceFile('adfa', join(root, dir, f), {
      dataset: 'adfa-ld', source: `${dir}/${f}`, label: 'normal', program: 'adfa', family: null, intrusion: null,
    });
    out.push(...r.traces);
  }
  return out;
}

const t0 = performance.now();
const alphabet = new Alphabet();
const train: Trace[] = loadDir('Training_Data_Master').map((t) => alphabet.encode(t));
alphabet.freeze();
const test: Trace[] = loadDir('Validation_Data_Master').map((t) => alphabet.encode(t));
let trainCalls = 0;
let testCalls = 0;
let testWindows = 0;
for (const t of train) trainCalls += t.calls.length;
for (const t of test) {
  testCalls += t.calls.length;
  testWindows += Math.max(0, t.calls.length - k + 1);
}
console.log(
  `ADFA-LD: train ${train.length} traces / ${trainCalls} calls, validation ${test.length} traces / ${testCalls} calls / ${testWindows} windows at k=${k}, alphabet ${alphabet.size}; loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);

interface Row {
  label: string;
  trainMs: number;
  scoreMs: number;
  cpuMs: number;
  flagged: number;
  dbSize: number;
  dbBytes: number;
  note: string;
}

function time<T>(fn: () => T): [T, number] {
  const s = performance.now();
  const r = fn();
  return [r, performance.now() - s];
}

/** Wall and CPU (user + system) milliseconds of fn; CPU time is the steadier figure on a busy machine. */
function timeCpu<T>(fn: () => T): [T, number, number] {
  const c = process.cpuUsage();
  const s = performance.now();
  const r = fn();
  const wall = performance.now() - s;
  const u = process.cpuUsage(c);
  return [r, wall, (u.user + u.system) / 1000];
}

function bench(label: string, spec: DetectorSpec, score: (m: Model, t: Trace) => number, note = ''): Row {
  const [model, trainMs] = time(() => trainModel(spec, train, k));
  let best = Infinity;
  let bestCpu = Infinity;
  let flagged = 0;
  for (let r = 0; r < repeat; r++) {
    const [f, ms, cpu] = timeCpu(() => {
      let n = 0;
      for (const t of test) n += score(model, t);
      return n;
    });
    flagged = f;
    if (ms < best) best = ms;
    if (cpu < bestCpu) bestCpu = cpu;
  }
  return { label, trainMs, scoreMs: best, cpuMs: bestCpu, flagged, dbSize: model.dbSize, dbBytes: model.dbBytes, note };
}

const sumSignal = (m: Model, t: Trace): number => {
  const s = m.score(t);
  let n = 0;
  for (let i = 0; i < s.length; i++) n += s[i]!;
  return n;
};

const specs: [DetectorSpec, string][] = [
  [{ kind: 'stide', scope: 'per-program', resetOn: [] }, 'baseline'],
  [{ kind: 'tstide', scope: 'per-program', resetOn: [], params: {} }, ''],
  [{ kind: 'lookahead', scope: 'per-program', resetOn: [] }, ''],
  [{ kind: 'hamming', scope: 'per-program', resetOn: [], params: { minDistance: 1 } }, 'C=1: exact lookup only'],
  [{ kind: 'hamming', scope: 'per-program', resetOn: [], params: { minDistance: 2 } }, 'decides d_min >= 2'],
  [{ kind: 'hamming', scope: 'per-program', resetOn: [], params: { minDistance: 3 } }, 'decides d_min >= 3'],
];
const rows: Row[] = [];
for (const [spec, note] of specs) rows.push(bench(defaultLabel(spec.kind, spec.scope, spec.params), spec, sumSignal, note));

// Full d_min profile (exact nearest-neighbour distance of every window) and the lookahead trace measure.
let sAHist = new Array<number>(k + 1).fill(0);
rows.push(
  bench('hamming d_min profile', { kind: 'hamming', scope: 'per-program', resetOn: [] }, (m, t) => {
    const p = (m as HammingModel).profile(t);
    sAHist[p.sA]!++;
    let n = 0;
    for (let i = 0; i < p.dMin.length; i++) if (p.dMin[i]! > 0) n++;
    return n;
  }, 'exact d_min per window + S_A'),
);
sAHist = sAHist.map((v) => v / repeat);
rows.push(
  bench('lookahead missingPairs', { kind: 'lookahead', scope: 'per-program', resetOn: [] }, (m, t) => {
    const mp = (m as LookaheadModel).missingPairs(t);
    let n = 0;
    for (let i = 0; i < mp.length; i++) n += mp[i]!;
    return n;
  }, 'flagged = total missing pairs'),
);

const fmt = (x: number): string => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M` : `${(x / 1e3).toFixed(0)} k`);
console.log('');
console.log(
  ['detector', 'train ms', 'score ms (wall)', 'score ms (cpu)', 'calls/s (cpu)', 'windows/s (cpu)', 'calls/s (wall)', 'flagged', 'db size', 'db bytes', 'note'].join('\t'),
);
for (const r of rows) {
  console.log(
    [
      r.label, r.trainMs.toFixed(0), r.scoreMs.toFixed(0), r.cpuMs.toFixed(0), fmt(testCalls / (r.cpuMs / 1000)),
      fmt(testWindows / (r.cpuMs / 1000)), fmt(testCalls / (r.scoreMs / 1000)),
      String(r.flagged), String(r.dbSize), String(r.dbBytes), r.note,
    ].join('\t'),
  );
}
console.log(`\nS_A histogram over validation traces (d = 0..${k}): ${sAHist.join(' ')}`);
