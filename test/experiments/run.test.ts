import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { parseExperiment } from '../../src/experiments/loader.js';
import { prepareEntry, runExperiment } from '../../src/experiments/run.js';
import { convergence } from '../../src/eval/analysis.js';
import { resolveDataDir } from '../../src/datasets/registry.js';
import { resultFiles } from '../../src/report/results.js';
import { InputError } from '../../src/errors.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-run-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const QUICK = `
name: tiny
datasets:
  - name: sample
    split: { seed: 3, train: { fraction: 0.5, unit: file }, calibrate: { fraction: 0.5, unit: file }, minLength: 2 }
detectors:
  - { kind: stide, scope: per-program }
  - { kind: xenids }
k: [3, 5]
frames: [10]
thresholds: { count: { from: 1, to: 5 }, ratio: [0.15] }
analysis: { targetFpr: [0.05], bootstrap: 50, plots: true }
`;

describe('experiment files', () => {
  it('expands ranges and fills defaults', () => {
    const e = parseExperiment(QUICK, 'q.yaml');
    expect(e.thresholds.count).toEqual([1, 2, 3, 4, 5]);
    expect(e.detectors.map((d) => d.label)).toEqual(['stide/per-program', 'xenids']);
    expect(e.detectors[1]!.resetOn).toContain('execve');
  });

  it('names the file, the field path and the line of a schema error', () => {
    const bad = QUICK.replace('k: [3, 5]', 'k: [3, "five"]');
    expect(() => parseExperiment(bad, 'bad.yaml')).toThrow(InputError);
    try {
      parseExperiment(bad, 'bad.yaml');
    } catch (e) {
      expect((e as Error).message).toMatch(/^bad\.yaml:9: field k/);
    }
    expect(() => parseExperiment(QUICK.replace('kind: xenids', 'kind: magic'), 'x.yaml')).toThrow(/x\.yaml:8: field detectors\.1\.kind/);
    expect(() => parseExperiment('name: [unclosed', 'y.yaml')).toThrow(/^y\.yaml:1: invalid YAML/);
    expect(() => parseExperiment(QUICK.replace('name: tiny', 'name: "../evil"'), 'z.yaml')).toThrow(/field name/);
  });
});

describe('running an experiment', () => {
  it('is deterministic: the same run twice gives byte-identical metrics.json, metrics.csv and plots', async () => {
    const exp = parseExperiment(QUICK, 'q.yaml');
    const a = await resultFiles(await runExperiment(exp, {}), 'q.yaml', '.', 'x');
    const b = await resultFiles(await runExperiment(exp, {}), 'q.yaml', '.', 'x');
    expect(a['metrics.json']).toEqual(b['metrics.json']);
    expect(a['metrics.csv']).toEqual(b['metrics.csv']);
    expect(a['summary.md']).toEqual(b['summary.md']);
    const plots = Object.keys(a).filter((f) => f.startsWith('plots/'));
    expect(plots.length).toBeGreaterThan(0);
    for (const p of plots) expect(a[p]).toEqual(b[p]);
    const m = JSON.parse(String(a['metrics.json']));
    expect(m.cells).toHaveLength(4);
    expect(JSON.stringify(m)).not.toMatch(/20\d\d-\d\d-\d\dT/); // no timestamps inside metrics
    // Calibration and test traces never overlap training or each other.
    const d = m.datasets[0];
    expect(d.trainTraces + d.calibrateTraces + d.testNormalTraces).toBeGreaterThan(0);
  });

  it('records the convergence curve during a cell\'s own training: equal to training a set once more, no cell of other kinds asked', async () => {
    const yaml = QUICK.replace('  - { kind: xenids }', '  - { kind: lookahead }\n  - { kind: stide, scope: shared }').replace(
      'analysis: { targetFpr: [0.05], bootstrap: 50, plots: true }',
      'analysis: { targetFpr: [0.05], bootstrap: 0, convergence: true }',
    );
    const exp = parseExperiment(yaml, 'c.yaml');
    const r = await runExperiment(exp, {});
    const prep = await prepareEntry(exp.datasets[0]!, exp.detectors, resolveDataDir(undefined));
    expect(r.convergence.map((c) => c.k)).toEqual(exp.k);
    for (const c of r.convergence) expect(c).toEqual({ dataset: prep.label, k: c.k, ...convergence(prep.train, c.k) });
    expect(r.convergence[0]!.points.length).toBe(prep.train.length);
    // One stide cell per k recorded it (per-program when the training data hold one program, else shared).
    const recorded = r.cells.filter((c) => c.convergence !== undefined);
    expect(recorded.map((c) => c.k)).toEqual(exp.k);
    expect(recorded.every((c) => c.detector.startsWith('stide/'))).toBe(true);
  });

  it('a different seed gives a different split', async () => {
    const a = await runExperiment(parseExperiment(QUICK, 'q'), {});
    const b = await runExperiment(parseExperiment(QUICK.replace('seed: 3', 'seed: 4'), 'q'), {});
    const src = (r: typeof a) => r.cells[0]!.normal.map((s) => s.meta.source + s.meta.pid).join();
    expect(src(a)).not.toEqual(src(b));
  });
});

describe('stidebench run (CLI)', () => {
  it('writes results atomically and a bad file fails with one line and exit 1', () => {
    const f = join(tmp, 'tiny.yaml');
    writeFileSync(f, QUICK);
    const ok = spawnSync('node', [CLI, 'run', f, '--out', tmp, '--quiet'], { encoding: 'utf8' });
    // Only the run's data warnings, each once (the sample has test programs that never trained).
    const warnings = ok.stderr.trim().split('\n').filter((l) => l !== '');
    expect(warnings.filter((l) => !l.startsWith('stidebench: warning: '))).toEqual([]);
    expect(new Set(warnings).size).toBe(warnings.length);
    expect(ok.status).toBe(0);
    expect(readdirSync(join(tmp, 'tiny')).sort()).toEqual(['index.html', 'metrics.csv', 'metrics.json', 'plots', 'provenance.json', 'run.json', 'summary.md', 'throughput.md', 'timings.json']);
    const first = readFileSync(join(tmp, 'tiny', 'metrics.json'));
    const firstProvenance = readFileSync(join(tmp, 'tiny', 'provenance.json'));
    const again = spawnSync('node', [CLI, 'run', f, '--out', tmp, '--quiet'], { encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(readFileSync(join(tmp, 'tiny', 'metrics.json')).equals(first)).toBe(true);
    // provenance.json carries no date, commit or path, so a rerun leaves a checkout clean; run.json has them.
    expect(readFileSync(join(tmp, 'tiny', 'provenance.json')).equals(firstProvenance)).toBe(true);
    expect(Object.keys(JSON.parse(readFileSync(join(tmp, 'tiny', 'run.json'), 'utf8'))).sort()).toEqual(['dataDir', 'date', 'gitCommit', 'node', 'platform']);
    expect(readdirSync(tmp).filter((n) => n.includes('.tmp-'))).toEqual([]);

    writeFileSync(f, QUICK.replace('frames: [10]', 'frames: [0]'));
    const bad = spawnSync('node', [CLI, 'run', f, '--out', tmp, '--quiet'], { encoding: 'utf8' });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/tiny\.yaml:\d+: field frames/);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(existsSync(join(tmp, 'tiny', 'metrics.json'))).toBe(true);
  });
});

describe('mixing SunOS and Linux traces by name', () => {
  it('maps SunOS names to their Linux names so both share alphabet ids', async () => {
    const { mapTable } = await import('../../src/experiments/run.js');
    const { sunosToLinux, loadCallsTable, tableByName } = await import('../../src/traces/syscalls/index.js');
    const { Alphabet } = await import('../../src/traces/alphabet.js');
    // A UNM-style table (one name per line, the line number is the call's number), written here in an
    // order of our own: the test is about the name mapping, not SunOS's numbering.
    const dir = mkdtempSync(join(tmpdir(), 'stidebench-sun-'));
    const tablePath = join(dir, 'calls.txt.sun');
    writeFileSync(tablePath, ['exit', 'read', 'open', 'sbreak', 'close', 'execv', 'stat'].join('\n') + '\n');
    const sun = loadCallsTable(tablePath);
    rmSync(dir, { recursive: true, force: true });
    const linux = tableByName('linux-x86_64');
    const mapped = mapTable(sun, sunosToLinux, 'sunos-to-linux');
    const sbreak = sun.numberOf('sbreak')!;
    const execv = sun.numberOf('execv')!;
    const read = sun.numberOf('read')!;
    expect(mapped.name(sbreak)).toBe('brk');
    expect(mapped.name(execv)).toBe('execve');
    expect(mapped.name(read)).toBe('read');
    expect(mapped.id).not.toBe(sun.id);
    const a = new Alphabet();
    const sunIds = a.encodeCalls(mapped, Int32Array.from([sbreak, execv, read]));
    const linIds = a.encodeCalls(linux!, Int32Array.from([12, 59, 0])); // brk, execve, read on x86_64
    expect(Array.from(sunIds)).toEqual(Array.from(linIds));
    // Without the mapping the SunOS names stay apart from Linux ones.
    const b = new Alphabet();
    expect(b.encodeCalls(sun, Int32Array.from([sbreak]))[0]).not.toBe(b.encodeCalls(linux!, Int32Array.from([12]))[0]);
  });
});
