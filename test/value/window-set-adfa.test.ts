// Real data (STIDEBENCH_DATA): the WindowSet on ADFA-LD at k >= 8, where windows of its 175 distinct
// calls no longer fit a packed 53-bit key (floor(2^(53/8)) = 98 < 175), checked through the public API
// only against a naive Set<string> / Map<string, count> of the same windows. The test reads the trace
// files itself (one line of space-separated numbers) and numbers the calls in order of first
// appearance, sharing nothing with the project's readers or alphabet.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, expect, it } from 'vitest';
import { WindowSet } from '../../src/detectors/window-set.js';
import { realData } from '../datasets/helpers.js';
import { naiveWindows } from './naive.js';

const real = realData();

function readFolder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) out.push(...readFolder(join(dir, e.name)));
    else if (e.name.endsWith('.txt')) out.push(join(dir, e.name));
  }
  return out;
}

real.describe('WindowSet on ADFA-LD at k >= 8 against a naive Set<string>', () => {
  const ids = new Map<number, number>();
  let train: Int32Array[] = [];
  let test: Int32Array[] = [];
  const encode = (file: string): Int32Array =>
    Int32Array.from(
      readFileSync(file, 'utf8')
        .trim()
        .split(/\s+/)
        .map((s) => {
          const raw = Number(s);
          let id = ids.get(raw);
          if (id === undefined) ids.set(raw, (id = ids.size));
          return id;
        }),
    );

  beforeAll(() => {
    const root = join(real.dir!, 'ADFA-LD');
    train = readFolder(join(root, 'Training_Data_Master')).map(encode);
    // Every validation trace and every attack trace: 5,118 traces, ~2.4 M calls.
    test = [...readFolder(join(root, 'Validation_Data_Master')), ...readFolder(join(root, 'Attack_Data_Master'))].map(encode);
  });

  it('reads the whole dataset: 833 training and 5,118 test traces over 175 distinct calls', () => {
    expect(train).toHaveLength(833);
    expect(test).toHaveLength(4_372 + 746);
    expect(ids.size).toBe(175);
  });

  it.each([8, 12])('k = %i: same distinct windows, counts, and mismatch signal on every test trace', (k) => {
    const set = new WindowSet(k);
    const naive = new Map<string, number>();
    let total = 0;
    for (const t of train) {
      set.addTrace(t);
      for (const w of naiveWindows(t, k)) {
        naive.set(w, (naive.get(w) ?? 0) + 1);
        total++;
      }
    }
    expect(set.size).toBe(naive.size);
    expect(set.totalAdded).toBe(total);

    // Exported windows are exactly the naive set, with the same training counts.
    const { windows, counts } = set.export();
    const exported = new Map<string, number>();
    for (let i = 0; i < counts.length; i++) exported.set(Array.from(windows.subarray(i * k, (i + 1) * k)).join(','), counts[i]!);
    expect(exported.size).toBe(naive.size);
    for (const [w, c] of naive) if (exported.get(w) !== c) expect({ w, count: exported.get(w) }).toEqual({ w, count: c });

    // A model file round trip answers the same.
    const loaded = WindowSet.fromExport(k, windows, counts);
    let windowsSeen = 0;
    let mismatches = 0;
    for (const t of test) {
      const ws = naiveWindows(t, k);
      const want = ws.map((w) => (naive.has(w) ? 0 : 1));
      const sig = set.mismatches(t);
      const idx = set.lookupAll(t);
      windowsSeen += want.length;
      for (const m of want) mismatches += m;
      if (sig.length !== want.length || sig.some((v, i) => v !== want[i])) expect(Array.from(sig)).toEqual(want);
      if (idx.some((v, i) => (v < 0 ? 1 : 0) !== want[i])) expect(Array.from(idx, (v) => (v < 0 ? 1 : 0))).toEqual(want);
      for (let i = 0; i < idx.length; i++) {
        if (idx[i]! >= 0 && set.countAt(idx[i]!) !== naive.get(ws[i]!)) expect({ window: i, count: set.countAt(idx[i]!) }).toEqual({ window: i, count: naive.get(ws[i]!) });
      }
      const back = loaded.mismatches(t);
      if (back.some((v, i) => v !== want[i])) expect(Array.from(back)).toEqual(want);
    }
    // The test set is big and mixed: both kinds of answer occur many times.
    expect(windowsSeen).toBeGreaterThan(2_000_000);
    expect(mismatches).toBeGreaterThan(10_000);
    expect(windowsSeen - mismatches).toBeGreaterThan(10_000);
    // has() on a few windows from both sides.
    const sample = test[0]!;
    for (let i = 0; i + k <= sample.length; i += 17) expect(set.has(sample, i)).toBe(naive.has(Array.from(sample.subarray(i, i + k)).join(',')));
  });
});
