// The `datasets` commands end to end through commander, against the fixture registry
// ($STIDEBENCH_REGISTRY) and the fixture data directory.

import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { registerDatasetCommands } from '../../src/cli/datasets.js';
import { InputError } from '../../src/errors.js';
import { copyFixtureData, FIXTURE_DATA, FIXTURE_REGISTRY, removeDir } from './helpers.js';

async function run(args: string[]): Promise<{ out: string; err: string; code: number | undefined }> {
  let out = '';
  let err = '';
  const program = new Command().exitOverride();
  registerDatasetCommands(program, { out: (t) => (out += t), err: (t) => (err += t) });
  process.exitCode = undefined;
  await program.parseAsync(['node', 'stidebench', ...args]);
  const code = process.exitCode as number | undefined;
  process.exitCode = undefined;
  return { out, err, code };
}

const saved = process.env['STIDEBENCH_REGISTRY'];
beforeAll(() => {
  process.env['STIDEBENCH_REGISTRY'] = FIXTURE_REGISTRY;
});
afterAll(() => {
  if (saved === undefined) delete process.env['STIDEBENCH_REGISTRY'];
  else process.env['STIDEBENCH_REGISTRY'] = saved;
});
afterEach(() => {
  process.exitCode = undefined;
});

describe('datasets commands', () => {
  it('list shows an aligned table with presence', async () => {
    const { out } = await run(['datasets', 'list', '--data-dir', FIXTURE_DATA]);
    const lines = out.split('\n');
    expect(lines[0]).toMatch(/^name +format +root +status +title$/);
    expect(lines[2]).toMatch(/^mini-embedded +unm +\(package\) +embedded +Tiny embedded/);
    expect(lines[3]).toMatch(/^mini-unm +unm +mini-unm +present +Tiny UNM-format fixture$/);
    expect(out).toContain(`data directory: ${FIXTURE_DATA}`);
    const missing = await run(['datasets', 'list', '--data-dir', '/nonexistent', '--json']);
    expect(JSON.parse(missing.out)[1]).toEqual({ name: 'mini-unm', title: 'Tiny UNM-format fixture', format: 'unm', root: 'mini-unm', embedded: false, status: 'missing' });
  });

  it('stats --json has a stable key order and the fixture counts', async () => {
    const a = await run(['datasets', 'stats', 'mini-unm', '--json', '--data-dir', FIXTURE_DATA]);
    const b = await run(['datasets', 'stats', 'mini-unm', '--json', '--data-dir', FIXTURE_DATA]);
    expect(a.out).toBe(b.out);
    const s = JSON.parse(a.out);
    expect(Object.keys(s)).toEqual(['dataset', 'title', 'files', 'traces', 'syscalls', 'alphabet', 'labels', 'subsets', 'families', 'duplicates', 'warnings']);
    expect(s.labels.normal).toMatchObject({ traces: 4, singleCall: 1, multiCall: { traces: 3, syscalls: 11 } });
    const sub = JSON.parse((await run(['datasets', 'stats', 'mini-unm', '--json', '--subset', 'normal', '--data-dir', FIXTURE_DATA])).out);
    expect(Object.keys(sub.labels)).toEqual(['normal']);
  });

  it('stats prints tables', async () => {
    const { out } = await run(['datasets', 'stats', 'mini-unm', '--data-dir', FIXTURE_DATA]);
    expect(out).toMatch(/^group +files +traces +1-call +syscalls/m);
    expect(out).toMatch(/^normal +2 +4 +1 +12 +3 +11 +5 +1 +3\.5 +4 +3 +0$/m);
    expect(out).toMatch(/^atk-family +2 +6 +1$/m);
  });

  it('verify exits 0 when files match and 1 naming the changed file', async () => {
    const ok = await run(['datasets', 'verify', 'mini-unm', '--data-dir', FIXTURE_DATA]);
    expect(ok.code).toBeUndefined();
    expect(ok.out).toMatch(/^mini-unm: OK, 7 file\(s\) match the manifest/);
    expect(ok.out).toContain('note: 1 file(s) not listed in the manifest (ignored): README.txt');

    const dir = copyFixtureData();
    try {
      appendFileSync(join(dir, 'mini-unm', 'abnormal', 'fam-z.int'), '50 1\n');
      const bad = await run(['datasets', 'verify', 'mini-unm', '--data-dir', dir]);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/^mini-unm: FAILED, 0 missing and 1 changed of 7 file\(s\)/);
      expect(bad.out).toMatch(/^ {2}changed: abnormal\/fam-z\.int \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\)$/m);
      const json = JSON.parse((await run(['datasets', 'verify', 'mini-unm', '--json', '--data-dir', dir])).out);
      expect(json.mismatched[0].path).toBe('abnormal/fam-z.int');
    } finally {
      removeDir(dir);
    }
  });

  it('errors are InputErrors', async () => {
    await expect(run(['datasets', 'stats', 'nope'])).rejects.toThrow(InputError);
    await expect(run(['datasets', 'stats', 'nope'])).rejects.toThrow('unknown dataset "nope"; expected one of: mini-embedded, mini-unm');
    await expect(run(['datasets', 'verify', 'mini-unm', '--data-dir', '/nonexistent'])).rejects.toThrow(/stidebench datasets fetch mini-unm/);
    await expect(run(['datasets', 'fetch', 'mini-embedded'])).rejects.toThrow(/embedded in the package/);
  });
});
