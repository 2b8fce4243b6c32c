// Registry: data directory resolution order (--data-dir > $STIDEBENCH_DATA > <package>/data), dataset
// roots (embedded vs data directory), unknown names.

import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  datasetRoot,
  getDataset,
  listDatasets,
  packageRoot,
  resolveDataDir,
  resolveDataDirWithOrigin,
} from '../../src/datasets/registry.js';
import { FIXTURE_REGISTRY } from './helpers.js';

describe('resolveDataDir', () => {
  it('prefers the flag, then the environment, then <package root>/data', () => {
    const env = { STIDEBENCH_DATA: '/from/env' };
    expect(resolveDataDirWithOrigin('/from/flag', env)).toEqual({ dir: '/from/flag', origin: 'flag' });
    expect(resolveDataDirWithOrigin(undefined, env)).toEqual({ dir: '/from/env', origin: 'env' });
    expect(resolveDataDirWithOrigin('', env)).toEqual({ dir: '/from/env', origin: 'env' });
    expect(resolveDataDirWithOrigin(undefined, {})).toEqual({ dir: join(packageRoot(), 'data'), origin: 'default' });
    expect(resolveDataDirWithOrigin(undefined, { STIDEBENCH_DATA: '' }).origin).toBe('default');
  });

  it('makes relative paths absolute', () => {
    expect(resolveDataDir('rel/dir', {})).toBe(resolve('rel/dir'));
  });

  it('finds the package root', () => {
    expect(existsSync(join(packageRoot(), 'package.json'))).toBe(true);
    expect(existsSync(join(packageRoot(), 'datasets'))).toBe(true);
  });
});

describe('registry', () => {
  it('resolves roots inside the data directory, or next to an embedded manifest', () => {
    const unm = getDataset('mini-unm', FIXTURE_REGISTRY);
    expect(datasetRoot(unm, '/data')).toBe('/data/mini-unm');
    const emb = getDataset('mini-embedded', FIXTURE_REGISTRY);
    expect(datasetRoot(emb, '/ignored')).toBe(join(FIXTURE_REGISTRY, 'mini-embedded', 'traces'));
  });

  it('names the known datasets for an unknown name', () => {
    expect(() => getDataset('nope', FIXTURE_REGISTRY)).toThrow('unknown dataset "nope"; expected one of: mini-embedded, mini-unm');
  });

  it('lists the package registry sorted, including the embedded sample', () => {
    const names = listDatasets().map((m) => m.name);
    expect(names).toEqual([...names].sort());
    expect(names).toContain('sample');
    expect(names).toContain('adfa-ld');
    expect(getDataset('lpr-mit').root).toBe('UNM/lpr_mit');
  });

  it('returns nothing for a missing registry folder', () => {
    expect(listDatasets('/nonexistent/registry')).toEqual([]);
  });
});
