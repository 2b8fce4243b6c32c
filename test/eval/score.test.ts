// Tests the one-scan scoring pass: signalInto + summarizeFramesInto (one pass, every frame, one backing
// array per batch) give exactly what the per-trace reference gives (model.score, then summarizeFrame once
// per frame), for every detector kind, several frames at once, traces shorter than k and empty traces.

import { describe, expect, it } from 'vitest';
import { DETECTOR_KINDS, trainModel, type DetectorSpec } from '../../src/detectors/registry.js';
import { DEFAULT_RESET_ON } from '../../src/detectors/xenids.js';
import { summarizeFrame, summarizeFramesInto, summaryInts } from '../../src/eval/frame.js';
import { scoreTrace, scoreTraces, signalInto } from '../../src/eval/score.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import type { Trace } from '../../src/traces/trace.js';
import { randomCalls } from '../helpers.js';

const NAMES = ['read', 'write', 'open', 'close', 'mmap', 'brk', 'execve', 'stat', 'fstat', 'ioctl'];

function traces(alphabet: Alphabet, n: number, seed: number, label: 'normal' | 'attack', m = NAMES.length): Trace[] {
  return Array.from({ length: n }, (_, i) => {
    const len = i % 7 === 0 ? i % 5 : 50 + ((i * 37) % 400); // some shorter than k (and empty)
    const names = Array.from(randomCalls(len, m, seed + i), (c) => NAMES[c]!);
    return {
      dataset: 'test', source: `${label}${i}`, pid: i, label, program: i % 2 === 0 ? 'p' : 'q', family: null,
      intrusion: label === 'attack' ? `a${i}` : null, calls: Int32Array.from(names.map((c) => alphabet.intern(c))), alphabet,
    };
  });
}

describe('summarizeFramesInto', () => {
  it('equals summarizeFrame for every frame, in one pass, at any offset of a shared store', () => {
    const frames = [1, 2, 6, 20, 100];
    for (let seed = 1; seed < 30; seed++) {
      const sig = Uint8Array.from(randomCalls(seed * 13, 2 + (seed % 3), seed), (x) => (x === 0 ? 1 : 0));
      const store = new Int32Array(summaryInts(frames) + 7);
      const got = summarizeFramesInto(sig, sig.length, frames, store, 7);
      frames.forEach((f, fi) => {
        const want = summarizeFrame(sig, f);
        expect(got[fi]!.maxLfc).toBe(want.maxLfc);
        expect(got[fi]!.windows).toBe(want.windows);
        expect(Array.from(got[fi]!.hist)).toEqual(Array.from(want.hist));
        expect(Array.from(got[fi]!.firstReach)).toEqual(Array.from(want.firstReach));
      });
      // Only n windows of a longer buffer count.
      const longer = new Uint8Array(sig.length + 10).fill(1);
      longer.set(sig);
      const one = summarizeFramesInto(longer, sig.length, [6], new Int32Array(summaryInts([6])), 0);
      expect(Array.from(one[0]!.hist)).toEqual(Array.from(summarizeFrame(sig, 6).hist));
    }
  });
});

describe('scoreTraces (one scan per trace)', () => {
  it('every detector kind: identical to model.score + summarizeFrame per frame', () => {
    const alphabet = new Alphabet();
    const train = traces(alphabet, 30, 1, 'normal', 7);
    for (const n of DEFAULT_RESET_ON) alphabet.intern(n);
    alphabet.freeze();
    const test = [...traces(alphabet, 40, 100, 'normal'), ...traces(alphabet, 20, 200, 'attack')];
    const frames = [1, 5, 20];
    for (const kind of DETECTOR_KINDS) {
      for (const k of [2, 6, 11]) {
        const spec: DetectorSpec = kind === 'xenids' ? { kind, scope: 'shared', resetOn: [...DEFAULT_RESET_ON], params: {} } : { kind, scope: 'per-program', resetOn: [], params: {} };
        const model = trainModel(spec, train, k);
        const scored = scoreTraces(model, test, frames);
        test.forEach((t, i) => {
          const ref = model.score(t);
          const s = scored[i]!;
          expect(s.windows, `${kind} k=${k} trace ${i}`).toBe(ref.length);
          expect(s.mismatches).toBe(ref.reduce((a, b) => a + b, 0));
          expect(s.length).toBe(t.calls.length);
          expect(s.meta.source).toBe(t.source);
          frames.forEach((f, fi) => {
            const want = summarizeFrame(ref, f);
            expect(s.frames[fi]!.maxLfc).toBe(want.maxLfc);
            expect(Array.from(s.frames[fi]!.hist)).toEqual(Array.from(want.hist));
            expect(Array.from(s.frames[fi]!.firstReach)).toEqual(Array.from(want.firstReach));
          });
          const buf = new Uint8Array(t.calls.length + 3).fill(9);
          const n = signalInto(model, t, buf);
          expect(Array.from(buf.subarray(0, n))).toEqual(Array.from(ref));
          expect(scoreTrace(model, t, frames).frames[2]!.maxLfc).toBe(s.frames[2]!.maxLfc);
        });
      }
    }
  });

  it('signalInto refuses a buffer shorter than the trace', () => {
    const alphabet = new Alphabet();
    const [t] = traces(alphabet, 2, 5, 'normal').slice(1);
    const model = trainModel({ kind: 'stide', scope: 'shared', resetOn: [], params: {} }, [t!], 3);
    expect(() => signalInto(model, t!, new Uint8Array(2))).toThrow(RangeError);
  });
});
