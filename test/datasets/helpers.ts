// Shared helpers for the dataset tests: fixture locations, temp copies, and the real-data gate
// (STIDEBENCH_DATA, else skip with a visible warning; under CI=true missing data fails).

import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';

export const FIXTURES = fileURLToPath(new URL('../fixtures/datasets/', import.meta.url));
export const FIXTURE_REGISTRY = join(FIXTURES, 'registry');
export const FIXTURE_DATA = join(FIXTURES, 'data');

export function tempDir(prefix = 'stidebench-ds-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A writable copy of the fixture data directory. */
export function copyFixtureData(): string {
  const dir = tempDir();
  cpSync(FIXTURE_DATA, dir, { recursive: true });
  return dir;
}

/**
 * The real data directory, or null after a visible warning. Under CI=true, missing data is a failure:
 * the returned describe-wrapper registers one failing test instead of skipping.
 */
export function realData(): { dir: string | null; describe: typeof describe | ((name: string, fn: () => void) => void) } {
  const env = process.env['STIDEBENCH_DATA'];
  const dir = env && existsSync(env) ? env : null;
  if (dir !== null) return { dir, describe };
  const where = env ? `STIDEBENCH_DATA=${env} (does not exist)` : 'STIDEBENCH_DATA (not set)';
  const how = 'set STIDEBENCH_DATA to a folder holding ADFA-LD/, UNM/ and UNM-synthetic-sendmail/, or fetch them with `stidebench datasets fetch NAME --data-dir DIR` and set STIDEBENCH_DATA=DIR';
  if (process.env['CI'] === 'true') {
    return {
      dir: null,
      describe: (name: string) =>
        describe(name, () => {
          it('has the real data (required under CI=true)', () => {
            throw new Error(`real data not found: looked at ${where}; ${how}`);
          });
        }),
    };
  }
  console.warn(`[real-data tests SKIPPED] looked at ${where}; ${how}`);
  return { dir: null, describe: describe.skip };
}
