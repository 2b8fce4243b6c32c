// stidebench as a library, tested the way a user gets it: `npm pack` the package, install the tarball
// into a temporary project (npm ci from a lockfile built out of ours, so it installs offline from the
// npm cache our own `npm ci` filled; CI can also reach the registry), type-check a consumer script
// against the shipped declarations, run it, and run the README's "Use as a library" example as written.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alphabet } from '../../src/traces/alphabet.js';
import { DETECTOR_KINDS, trainModel } from '../../src/detectors/registry.js';
import { getDataset, resolveDataDir } from '../../src/datasets/registry.js';
import { loadDataset } from '../../src/datasets/load.js';
import { readTraceFile } from '../../src/traces/readers/index.js';
import { scoreTraces } from '../../src/eval/score.js';
import type { Trace } from '../../src/traces/trace.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const HERE = fileURLToPath(new URL('./', import.meta.url));
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const GIVEN = ['sh-pipe-f.strace', 'ls-nofork.strace'].map((f) => join(ROOT, 'test', 'fixtures', 'strace-real', f));

interface Packed {
  filename: string;
  integrity: string;
  files: { path: string }[];
}

let dir = '';
let packed: Packed;

function run(cmd: string, args: string[], cwd: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function must(cmd: string, args: string[], cwd: string): string {
  const r = run(cmd, args, cwd);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stderr}\n${r.stdout}`);
  return r.stdout;
}

/** The consumer project's lockfile: stidebench from the tarball, its dependencies pinned as in ours. */
function consumerLock(p: Packed): unknown {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown>;
  const ours = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
  const spec = `file:${p.filename}`;
  const packages: Record<string, unknown> = {
    '': { name: 'consumer', dependencies: { stidebench: spec } },
    'node_modules/stidebench': {
      version: pkg['version'],
      resolved: spec,
      integrity: p.integrity,
      license: pkg['license'],
      dependencies: pkg['dependencies'],
      bin: pkg['bin'],
      engines: pkg['engines'],
    },
  };
  for (const [path, entry] of Object.entries(ours.packages)) if (path.startsWith('node_modules/') && entry.dev !== true) packages[path] = entry;
  return { name: 'consumer', lockfileVersion: 3, requires: true, packages };
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'index.js')) || !existsSync(join(ROOT, 'dist', 'index.d.ts'))) {
    throw new Error('dist/ has no index.js / index.d.ts: run `npm run build` first (npm test does it in pretest)');
  }
  dir = mkdtempSync(join(tmpdir(), 'stidebench-consumer-'));
  // Scripts are skipped: pretest has just built dist/, and `prepare` would rebuild it.
  packed = (JSON.parse(must('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], ROOT)) as Packed[])[0]!;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module', dependencies: { stidebench: `file:${packed.filename}` } }, null, 2));
  writeFileSync(join(dir, 'package-lock.json'), JSON.stringify(consumerLock(packed), null, 2));
  must('npm', ['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
  copyFileSync(join(HERE, 'consumer.ts.txt'), join(dir, 'consumer.ts'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: true,
        skipLibCheck: true,
        outDir: 'out',
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      files: ['consumer.ts'],
    }),
  );
}, 600_000);

afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the build, its declarations and the registry, not sources, tests or source maps', () => {
    const paths = packed.files.map((f) => f.path);
    for (const want of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'datasets/sample/manifest.json']) expect(paths).toContain(want);
    expect(paths.filter((p) => p.startsWith('src/') || p.startsWith('test/') || p.endsWith('.map') || p.startsWith('results/'))).toEqual([]);
  });

  it('resolves `stidebench` through exports, and the CLI bin runs', () => {
    const out = must('node', ['--input-type=module', '-e', "import * as s from 'stidebench'; console.log(typeof s.trainModel, typeof s.runExperiment, Array.isArray(s.DETECTOR_KINDS))"], dir);
    expect(out.trim()).toBe('function function true');
    expect(must(join(dir, 'node_modules', '.bin', 'stidebench'), ['--version'], dir).trim()).toBe('0.1.0');
    // Internal modules stay internal.
    const deep = run('node', ['--input-type=module', '-e', "await import('stidebench/dist/eval/roc.js')"], dir);
    expect(deep.status).not.toBe(0);
    expect(deep.stderr).toMatch(/ERR_PACKAGE_PATH_NOT_EXPORTED/);
  });

  it('a consumer script type-checks against the declarations, trains every detector and scores traces', () => {
    must('node', [TSC, '-p', dir], dir);
    const got = JSON.parse(must('node', [join(dir, 'out', 'consumer.js'), ...GIVEN], dir)) as Record<string, { dbSize: number; trainMismatches: number; given: { source: string; pid: number | null; windows: number; mismatches: number; maxLfc: number[] }[] }> & { kinds: string[]; trainTraces: number };

    // The same computation in this process, from the sources.
    const sample = loadDataset(getDataset('sample'), resolveDataDir());
    const alphabet = new Alphabet();
    const train: Trace[] = sample.traces.filter((t) => t.label === 'normal' && t.calls.length >= 2).map((t) => alphabet.encode(t));
    alphabet.freeze();
    const given: Trace[] = GIVEN.flatMap((f) => readTraceFile('auto', f, { dataset: 'consumer', source: f.split('/').pop()!, label: 'attack', program: 'p', family: null, intrusion: null }).traces.map((t) => alphabet.encode(t)));
    expect(got.kinds).toEqual([...DETECTOR_KINDS]);
    expect(got.trainTraces).toBe(train.length);
    expect(given.length).toBeGreaterThan(2);
    for (const kind of DETECTOR_KINDS) {
      const model = trainModel({ kind, scope: 'shared', resetOn: [] }, train, 4);
      const want = scoreTraces(model, given, [10, 20]).map((s) => ({ source: s.meta.source, pid: s.meta.pid, windows: s.windows, mismatches: s.mismatches, maxLfc: s.frames.map((f) => f.maxLfc) }));
      expect({ kind, dbSize: got[kind]!.dbSize, given: got[kind]!.given }).toEqual({ kind, dbSize: model.dbSize, given: want });
      expect(got[kind]!.dbSize).toBeGreaterThan(0);
    }
    // Stide never flags the windows it was trained on.
    expect(got['stide']!.trainMismatches).toBe(0);
  });

  it('the declarations are real types: a wrong call fails the type-check', () => {
    writeFileSync(join(dir, 'bad.ts'), "import { trainModel } from 'stidebench';\ntrainModel({ kind: 'stide', scope: 'everywhere', resetOn: [] }, [], 4);\n");
    const cfg = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown>; files: string[] };
    writeFileSync(join(dir, 'tsconfig.bad.json'), JSON.stringify({ ...cfg, compilerOptions: { ...cfg.compilerOptions, noEmit: true }, files: ['bad.ts'] }));
    const r = run('node', [TSC, '-p', join(dir, 'tsconfig.bad.json')], dir);
    expect(r.status).not.toBe(0);
    expect(r.stdout).toMatch(/bad\.ts\(2,\d+\): error TS2322/);
  });

  it("runs the README's library example exactly as written", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.split(/^## /m).find((s) => s.startsWith('Use as a library'));
    expect(section, 'README has a "## Use as a library" section').toBeDefined();
    const block = /```js\n([\s\S]*?)```/.exec(section!);
    expect(block, 'the section has a ```js block').not.toBeNull();
    const code = block![1]!;
    expect(code.trimEnd().split('\n').length).toBeLessThanOrEqual(15);
    writeFileSync(join(dir, 'example.mjs'), code);
    const out = must('node', ['example.mjs'], dir);
    // The README says this is the same cell as `npm start`'s: compare with the committed results.
    type Point = { frame: number; threshold: string; detectedTraces: number; attackTraces: number; falsePositiveTraces: number; normalTraces: number };
    const quick = JSON.parse(readFileSync(join(ROOT, 'results', 'quickstart', 'metrics.json'), 'utf8')) as { cells: { detector: string; k: number; points: Point[] }[] };
    const p = quick.cells.find((c) => c.detector === 'stide/per-program' && c.k === 6)!.points.find((q) => q.frame === 20 && q.threshold === 'LFC>=6')!;
    expect(out).toBe(`stide: ${p.detectedTraces} of ${p.attackTraces} attack traces detected, ${p.falsePositiveTraces} of ${p.normalTraces} normal traces alarmed\n`);
    expect(execFileSync('node', ['example.mjs'], { cwd: dir, encoding: 'utf8' })).toBe(out);
  });
});
