import { describe, expect, it } from 'vitest';
import { Alphabet } from '../../src/traces/alphabet.js';
import { trainStide } from '../../src/detectors/stide.js';
import { resetMask, trainXenids } from '../../src/detectors/xenids.js';
import { onlineForm } from '../../src/detectors/registry.js';
import { ALARM, MISMATCH, NO_WINDOW, OnlineDetector } from '../../src/live/online.js';
import { summarizeFrame } from '../../src/eval/frame.js';
import { minAlarmLfc, ratioThreshold } from '../../src/eval/threshold.js';
import { makeTraces, randomCalls } from '../helpers.js';
import type { Trace } from '../../src/traces/trace.js';

function asTrace(a: Alphabet, calls: Int32Array, pid: number, program = 'p'): Trace {
  return { dataset: 't', source: 's', pid, label: 'normal', program, family: null, intrusion: null, calls, alphabet: a };
}

/** Interleaves traces into one (host, pid, id) stream with a seeded scheduler. */
function interleave(traces: { host: number; pid: number; calls: Int32Array }[], seed: number): [number, number, number][] {
  const pos = traces.map(() => 0);
  const out: [number, number, number][] = [];
  let r = seed;
  for (;;) {
    const live = traces.map((t, i) => i).filter((i) => pos[i]! < traces[i]!.calls.length);
    if (live.length === 0) return out;
    r = (Math.imul(r, 1103515245) + 12345) >>> 0;
    const i = live[r % live.length]!;
    const burst = 1 + (r >>> 8) % 5;
    for (let b = 0; b < burst && pos[i]! < traces[i]!.calls.length; b++) {
      const t = traces[i]!;
      out.push([t.host, t.pid, t.calls[pos[i]!++]!]);
    }
  }
}

describe('xenids online detector', () => {
  it('with no resets gives exactly the per-process mismatch counts and max LFC of batch Stide (shared DB)', () => {
    const a = Alphabet.fromNames(Array.from({ length: 12 }, (_, i) => `c${i}`));
    const train = [asTrace(a, randomCalls(5000, 10, 1), 1), asTrace(a, randomCalls(3000, 12, 2), 2)];
    const tests = [
      { host: 0, pid: 100, calls: randomCalls(2000, 12, 3) },
      { host: 0, pid: 101, calls: randomCalls(500, 11, 4) },
      { host: 1, pid: 100, calls: randomCalls(1500, 12, 5) }, // same pid on another host: separate state
      { host: 1, pid: 7, calls: randomCalls(4, 12, 6) }, // shorter than k
    ];
    for (const k of [2, 3, 6, 10]) {
      const batch = trainStide(train, k, 'shared');
      const online = trainXenids(train, k, []);
      expect(online.dbSize).toBe(batch.dbSize);
      const frame = 20;
      const det = new OnlineDetector(onlineForm(online), { frame, minAlarmLfc: minAlarmLfc(ratioThreshold(0.3), frame), resetMask: resetMask(a, []) });
      for (const [h, p, id] of interleave(tests, 42 + k)) det.push(h, p, id);
      for (const t of tests) {
        const sig = batch.score(asTrace(a, t.calls, t.pid));
        const expected = sig.reduce((x, y) => x + y, 0);
        const st = det.get(t.host, t.pid)!;
        expect(st.windows).toBe(sig.length);
        expect(st.mismatches).toBe(expected);
        const s = summarizeFrame(sig, frame);
        const t0 = minAlarmLfc(ratioThreshold(0.3), frame);
        expect(st.firstAlarmWindow).toBe(s.maxLfc >= t0 ? s.firstReach[t0] : -1);
      }
    }
  });

  it('clears the buffer on exec/vfork: no window spans the reset, and batch scoring agrees', () => {
    const a = new Alphabet();
    const [train] = makeTraces(a, [{ calls: ['open', 'read', 'close', 'open', 'read', 'close'] }]);
    const [probe] = makeTraces(a, [{ calls: ['open', 'read', 'execve', 'open', 'read', 'close'] }]);
    const model = trainXenids([train!], 3, ['execve', 'vfork']);
    // Segments: [open, read] (no window), [execve, open, read, close] -> windows (execve,open,read), (open,read,close).
    const sig = model.score(probe!);
    expect(Array.from(sig)).toEqual([1, 0]);
    const det = new OnlineDetector(onlineForm(model), { frame: 10, minAlarmLfc: 5, resetMask: resetMask(a, ['execve', 'vfork']) });
    const codes = Array.from(probe!.calls, (id) => det.push(0, 9, id));
    expect(codes).toEqual([NO_WINDOW, NO_WINDOW, NO_WINDOW, NO_WINDOW, MISMATCH, 0]);
    // Without resets the same trace forms 4 windows.
    expect(trainXenids([train!], 3, []).score(probe!).length).toBe(4);
  });

  it('alarms when the ratio over the frame is exceeded and records the first alarm', () => {
    const a = new Alphabet();
    const [train] = makeTraces(a, [{ calls: ['a', 'b', 'a', 'b', 'a', 'b'] }]);
    const model = trainXenids([train!], 2, []);
    const det = new OnlineDetector(onlineForm(model), { frame: 4, minAlarmLfc: minAlarmLfc(ratioThreshold(0.5), 4), resetMask: new Uint8Array(0) });
    const ids = ['a', 'b', 'x', 'y', 'z'].map((n) => a.intern(n));
    const codes = ids.map((id) => det.push(0, 1, id));
    // windows: ab ok, bx miss, xy miss, yz miss -> LFC 1,2,3: alarm needs LFC > 2 -> at window 3
    expect(codes).toEqual([NO_WINDOW, 0, MISMATCH, MISMATCH, ALARM]);
    expect(det.get(0, 1)!.firstAlarmWindow).toBe(3);
    expect(det.get(0, 1)!.firstAlarmEvent).toBe(4);
    expect(det.end(0, 1)).toBeDefined();
    expect(det.get(0, 1)).toBeUndefined();
  });
});
