// Bring your own data and one vocabulary: inline datasets (folder, glob; labels from folders, sidecars
// or a CSV; programs by rule), unlabelled test traces scored as 'unknown' by detect, the stop on a mix of
// named and raw-number UNM files (a copy of a training file outside its dataset folder), and the
// run-level warnings (per-program scope without training data, calls outside the training vocabulary).

import { spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseExperiment } from '../../src/experiments/loader.js';
import { runExperiment } from '../../src/experiments/run.js';
import { preparePaths, readInlineDataset } from '../../src/prepare/index.js';
import { resolveSpec } from '../../src/detectors/registry.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-byo-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const NAMES = ['read', 'write', 'open', 'close', 'execve', 'mmap', 'exit'];

/** A UNM "pid number" trace of `n` calls from a seeded walk over the first `a` numbers. */
function unm(pid: number, n: number, a: number, seed: number): string {
  let x = seed;
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    lines.push(`${pid} ${(x >>> 8) % a}`);
  }
  return lines.join('\n') + '\n';
}

function write(path: string, text: string): string {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}

describe('one vocabulary per run', () => {
  const named = join(tmp, 'vocab', 'named');
  const a = write(join(named, 'normal', 'a.int'), unm(1, 300, 5, 1));
  write(join(named, 'calls.txt'), NAMES.join('\n') + '\n');
  const copy = join(tmp, 'vocab', 'elsewhere', 'a-copy.int');
  mkdirSync(join(copy, '..'), { recursive: true });
  copyFileSync(a, copy);

  it('a raw-number copy of a named training file stops the run, naming both files', () => {
    const spec = resolveSpec({ kind: 'stide', scope: 'shared' });
    const run = () => preparePaths({ train: [named], test: [copy], testLabel: 'normal', specs: [spec], sharedHint: '--scope shared' });
    expect(run).toThrow(InputError);
    expect(run).toThrow(/two syscall vocabularies.*normal\/a\.int.*names.*a-copy\.int.*raw unm numbers/);
    const cli = spawnSync('node', [CLI, 'detect', '--train', named, '--test', copy, '--test-label', 'normal'], { encoding: 'utf8' });
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim().split('\n')).toHaveLength(1);
    expect(cli.stderr).toMatch(/a-copy\.int/);
  });

  it('with the table given, the unchanged training trace is 0% foreign', () => {
    const out = spawnSync('node', [CLI, 'detect', '--train', named, '--test', copy, '--test-label', 'normal', '--syscalls', join(named, 'calls.txt'), '--json'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.traces).toHaveLength(1);
    expect(r.traces[0].windows).toBe(295);
    expect(r.traces[0].mismatches).toBe(0);
  });
});

