// Tests `stidebench bench` (src/bench): on tiny in-memory traces every detector kind and the naive
// baseline get positive throughputs and a ratio; a run on the mini-unm fixture gives a report whose
// JSON has the documented keys. No timing assertions: speed targets are reported, never tested.

import { describe, expect, it } from 'vitest';
import { detectorKinds, namesNeeded, trainModel } from '../../src/detectors/registry.js';
import { InputError, UsageError } from '../../src/errors.js';
import {
  benchThroughput,
  defaultSpec,
  naiveScore,
  naiveTrain,
  reportJson,
  reportMarkdown,
  type BenchData,
  type Timing,
} from '../../src/bench/throughput.js';
import { parseBenchOptions, runBench } from '../../src/cli/bench.js';
import { carefulRadix, carefulScore, carefulTrain } from '../../src/bench/baselines.js';
import { interleave } from '../../src/bench/interleave.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import { makeTraces, randomCalls } from '../helpers.js';
import { FIXTURE_DATA, FIXTURE_REGISTRY } from '../datasets/helpers.js';

const FAST: Timing = { timeMs: 5, minSamples: 2, clock: 'wall' };

function tinyData(): BenchData {
  const a = new Alphabet();
  const names = ['open', 'read', 'write', 'close', 'mmap', 'brk', 'execve', 'exit'];
  const seq = (n: number, seed: number) => Array.from(randomCalls(n, names.length, seed), (i) => names[i]!);
  const train = makeTraces(a, [{ calls: seq(300, 1) }, { calls: seq(200, 2) }, { calls: ['execve', ...seq(50, 3)] }]);
  for (const k of detectorKinds()) for (const n of namesNeeded(defaultSpec(k))) a.intern(n);
  a.freeze();
  const test = makeTraces(a, [{ calls: seq(250, 4) }, { calls: seq(120, 5), label: 'attack' }, { calls: ['exit'] }]);
  return { dataset: 'tiny', trainFrom: 'hand-made', train, test };
}

