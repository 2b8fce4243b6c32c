// SunOS numbering: a per-dataset first-number offset for UNM calls.txt tables, checked on load by the
// call every trace must end in (UNM lpr: numbered from 1, so every trace ends in 1 = exit).

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDataset, loadDatasetAsync } from '../../src/datasets/load.js';
import { getDataset } from '../../src/datasets/registry.js';
import type { Manifest } from '../../src/datasets/manifest.js';
import { FIXTURE_REGISTRY, realData, removeDir, tempDir } from './helpers.js';

const dir = tempDir();
afterAll(() => removeDir(dir));
mkdirSync(join(dir, 'sun', 'normal'), { recursive: true });
writeFileSync(join(dir, 'sun', 'calls.txt'), 'exit\nfork\nread\nopen\n');
// pid 1: open read fork exit; pid 2: read exit (numbered from 1)
writeFileSync(join(dir, 'sun', 'normal', 'a.int'), '1 4\n1 3\n2 3\n1 2\n2 1\n1 1\n');

function manifest(firstNumber: number | undefined, lastCall: string | undefined): Manifest {
  const base = getDataset('mini-unm', FIXTURE_REGISTRY);
  return {
    ...base,
    name: 'sun',
    root: 'sun',
    syscallTable: { kind: 'unm-calls', file: 'calls.txt', ...(firstNumber !== undefined ? { firstNumber } : {}), ...(lastCall ? { lastCall } : {}) },
    rules: [{ pattern: '^normal/.+\\.int$', label: 'normal' }],
    subsets: {},
  } as Manifest;
}

describe('SunOS first-number offset', () => {
  it('names calls from the offset: 1 = exit when the table counts from 1', () => {
    const r = loadDataset(manifest(1, 'exit'), dir);
    const names = r.traces.map((t) => Array.from(t.calls, (c) => t.table.name(c)).join(' '));
    expect(names).toEqual(['open read fork exit', 'read exit']);
  });

  it('the same numbers read from 0 end in fork: the exit check fails with one clear message', () => {
    expect(() => loadDataset(manifest(0, 'exit'), dir)).toThrow(/dataset sun: only 0\/2 traces end in exit \(most end in fork: 2\), so the syscall numbering is off; expected syscallTable\.firstNumber \(now 0\)/);
    // without a declared last call nothing is checked (sendmail traces end in close)
    const r = loadDataset(manifest(undefined, undefined), dir);
    expect(r.traces[0]!.table.name(r.traces[0]!.calls.at(-1)!)).toBe('fork');
  });

  it('the shipped manifests: lpr counts from 1 and ends in exit, sendmail from 0', () => {
    for (const name of ['lpr-mit', 'lpr-unm']) {
      const m = getDataset(name);
      expect(m.syscallTable).toEqual({ kind: 'unm-calls', file: 'calls.txt.sun', firstNumber: 1, lastCall: 'exit' });
    }
    expect(getDataset('unm-sendmail').syscallTable).toEqual({ kind: 'unm-calls', file: 'calls.txt.sun', firstNumber: 0 });
  });
});

const real = realData();
real.describe('SunOS numbering on the real UNM lpr data', () => {
  it('lpr from 1: open read mmap mmap ... exit; read from 0 the check fails', async () => {
    const m = getDataset('lpr-mit');
    const r = await loadDatasetAsync(m, real.dir!);
    const t = r.traces.find((x) => x.label === 'normal')!;
    expect(Array.from(t.calls.subarray(0, 4), (c) => t.table.name(c))).toEqual(['open', 'read', 'mmap', 'mmap']);
    await expect(loadDatasetAsync({ ...m, syscallTable: { ...m.syscallTable, firstNumber: 0 } } as Manifest, real.dir!)).rejects.toThrow(/only 0\/\d+ traces end in exit \(most end in fork/);
  });
});
