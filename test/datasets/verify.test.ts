// verify: every listed file's sha256; changed and missing files are named, extra files only noted.

import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getDataset } from '../../src/datasets/registry.js';
import { describeProblems, verifyDataset } from '../../src/datasets/verify.js';
import { copyFixtureData, FIXTURE_DATA, FIXTURE_REGISTRY, removeDir } from './helpers.js';

const mini = getDataset('mini-unm', FIXTURE_REGISTRY);

describe('verifyDataset', () => {
  it('passes on the fixture and notes the unlisted README', () => {
    const r = verifyDataset(mini, FIXTURE_DATA);
    expect(r).toMatchObject({ dataset: 'mini-unm', ok: true, checked: 7, missing: [], mismatched: [], extra: ['README.txt'] });
    expect(r.notes).toEqual(['1 file(s) not listed in the manifest (ignored): README.txt']);
  });

  describe('on a modified copy', () => {
    const dir = copyFixtureData();
    afterAll(() => removeDir(dir));

    it('names a changed file with both hashes', () => {
      appendFileSync(join(dir, 'mini-unm', 'normal', 'a.int'), '10 2\n');
      const r = verifyDataset(mini, dir);
      expect(r.ok).toBe(false);
      expect(r.mismatched.map((m) => m.path)).toEqual(['normal/a.int']);
      expect(r.mismatched[0]!.expected).toBe(mini.files['normal/a.int']);
      expect(r.mismatched[0]!.actual).toMatch(/^[0-9a-f]{64}$/);
      expect(describeProblems(r)[0]).toMatch(/^changed: normal\/a\.int \(sha256 [0-9a-f]{64}, expected [0-9a-f]{64}\)$/);
    });

    it('names a missing file and notes an extra one', () => {
      rmSync(join(dir, 'mini-unm', 'normal', 'b.int'));
      writeFileSync(join(dir, 'mini-unm', 'normal', 'new.int'), '1 1\n');
      const r = verifyDataset(mini, dir);
      expect(r.missing).toEqual(['normal/b.int']);
      expect(r.extra).toEqual(['README.txt', 'normal/new.int']);
      expect(describeProblems(r)).toContain('missing: normal/b.int');
    });
  });

  it('fails with the fetch hint when the root is missing', () => {
    expect(() => verifyDataset(mini, '/nonexistent')).toThrow(/looked in \/nonexistent\/mini-unm; run `stidebench datasets fetch mini-unm`/);
  });

  it('checks embedded datasets next to their manifest', () => {
    const r = verifyDataset(getDataset('mini-embedded', FIXTURE_REGISTRY), '/ignored');
    expect(r).toMatchObject({ ok: true, checked: 5, extra: [] });
  });
});
