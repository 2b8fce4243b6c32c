// Docs that run. (1) docs/experiment-yaml.md names every field of the experiment schema and every
// example on it is a valid experiment. (2) The README's shell blocks run as written in a fresh clone:
// every ```sh block is run with bash (set -e) in a temporary `git clone` of this checkout, unless the
// line before it is `<!-- readme-test: skip REASON -->` (network, root, the test suite itself, long
// benchmarks); `npm start` must leave the clone clean.

import { afterAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { z } from 'zod';
import { experimentSchema } from '../../src/experiments/schema.js';
import { parseExperiment } from '../../src/experiments/loader.js';
import { DETECTOR_PARAMS, detectorKinds } from '../../src/detectors/registry.js';

const ROOT = join(import.meta.dirname, '../..');

/** Every field path of the experiment schema, e.g. datasets[].split.train.fraction. */
function schemaPaths(): string[] {
  const js = z.toJSONSchema(experimentSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const out = new Set<string>();
  const walk = (s: unknown, path: string): void => {
    if (!s || typeof s !== 'object') return;
    const o = s as Record<string, unknown>;
    if (o.properties) {
      for (const [k, v] of Object.entries(o.properties as Record<string, unknown>)) {
        const p = path ? `${path}.${k}` : k;
        out.add(p);
        walk(v, p);
      }
    }
    if (o.items) walk(o.items, `${path}[]`);
    for (const key of ['anyOf', 'oneOf', 'allOf']) if (Array.isArray(o[key])) for (const x of o[key] as unknown[]) walk(x, path);
  };
  walk(js, '');
  return [...out];
}

/** How the reference names a path: `with` entries and calibrate/test selections are documented once. */
function documentedAs(path: string): string {
  return path
    .replace(/^datasets\[\]\.with\[\]\./, 'datasets[].')
    .replace(/\.split\.(calibrate|test)\.(subset|fraction|count|ordered|unit)$/, '.split.train.$2')
    .replace(/^(k|frames|thresholds\.count|thresholds\.ratio)\.(from|to|step)$/, 'range.$2');
}

describe('docs/experiment-yaml.md', () => {
  const doc = readFileSync(join(ROOT, 'docs/experiment-yaml.md'), 'utf8');

  it('names every field of the schema', () => {
    const paths = schemaPaths();
    expect(paths.length).toBeGreaterThan(50);
    const missing = [...new Set(paths.map(documentedAs))].filter((p) => !doc.includes(`\`${p}\``));
    expect(missing).toEqual([]);
  });

  it('names every detector kind and its params', () => {
    for (const kind of detectorKinds()) {
      expect(doc).toContain(`\`${kind}\``);
      for (const p of DETECTOR_PARAMS[kind] ?? []) expect(doc).toContain(`\`${p}\``);
    }
  });

  it('every yaml example is a valid experiment', () => {
    const blocks = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!);
    expect(blocks.length).toBeGreaterThanOrEqual(4);
    for (const b of blocks) {
      const exp = parseExperiment(b, join(ROOT, 'docs', 'example.yaml'));
      expect(exp.name).toMatch(/^[a-z]/);
    }
  });
});

// ---------------------------------------------------------------------------------------------------

interface Block {
  line: number;
  code: string;
  skip: string | null;
}

function readmeBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```sh') continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const prev = lines.slice(0, start).reverse().find((l) => l.trim() !== '') ?? '';
    const m = /^<!-- readme-test: skip (.+) -->$/.exec(prev.trim());
    out.push({ line: start + 1, code: body.join('\n'), skip: m ? m[1]! : null });
  }
  return out;
}

const data = process.env.STIDEBENCH_DATA;
const git = spawnSync('git', ['-C', ROOT, 'rev-parse', '--is-inside-work-tree'], { encoding: 'utf8' });
const canClone = git.status === 0;
if (!data && process.env.CI) throw new Error('STIDEBENCH_DATA is needed to run the README commands under CI');
if (!data || !canClone) console.warn('skipping the README command test: needs STIDEBENCH_DATA and a git checkout');

describe.skipIf(!data || !canClone)('README commands run as written in a fresh clone', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'stidebench-readme-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const clone = join(tmp, 'stidebench');

  it('every sh block without a skip marker runs, and npm start leaves the clone clean', () => {
    const cl = spawnSync('git', ['clone', '--quiet', '--no-hardlinks', ROOT, clone], { encoding: 'utf8' });
    expect(cl.status, cl.stderr).toBe(0);
    // The README's data path is relative to the checkout (../shared/datasets): give the clone the same neighbour.
    const shared = resolve(data!, '..');
    if (!existsSync(join(tmp, 'shared'))) symlinkSync(shared, join(tmp, 'shared'));
    // Installed and built already: the clone shares node_modules and gets the built dist/ (npm ci needs the network).
    // A real folder of per-package links (never one link to ours: an `npm ci` in the clone would
    // empty the target through it).
    mkdirSync(join(clone, 'node_modules'));
    for (const name of readdirSync(join(ROOT, 'node_modules'))) symlinkSync(join(ROOT, 'node_modules', name), join(clone, 'node_modules', name));
    cpSync(join(ROOT, 'dist'), join(clone, 'dist'), { recursive: true });
    const env = { ...process.env, STIDEBENCH_DATA: '', CI: '' } as NodeJS.ProcessEnv;
    delete env.STIDEBENCH_DATA;

    const start = spawnSync('npm', ['start', '--silent'], { cwd: clone, encoding: 'utf8', env });
    expect(start.status, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/## Headline/);
    const status = spawnSync('git', ['status', '--porcelain'], { cwd: clone, encoding: 'utf8' });
    // (node_modules is our symlink; .gitignore's node_modules/ matches only a real folder.)
    const dirty = status.stdout.split('\n').filter((l) => l !== '' && l !== '?? node_modules/');
    expect(dirty, 'npm start must leave the checkout clean').toEqual([]);

    // This checkout's README (it may be ahead of the last commit that the clone has).
    const blocks = readmeBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThan(3);
    const ran: number[] = [];
    for (const b of blocks) {
      if (b.skip !== null) continue;
      // Never let a README block install into the shared node_modules.
      expect(b.code, `README.md:${b.line}: an unmarked block runs npm ci/install`).not.toMatch(/\bnpm (ci|install|i)\b/);
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', b.code], { cwd: clone, encoding: 'utf8', env, timeout: 300_000 });
      expect(r.status, `README.md:${b.line}: block failed (exit ${r.status})\n${b.code}\n--- stderr\n${r.stderr.slice(-2000)}`).toBe(0);
      ran.push(b.line);
    }
    expect(ran.length).toBeGreaterThan(0);
  }, 900_000);
});
