// Tests that a cell records its own throughput (issue 11) beside, never inside, its scores: the calls
// counted are the real ones, the clocks ran, and the scores equal a cell computed again.

import { describe, expect, it } from 'vitest';
import { runCell } from '../../src/eval/cell.js';
import { cellThroughput } from '../../src/report/throughput.js';
import type { ExperimentResult } from '../../src/experiments/run.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import { makeTraces } from '../helpers.js';

describe('cell timings', () => {
  it('count the trained and scored calls, run both clocks in the main thread, and leave the scores alone', () => {
    const a = new Alphabet();
    const mk = (n: number, label: 'normal' | 'attack') =>
      makeTraces(a, Array.from({ length: n }, (_, i) => ({ calls: Array.from({ length: 200 + i }, (_, j) => `c${(i * j) % 9}`), label })));
    const train = mk(5, 'normal');
    const input = { dataset: 'd', detectorLabel: 'stide', detector: { kind: 'stide' as const, scope: 'shared' as const, resetOn: [] }, k: 4, frames: [5, 20], train, calibrate: mk(2, 'normal'), testNormal: mk(3, 'normal'), attack: mk(4, 'attack') };
    const cell = runCell(input);
    const t = cell.timings!;
    expect(t.where).toBe('main');
    expect(t.scoreCalls).toBe([...input.calibrate, ...input.testNormal, ...input.attack].reduce((n, x) => n + x.calls.length, 0));
    expect(t.trainMs).toBeGreaterThanOrEqual(0);
    expect(t.trainCpuMs).not.toBeNull();
    expect(t.scoreCpuMs).not.toBeNull();
    const again = runCell(input);
    const { timings: _a, ...s1 } = cell;
    const { timings: _b, ...s2 } = again;
    expect(s2).toEqual(s1);
    const [row] = cellThroughput({ cells: [cell] } as unknown as ExperimentResult);
    expect(row!.trainCalls).toBe(cell.trainCalls);
    expect(row!.dbBytesPerWindow).toBeCloseTo(cell.dbBytes / cell.dbSize);
    if (t.scoreMs > 0) expect(row!.scorePerSecWall).toBeCloseTo(t.scoreCalls / (t.scoreMs / 1000));
  });
});