describe('bench throughput', () => {
  it('gives positive train and detect throughputs for every detector kind, plus the naive baseline and ratios', async () => {
    const data = tinyData();
    const r = await benchThroughput(data, { ks: [3], timing: FAST });
    expect(r.trainCalls).toBe(551);
    expect(r.testCalls).toBe(371);
    expect(r.detectors.map((d) => d.kind).sort()).toEqual(detectorKinds().sort());
    for (const d of r.detectors) {
      expect(d.k).toBe(3);
      for (const phase of [d.train, d.detect]) {
        expect(phase.syscallsPerSec).toBeGreaterThan(0);
        expect(phase.meanMs).toBeGreaterThan(0);
        expect(phase.samples).toBeGreaterThanOrEqual(2);
        expect(Number.isFinite(phase.rmePercent)).toBe(true);
      }
      expect(d.dbSize).toBeGreaterThan(0);
      expect(d.dbBytes).toBeGreaterThan(0);
      expect(d.vsNaive.train).toBeGreaterThan(0);
      expect(d.vsNaive.detect).toBeGreaterThan(0);
    }
    expect(r.naive).toHaveLength(1);
    const n = r.naive[0]!;
    expect(n.k).toBe(3);
    expect(n.train.syscallsPerSec).toBeGreaterThan(0);
    expect(n.detect.syscallsPerSec).toBeGreaterThan(0);
    // The baseline's ratio is defined against the same k.
    const stide = r.detectors.find((d) => d.kind === 'stide')!;
    expect(stide.vsNaive.detect).toBeCloseTo(stide.detect.syscallsPerSec / n.detect.syscallsPerSec, 9);
    // Careful baseline and floor measured in the same interleaved set.
    expect(r.careful).toHaveLength(1);
    expect(r.careful[0]!.dbSize).toBe(n.dbSize);
    expect(stide.vsCareful!.detect).toBeCloseTo(stide.detect.syscallsPerSec / r.careful[0]!.detect.syscallsPerSec, 9);
    expect(stide.floorRatio).toBeCloseTo(r.floor[0]!.sum.syscallsPerSec / stide.detect.syscallsPerSec, 9);
    for (const x of [stide.detect.wall, stide.detect.cpu]) {
      expect(x.minMs).toBeLessThanOrEqual(x.medianMs);
      expect(x.medianMs).toBeLessThanOrEqual(x.maxMs);
    }
  });

  it('skips a detector at a k it does not accept (lookahead at k = 1) and says why', async () => {
    const r = await benchThroughput(tinyData(), { kinds: ['stide', 'lookahead'], ks: [1], timing: FAST });
    expect(r.detectors.map((d) => d.kind)).toEqual(['stide']);
    expect(r.skipped).toHaveLength(1);
    expect(r.skipped[0]).toMatchObject({ kind: 'lookahead', k: 1 });
    expect(r.skipped[0]!.reason).toMatch(/k >= 2/);
  });

  it('measures one row per detector and k', async () => {
    const r = await benchThroughput(tinyData(), { kinds: ['stide'], ks: [2, 4], timing: FAST });
    expect(r.detectors.map((d) => [d.kind, d.k])).toEqual([
      ['stide', 2],
      ['stide', 4],
    ]);
    expect(r.naive.map((x) => x.k)).toEqual([2, 4]);
  });

  it('interleaves round-robin: each round starts one task later', () => {
    const order: string[] = [];
    const tasks = ['a', 'b', 'c'].map((name) => ({ name, calls: 1, fn: () => order.push(name) }));
    const m = interleave(tasks, { minSamples: 3, timeMs: 0, maxSamples: 3, reps: 1 });
    expect(order.slice(3).join('')).toBe('abcbcacab'); // after one warm-up call each
    expect(m.get('a')!.samples).toBe(3);
  });

  it('the careful baseline agrees with Stide where its key fits, and says when it does not', () => {
    const data = tinyData();
    const A = data.test[0]!.alphabet.size;
    const radix = carefulRadix(A, 3)!;
    const set = carefulTrain(data.train, 3, radix);
    const stide = trainModel({ ...defaultSpec('stide'), scope: 'shared' }, data.train, 3);
    expect(set.size).toBe(stide.dbSize);
    const buf = new Uint8Array(1000);
    for (const t of data.test) {
      const n = carefulScore(set, t.calls, 3, radix, buf);
      expect(Array.from(buf.subarray(0, n))).toEqual(Array.from(stide.score(t)));
    }
    expect(carefulRadix(150, 7)).toBe(150); // 150^7 = 1.7e15 <= 2^53
    expect(carefulRadix(150, 8)).toBeNull(); // 2.6e17 > 2^53: no exact packed number
    expect(carefulRadix(200, 7)).toBeNull();
  });

  it('the naive baseline agrees with Stide (same database size, same mismatches)', () => {
    const data = tinyData();
    const set = naiveTrain(data.train, 3);
    const stide = trainModel({ ...defaultSpec('stide'), scope: 'shared' }, data.train, 3);
    expect(set.size).toBe(stide.dbSize);
    for (const t of data.test) expect(Array.from(naiveScore(set, t.calls, 3))).toEqual(Array.from(stide.score(t)));
  });
});

