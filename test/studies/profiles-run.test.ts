// The profiles study beside the core, run through the one experiment command: `stidebench run FILE`
// with `study: profiles` runs the study (on the embedded sample here), writes metrics.json that is
// byte-identical on a rerun with timings kept apart, and bad study files fail with one line.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileImports, folderOf } from '../../scripts/import-graph.js';

const ROOT = join(import.meta.dirname, '..', '..');
const CLI = join(ROOT, 'dist', 'cli.js');
const tmp = mkdtempSync(join(tmpdir(), 'stidebench-study-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const STUDY = `study: profiles
name: tiny-profiles
k: 4
seed: 7
calls: [10, all]
detectionCalls: [all]
operatingPoints:
  - { frame: 10, count: 3 }
minLength: 5
maxTestTracesPerProgram: 20
maxAttackTracesPerProgram: 20
scaling: { windows: 200, runs: 1 }
groups:
  - name: linux
    datasets:
      - { name: sample, program: exec, unit: file }
`;

function cli(args: string[]) {
  return spawnSync('node', [CLI, ...args], { cwd: tmp, encoding: 'utf8' });
}

describe('stidebench run with study: profiles', () => {
  it('runs the study and writes metrics.json (byte-identical on a rerun), timings.json, provenance.json, summary.md', () => {
    writeFileSync(join(tmp, 'study.yaml'), STUDY);
    const r1 = cli(['run', 'study.yaml', '--out', 'res1', '-q']);
    expect(r1.stderr).toBe('');
    expect(r1.status).toBe(0);
    const r2 = cli(['run', 'study.yaml', '--out', 'res2', '-q']);
    expect(r2.status).toBe(0);
    const dir1 = join(tmp, 'res1', 'tiny-profiles');
    const dir2 = join(tmp, 'res2', 'tiny-profiles');
    for (const f of ['metrics.json', 'timings.json', 'provenance.json', 'summary.md', 'linux-identification.svg']) expect(existsSync(join(dir1, f)), f).toBe(true);
    expect(readFileSync(join(dir2, 'metrics.json'), 'utf8')).toBe(readFileSync(join(dir1, 'metrics.json'), 'utf8'));
    const metrics = JSON.parse(readFileSync(join(dir1, 'metrics.json'), 'utf8')) as { config: { study: string; k: number }; groups: { name: string; seconds?: unknown; scaling: Record<string, unknown>[]; identification: { mismatch: { traces: number }[] } }[] };
    expect(metrics.config).toMatchObject({ study: 'profiles', k: 4 });
    expect(metrics.groups[0]!.name).toBe('linux');
    expect(metrics.groups[0]!.identification.mismatch[0]!.traces).toBeGreaterThan(0);
    // Nothing timed in metrics.json; the timings file has them.
    expect(metrics.groups[0]!.seconds).toBeUndefined();
    expect(Object.keys(metrics.groups[0]!.scaling[0]!)).not.toContain('sharedNsPerWindow');
    const timings = JSON.parse(readFileSync(join(dir1, 'timings.json'), 'utf8')) as { runtime: { seconds: number }; groups: { scaling: { sharedNsPerWindow: number }[] }[] };
    expect(timings.runtime.seconds).toBeGreaterThan(0);
    expect(timings.groups[0]!.scaling[0]!.sharedNsPerWindow).toBeGreaterThan(0);
    const prov = JSON.parse(readFileSync(join(dir1, 'provenance.json'), 'utf8')) as { studyFile: string; datasets: { name: string; checksum: string }[] };
    expect(prov.studyFile).toBe('study.yaml');
    expect(prov.datasets.map((d) => d.name)).toEqual(['sample']);
    expect(prov.datasets[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
    // Rerunning into an existing study result replaces it (it carries the result markers).
    expect(cli(['run', 'study.yaml', '--out', 'res1', '-q']).status).toBe(0);
  }, 300_000);

  it('prints the headline and where the results went', () => {
    const r = cli(['run', 'study.yaml', '--out', 'res3']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^## Headline/);
    expect(r.stdout).toContain('Results written to res3/tiny-profiles/');
    expect(r.stderr).toContain('group linux');
  }, 300_000);

  it('an unknown study is one line naming the file and the known studies, exit 1', () => {
    writeFileSync(join(tmp, 'nope.yaml'), STUDY.replace('study: profiles', 'study: nope'));
    const r = cli(['run', 'nope.yaml', '--out', 'res4']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('nope.yaml');
    expect(r.stderr).toMatch(/unknown study "nope".*profiles/);
    expect(existsSync(join(tmp, 'res4'))).toBe(false);
  });

  it('a bad field of a study file names the file, the field and the line, exit 1', () => {
    writeFileSync(join(tmp, 'bad.yaml'), STUDY.replace('k: 4', 'k: four'));
    const r = cli(['run', 'bad.yaml', '--out', 'res5']);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/bad\.yaml:3: field k: /);
  });

  it('the study sits beside the core: nothing outside src/studies/ imports it except the CLI entry', () => {
    const importers = fileImports(join(ROOT, 'src'))
      .filter((i) => folderOf(i.to) === 'studies' && folderOf(i.from) !== 'studies')
      .map((i) => i.from);
    expect(importers).toEqual(['cli.ts']);
  });
});
