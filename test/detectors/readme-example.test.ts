// The README's "Add a detector" example, run as written: the ```ts block is written to a module (its
// `from 'stidebench'` pointing at this checkout's library entry), imported (which registers the kind),
// and the new kind is then used by an experiment through runExperiment, checked against an independent
// computation of its signal.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import ts from 'typescript';
import { spawnSync } from 'node:child_process';
import { detectorKinds, getDetector, registerDetector, trainModel } from '../../src/detectors/registry.js';
import { parseExperiment } from '../../src/experiments/loader.js';
import { runExperiment } from '../../src/experiments/run.js';
import { InputError } from '../../src/errors.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import type { Trace } from '../../src/traces/trace.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
const dir = mkdtempSync(join(ROOT, 'node_modules', '.cache', 'readme-example-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function readmeBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Add a detector'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (m === null) throw new Error('README has no ```ts block under "## Add a detector"');
  return m[1]!;
}

describe('README: add a detector', () => {
  it('the example registers a kind that experiments run, with the signal it promises', async () => {
    const entry = existsSync(join(ROOT, 'src', 'index.ts')) ? join(ROOT, 'src', 'index.ts') : join(ROOT, 'src', 'detectors', 'registry.ts');
    const code = readmeBlock().replace(/from 'stidebench'/g, `from ${JSON.stringify(pathToFileURL(entry).href)}`);
    expect(code).toContain('registerDetector(callset)');
    const file = join(dir, 'callset.ts');
    writeFileSync(file, code);
    expect(detectorKinds()).not.toContain('callset');
    await import(pathToFileURL(file).href);
    expect(detectorKinds()).toContain('callset');
    expect(getDetector('callset').summary).toMatch(/never seen in training/);

    // Directly: windows holding a call absent from training, and only those.
    const a = new Alphabet();
    const enc = (names: string[]): Trace => ({ dataset: 'x', source: names.join(''), pid: null, label: 'normal', program: 'p', family: null, intrusion: null, calls: Int32Array.from(names, (n) => a.intern(n)), alphabet: a });
    const train = enc(['a', 'b', 'c', 'a', 'b']);
    a.freeze();
    const test = enc(['a', 'b', 'z', 'a', 'b', 'c', 'a']);
    const model = trainModel({ kind: 'callset', scope: 'shared', resetOn: [] }, [train], 3);
    expect(model.dbSize).toBe(3);
    // windows: abz, bza, zab, abc, bca -> the first three hold z
    expect(Array.from(model.score(test))).toEqual([1, 1, 1, 0, 0]);

    // Through an experiment: the kind passes the schema and its cells score the sample's traces.
    const exp = parseExperiment(
      `name: callset-sample
datasets: [{ name: sample, split: { seed: 1, train: { fraction: 0.6, unit: file }, minLength: 2 } }]
detectors: [{ kind: callset }, { kind: stide, scope: shared }]
k: 4
frames: 20
thresholds: { count: [1] }
`,
      join(dir, 'e.yaml'),
    );
    const r = await runExperiment(exp, { dataDir: join(ROOT, 'data') });
    const [cs, st] = r.cells;
    expect(cs!.detector).toBe('callset');
    // A window with an unseen call is never in Stide's database either: callset's mismatches are a
    // subset of Stide's, trace by trace, and some traces do hold unseen calls.
    const sum = (c: typeof cs) => c!.attack.map((s) => s.mismatches);
    sum(cs).forEach((m, i) => expect(m).toBeLessThanOrEqual(sum(st)[i]!));
    expect(sum(cs).some((m) => m > 0)).toBe(true);
  });

  it('on the command line: the example compiled to JS and named in STIDEBENCH_DETECTORS works in detect and run', () => {
    // The README block as JavaScript, importing the built library the CLI runs on (one registry).
    const js = ts.transpileModule(readmeBlock(), { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
    const plugin = join(dir, 'callset.mjs');
    writeFileSync(plugin, js.replace(/from 'stidebench'/g, `from ${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'detectors', 'registry.js')).href)}`));
    const env = { ...process.env, STIDEBENCH_DETECTORS: plugin };
    const data = join(ROOT, 'datasets', 'toy-server', 'traces');
    const det = spawnSync('node', [CLI, 'detect', '--train', data, '--test', join(data, 'attack'), '--format', 'strace', '--detector', 'callset', '-k', '4', '--json'], { encoding: 'utf8', env });
    expect(det.status, det.stderr).toBe(0);
    const rows = JSON.parse(det.stdout).traces as { mismatches: number; windows: number }[];
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.some((r) => r.mismatches > 0)).toBe(true);
    const exp = join(dir, 'cli.yaml');
    writeFileSync(exp, `name: callset-cli\ndatasets: [{ name: sample, split: { seed: 1, train: { fraction: 0.6, unit: file }, minLength: 2 } }]\ndetectors: [{ kind: callset }]\nk: 4\nframes: 20\nthresholds: { count: [1] }\n`);
    // Two worker threads: they load the module too.
    const run = spawnSync('node', [CLI, 'run', exp, '--out', join(dir, 'out'), '--quiet', '--no-cache', '-j', '2'], { encoding: 'utf8', env });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'out', 'callset-cli', 'metrics.json'), 'utf8')).cells[0].detector).toBe('callset');
    // Without the module the kind is unknown; a module that fails to load is one line naming it.
    const without = spawnSync('node', [CLI, 'detect', '--train', data, '--test', data, '--detector', 'callset'], { encoding: 'utf8' });
    expect(without.status).toBe(1);
    expect(without.stderr).toMatch(/unknown detector kind "callset"/);
    const bad = spawnSync('node', [CLI, 'detect', '--help'], { encoding: 'utf8', env: { ...process.env, STIDEBENCH_DETECTORS: join(dir, 'nope.mjs') } });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/nope\.mjs: cannot load detector module/);
  }, 60_000);

  it('a taken kind or a params schema without defaults is refused', () => {
    expect(() => registerDetector({ ...getDetector('stide') })).toThrow(InputError);
    expect(() => registerDetector({ ...getDetector('stide'), kind: 'Bad Kind' })).toThrow(/bad detector kind/);
    expect(() => registerDetector({ ...getDetector('stide'), kind: 'needs-x', params: z.object({ x: z.number() }) })).toThrow(/must accept \{\}/);
  });
});