describe('detect: unlabelled test traces and warnings', () => {
  const dir = join(tmp, 'detect');
  const train = write(join(dir, 'train', 'ls.int'), unm(1, 400, 5, 2));
  // Test traces outside any normal/attack folder and without sidecars: label unknown. One uses calls 5, 6
  // that training never saw.
  const t1 = write(join(dir, 'incoming', 'x.int'), unm(7, 200, 5, 3));
  const t2 = write(join(dir, 'incoming', 'y.int'), unm(8, 200, 7, 4));

  it('scores them as unknown instead of refusing, and warns once about calls outside the training vocabulary', () => {
    const out = spawnSync('node', [CLI, 'detect', '--train', train, '--test', t1, t2, '--syscalls', 'linux-i386', '--json'], { encoding: 'utf8' });
    expect(out.status, out.stderr).toBe(0);
    const r = JSON.parse(out.stdout);
    expect(r.traces.map((t: { label: string }) => t.label)).toEqual(['unknown', 'unknown']);
    expect(r.traces[0].mismatches).toBeLessThan(r.traces[1].mismatches);
    const warnings = out.stderr.trim().split('\n');
    expect(warnings.filter((w) => /1 test traces hold \d+ calls never seen in training/.test(w))).toHaveLength(1);
  });

  it('per-program scope with a test program that never trained: one warning with the count and how to choose shared scope', () => {
    const out = spawnSync('node', [CLI, 'detect', '--train', train, '--test', t1, t2, '--syscalls', 'linux-i386', '--scope', 'per-program'], { encoding: 'utf8' });
    expect(out.status).toBe(0);
    expect(out.stderr).not.toMatch(/programs with no training data/); // every trace is program 'unknown'
    const side = write(`${t2}.meta.json`, JSON.stringify({ program: 'cat' }));
    const again = spawnSync('node', [CLI, 'detect', '--train', train, '--test', t1, t2, '--syscalls', 'linux-i386', '--scope', 'per-program'], { encoding: 'utf8' });
    rmSync(side);
    expect(again.status).toBe(0);
    const lines = again.stderr.split('\n').filter((l) => l.includes('programs with no training data'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/1 of 2 test traces belong to programs with no training data \(cat\).*--scope shared/);
    expect(again.stdout).toMatch(/DB size \d+ \(k=6, stide\/per-program\)/);
  });
});

describe('inline datasets (no manifest)', () => {
  const dir = join(tmp, 'inline');
  for (let i = 0; i < 6; i++) write(join(dir, 'normal', `n${i}.int`), unm(100 + i, 300, 5, 10 + i));
  for (let i = 0; i < 3; i++) write(join(dir, 'attack', `a${i}.int`), unm(200 + i, 300, 7, 20 + i));
  write(join(dir, 'calls.txt'), NAMES.join('\n') + '\n');

  const experiment = (inline: string, extra = '') =>
    parseExperiment(
      `name: byo
datasets:
  - name: mine
    inline: ${inline}
    split: { seed: 3, train: { fraction: 0.5 } }${extra}
detectors: [{ kind: stide, scope: shared }]
k: 4
frames: 10
thresholds: { count: [1, 2] }
`,
      join(dir, 'exp.yaml'),
    );

  it('labels from folder names, relative to the experiment file; results name sources relative to the dataset root', async () => {
    const r = await runExperiment(experiment('{ path: ., format: unm }'), { dataDir: tmp });
    const d = r.datasets[0]!;
    expect(d.manifest).toBe('(inline)');
    expect([d.trainTraces, d.testNormalTraces, d.attackTraces]).toEqual([3, 3, 3]);
    expect(d.alphabet).toBe(6); // the 5 names training saw + <unknown> (attack calls 5, 6 are foreign)
    expect(r.cells[0]!.attack.map((s) => s.meta.source)).toEqual(['attack/a0.int', 'attack/a1.int', 'attack/a2.int']);
    expect(d.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the same labels from a CSV, with a glob; a file missing from the CSV stops the run naming it', async () => {
    const rows = ['file,label,program', ...[0, 1, 2, 3, 4, 5].map((i) => `normal/n${i}.int,normal,ls`), ...[0, 1, 2].map((i) => `attack/a${i}.int,attack,ls`)];
    write(join(dir, 'labels.csv'), rows.join('\n') + '\n');
    const byCsv = await runExperiment(experiment("{ path: './**/*.int', format: unm, labels: { csv: labels.csv } }"), { dataDir: tmp });
    const byFolder = await runExperiment(experiment('{ path: ., format: unm }'), { dataDir: tmp });
    expect(byCsv.cells[0]!.attack.map((s) => s.mismatches)).toEqual(byFolder.cells[0]!.attack.map((s) => s.mismatches));
    expect(byCsv.cells[0]!.attack[0]!.meta.program).toBe('ls');
    write(join(dir, 'labels.csv'), rows.slice(0, -1).join('\n') + '\n');
    await expect(runExperiment(experiment("{ path: './**/*.int', format: unm, labels: { csv: labels.csv } }"), { dataDir: tmp })).rejects.toThrow(/attack\/a2\.int: inline dataset mine: no label for this trace file; expected a row for attack\/a2\.int/);
  });

  it('sidecar labels and program names by rule', () => {
    const sdir = join(tmp, 'sidecars');
    write(join(sdir, 'x', 'ls-1.int'), unm(1, 50, 5, 1));
    write(join(sdir, 'x', 'ls-1.int.meta.json'), JSON.stringify({ label: 'normal' }));
    write(join(sdir, 'y', 'cat-2.int'), unm(2, 50, 5, 2));
    write(join(sdir, 'y', 'cat-2.int.meta.json'), JSON.stringify({ label: 'attack', family: 'probe' }));
    const r = readInlineDataset('s', { path: sdir, format: 'unm', labels: 'sidecars', program: { from: 'filename' }, syscalls: 'linux-i386', subsets: {} });
    expect(r.traces.map((t) => [t.source, t.label, t.program, t.family])).toEqual([
      ['x/ls-1.int', 'normal', 'ls', null],
      ['y/cat-2.int', 'attack', 'cat', 'probe'],
    ]);
    const byFolder = readInlineDataset('s', { path: sdir, format: 'unm', labels: 'sidecars', program: { from: 'folder' }, syscalls: 'linux-i386', subsets: {} });
    expect(byFolder.traces.map((t) => t.program)).toEqual(['x', 'y']);
    expect(() => readInlineDataset('s', { path: join(sdir, 'x'), format: 'unm', labels: 'folders', subsets: {} })).toThrow(/no label for this trace file; expected a folder named normal\/ or attack\//);
  });

  it('a bad inline block is one line naming the field', () => {
    expect(() => experiment('{ path: ., format: pcap }')).toThrow(/field datasets\.0\.inline\.format/);
  });
});

describe('registered data that fails its manifest checksums', () => {
  const FIX = join(ROOT, 'test', 'fixtures', 'datasets');
  const data = join(tmp, 'reg-data');
  cpSync(join(FIX, 'data'), data, { recursive: true });
  const exp = write(join(tmp, 'reg', 'mini.yaml'), 'name: mini\ndatasets: [{ name: mini-unm }]\ndetectors: [{ kind: stide, scope: shared }]\nk: 2\nframes: 5\nthresholds: { count: 1 }\n');
  const env = { ...process.env, STIDEBENCH_REGISTRY: join(FIX, 'registry'), STIDEBENCH_DATA: data };
  const run = (...extra: string[]) => spawnSync('node', [CLI, 'run', exp, '--out', join(tmp, 'reg-out'), '--quiet', '--no-cache', '-j', '1', ...extra], { encoding: 'utf8', env });

  it('intact data: no checksum warning', () => {
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/checksum/);
  });

  it('a changed file: one warning naming it; --strict refuses with one line and writes nothing', () => {
    appendFileSync(join(data, 'mini-unm', 'normal', 'a.int'), '1 2\n');
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stderr.split('\n').filter((l) => /manifest checksums/.test(l));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/dataset mini-unm: 1 of 7 files fail the manifest checksums \(changed: normal\/a\.int.*--strict refuses/);
    rmSync(join(tmp, 'reg-out'), { recursive: true, force: true });
    const strict = run('--strict');
    expect(strict.status).toBe(1);
    expect(strict.stderr.trim().split('\n')).toHaveLength(1);
    expect(strict.stderr).toMatch(/mini-unm: dataset mini-unm: 1 of 7 files fail the manifest checksums/);
    expect(existsSync(join(tmp, 'reg-out', 'mini'))).toBe(false);
  });
});