describe('bench command', () => {
  it('runs on the mini-unm fixture and prints JSON with the documented keys', async () => {
    const opts = parseBenchOptions({
      dataset: 'mini-unm',
      k: ['2'],
      time: '5',
      minSamples: '2',
      clock: 'wall',
      reading: 'dataset',
      seed: '1',
      dataDir: FIXTURE_DATA,
    });
    const report = await runBench({ ...opts, registryDir: FIXTURE_REGISTRY });
    const json = JSON.parse(reportJson(report)) as Record<string, unknown>;
    expect(Object.keys(json).sort()).toEqual(['careful', 'data', 'date', 'detectors', 'floor', 'machine', 'naive', 'reading', 'settings', 'skipped']);
    expect(Object.keys(json['machine'] as object).sort()).toEqual(
      ['arch', 'cores', 'cpuModel', 'loadAverage1m', 'memoryBytes', 'node', 'osRelease', 'platform', 'v8'].sort(),
    );
    expect(json['settings']).toMatchObject({ dataset: 'mini-unm', k: [2], timeMs: 5, minSamples: 2, clock: 'wall', seed: 1 });
    expect(json['data']).toMatchObject({ dataset: 'mini-unm' });
    const dets = json['detectors'] as Record<string, unknown>[];
    expect(dets.map((d) => d['kind']).sort()).toEqual(detectorKinds().sort());
    for (const d of dets) {
      expect(Object.keys(d).sort()).toEqual(['dbBytes', 'dbSize', 'detect', 'floorRatio', 'k', 'kind', 'label', 'train', 'vsCareful', 'vsNaive']);
      for (const phase of ['train', 'detect']) {
        const p = d[phase] as Record<string, unknown>;
        expect(Object.keys(p).sort()).toEqual(['cpu', 'meanMs', 'rmePercent', 'samples', 'syscallsPerSec', 'wall']);
        for (const c of ['cpu', 'wall']) expect(Object.keys(p[c] as object).sort()).toEqual(['maxMs', 'medianMs', 'minMs', 'syscallsPerSec']);
        expect(typeof p['syscallsPerSec']).toBe('number');
        expect(p['syscallsPerSec'] as number).toBeGreaterThan(0);
      }
      expect(Object.keys(d['vsNaive'] as object).sort()).toEqual(['detect', 'train']);
    }
    const naive = json['naive'] as Record<string, unknown>[];
    expect(naive).toHaveLength(1);
    expect(Object.keys(naive[0]!).sort()).toEqual(['dbSize', 'detect', 'k', 'train']);
    const reading = json['reading'] as Record<string, unknown>;
    expect(Object.keys(reading).sort()).toEqual(['bytes', 'fileBytes', 'files', 'name', 'reader', 'readerOverZcat', 'sources', 'traces', 'zcat']);
    expect(reading['files']).toBe(5); // dup.int is excluded by the manifest
    expect((reading['reader'] as Record<string, number>)['mbPerSec']).toBeGreaterThan(0);
    if (reading['zcat'] !== null) {
      expect((reading['zcat'] as Record<string, number>)['mbPerSec']).toBeGreaterThan(0);
      expect(reading['readerOverZcat'] as number).toBeGreaterThan(0);
    }
    const md = reportMarkdown(report);
    expect(md).toContain('| detector');
    expect(md).toContain('naive Set<string>');
    expect(md).toContain('Reader time / zcat time');
  });

  it('reading-only with the cpu clock times zcat by its own CPU time', async () => {
    const opts = parseBenchOptions({ dataset: 'mini-unm', k: ['6'], time: '5', minSamples: '2', clock: 'cpu', reading: 'dataset', readingOnly: true, seed: '1', dataDir: FIXTURE_DATA });
    const report = await runBench({ ...opts, registryDir: FIXTURE_REGISTRY });
    expect(report.data).toBeNull();
    expect(report.detectors).toEqual([]);
    expect(report.reading!.reader.mbPerSec).toBeGreaterThan(0);
    // gzip's CPU time on five tiny files can round to 0 ms; only its presence is checked.
    expect(report.reading!.zcat === null || report.reading!.zcat.samples >= 2).toBe(true);
  });

  it('parses -k lists and rejects unknown detectors, clocks and reading modes with an InputError (a bad -k is a usage error)', () => {
    const base = { dataset: 'x', k: ['6'], time: '5', minSamples: '2', clock: 'wall', reading: 'dataset', seed: '1' };
    expect(() => parseBenchOptions({ ...base, detector: ['nope'] })).toThrow(InputError);
    expect(() => parseBenchOptions({ ...base, clock: 'sundial' })).toThrow(InputError);
    expect(() => parseBenchOptions({ ...base, reading: 'all' })).toThrow(InputError);
    expect(() => parseBenchOptions({ ...base, k: ['0'] })).toThrow(UsageError);
    expect(parseBenchOptions(base).detectors).toEqual(detectorKinds());
    expect(parseBenchOptions({ ...base, k: ['4,6', '8', '6'] }).ks).toEqual([4, 6, 8]);
  });
});
