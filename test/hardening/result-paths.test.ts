// Data-loss guard: an experiment name can never make `run` replace a folder outside results/ (the
// `name: ".."` report deleted the working folder), and an existing non-result folder is never replaced.

import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resultDirIn, writeResultDir } from '../../src/report/write.js';
import { experimentSchema } from '../../src/experiments/schema.js';
import { InputError } from '../../src/errors.js';

const CLI = resolve('dist/cli.js');

function experimentYaml(name: string): string {
  return [
    `name: ${JSON.stringify(name)}`,
    'datasets:',
    '  - name: sample',
    '    split: { seed: 1, train: { fraction: 0.6, unit: file }, minLength: 2 }',
    'detectors: [{ kind: stide, scope: shared }]',
    'k: [4]',
    'frames: [20]',
    'thresholds: { count: [1] }',
    '',
  ].join('\n');
}

describe('experiment names', () => {
  it.each(['..', '.', '../x', 'a/b', '.hidden', '-x', '', '/abs'])('refuses %j in the schema', (name) => {
    const r = experimentSchema.safeParse({ name });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues.some((i) => i.path[0] === 'name')).toBe(true);
  });

  it('accepts plain slugs', () => {
    for (const name of ['quickstart', 'adfa-window-sweep', 'a.b_c-1', '1x']) {
      const r = experimentSchema.safeParse({ name });
      const nameIssues = r.success ? [] : r.error.issues.filter((i) => i.path[0] === 'name');
      expect(nameIssues).toEqual([]);
    }
  });

  it.each(['..', '.', '', 'a/b', '../../etc', '/tmp'])('resultDirIn refuses %j', (name) => {
    expect(() => resultDirIn('/tmp/results-root', name)).toThrow(InputError);
  });
});

describe('writeResultDir', () => {
  it('never replaces a folder that is not a stidebench result', () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-write-'));
    const precious = join(root, 'precious');
    mkdirSync(precious);
    writeFileSync(join(precious, 'thesis.tex'), 'do not lose me');
    expect(() => writeResultDir(precious, { 'metrics.json': '{}', 'provenance.json': '{}' })).toThrow(/not a stidebench result/);
    expect(readFileSync(join(precious, 'thesis.tex'), 'utf8')).toBe('do not lose me');
  });

  it('replaces a previous result folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'sb-write-'));
    const dir = join(root, 'exp');
    writeResultDir(dir, { 'metrics.json': '1', 'provenance.json': '1' });
    writeResultDir(dir, { 'metrics.json': '2', 'provenance.json': '2' });
    expect(readFileSync(join(dir, 'metrics.json'), 'utf8')).toBe('2');
  });
});

describe('stidebench run with a dangerous name', () => {
  it.each(['..', '.'])('name %j exits 1 and deletes nothing', (name) => {
    const work = mkdtempSync(join(tmpdir(), 'sb-dotdot-'));
    const results = join(work, 'results');
    mkdirSync(results);
    writeFileSync(join(work, 'keep.txt'), 'still here');
    const exp = join(work, 'exp.yaml');
    writeFileSync(exp, experimentYaml(name));
    const r = spawnSync('node', [CLI, 'run', exp, '--out', results, '--quiet', '--no-cache'], { encoding: 'utf8', cwd: work });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/exp\.yaml.*name/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace
    expect(existsSync(join(work, 'keep.txt'))).toBe(true);
    expect(existsSync(results)).toBe(true);
  });

  it('--out pointing at a non-result folder is refused before any work', () => {
    const work = mkdtempSync(join(tmpdir(), 'sb-out-'));
    mkdirSync(join(work, 'src'));
    writeFileSync(join(work, 'src', 'main.ts'), 'code');
    const exp = join(work, 'exp.yaml');
    writeFileSync(exp, experimentYaml('src'));
    const r = spawnSync('node', [CLI, 'run', exp, '--out', work, '--quiet', '--no-cache'], { encoding: 'utf8', cwd: work });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/refusing to replace/);
    expect(readFileSync(join(work, 'src', 'main.ts'), 'utf8')).toBe('code');
  });
});
