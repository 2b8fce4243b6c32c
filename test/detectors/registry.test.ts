// The open registry: every built-in kind trains through one entry point, saves and loads to the same
// model (same signal), and its online form tests each window as the batch scorer does (shared scope) or
// as a shared model trained on the same data does (a per-program model is watched against the union
// of its databases); params are checked by each kind's schema; the experiment schema takes its kinds
// from the registry.

import { describe, expect, it } from 'vitest';
import { detectorKinds, loadDetector, onlineForm, onlineKinds, resolveSpec, saveDetector, trainModel } from '../../src/detectors/registry.js';
import { parseExperiment } from '../../src/experiments/loader.js';
import { Alphabet, UNKNOWN } from '../../src/traces/alphabet.js';
import type { Trace } from '../../src/traces/trace.js';
import { randomCalls } from '../helpers.js';

function traces(a: Alphabet, n: number, len: number, alpha: number, seed: number, program: (i: number) => string): Trace[] {
  return Array.from({ length: n }, (_, i) => ({
    dataset: 't', source: `s${seed}-${i}`, pid: i, label: 'normal' as const, program: program(i), family: null, intrusion: null,
    // After freeze, names never seen map to the alphabet's <unknown> id, as the preparation pipeline does.
    calls: Int32Array.from(randomCalls(len, alpha, seed * 100 + i), (x) => {
      const id = a.intern(`c${x}`);
      return id >= 0 ? id : a.idOf(UNKNOWN)!;
    }),
    alphabet: a,
  }));
}

/** The online form's verdict for every window of a trace (no resets). */
function online(test: ReturnType<typeof onlineForm>, t: Trace): number[] {
  const k = test.k;
  return Array.from({ length: Math.max(0, t.calls.length - k + 1) }, (_, i) => test.test(Int32Array.from(t.calls.subarray(i, i + k))));
}

describe('detector registry', () => {
  const a = new Alphabet();
  const train = traces(a, 6, 400, 6, 1, (i) => (i % 2 === 0 ? 'p' : 'q'));
  a.freeze();
  const test = traces(a, 4, 300, 9, 2, (i) => (i % 2 === 0 ? 'p' : 'q'));
  const params: Record<string, Record<string, number>> = { tstide: { rareFraction: 0.002 }, hamming: { minDistance: 2 } };

  it('lists the built-ins; every one can be saved and watched', () => {
    expect(detectorKinds().slice(0, 5)).toEqual(['stide', 'xenids', 'tstide', 'lookahead', 'hamming']);
    expect(onlineKinds()).toEqual(['stide', 'xenids', 'tstide', 'lookahead', 'hamming']);
  });

  for (const kind of ['stide', 'xenids', 'tstide', 'lookahead', 'hamming']) {
    it(`${kind}: save/load gives the same signal; the online form agrees with batch (shared) and with a shared model (per-program)`, () => {
      const spec = resolveSpec({ kind, scope: 'shared', params: params[kind] });
      const m = trainModel(spec, train, 4);
      const back = loadDetector(saveDetector(m), m.config, spec.params ?? {}, a.size);
      for (const t of test) expect(Array.from(back.score(t))).toEqual(Array.from(m.score(t)));
      const form = onlineForm(m);
      expect(form.merged).toBe(1);
      const sigs = test.map((t) => Array.from(m.score(t)));
      expect(test.map((t) => online(form, t))).toEqual(sigs);
      expect(sigs.flat().some((x) => x === 1) && sigs.flat().some((x) => x === 0)).toBe(true);
      if (kind === 'xenids') return;
      const per = trainModel(resolveSpec({ kind, scope: 'per-program', params: params[kind] }), train, 4);
      const union = onlineForm(per);
      expect(union.merged).toBe(2);
      expect(test.map((t) => online(union, t))).toEqual(sigs);
    });
  }

  it('checks params by the kind\'s schema and k-dependent rules, naming the param', () => {
    expect(() => resolveSpec({ kind: 'tstide', params: { rareFraction: 2 } })).toThrow(/detector tstide: bad param rareFraction = 2/);
    expect(() => resolveSpec({ kind: 'stide', params: { x: 1 } })).toThrow(/unknown param "x"; expected no params for this kind/);
    expect(() => resolveSpec({ kind: 'stide', resetOn: ['execve'] })).toThrow(/takes no resetOn/);
    expect(() => trainModel(resolveSpec({ kind: 'hamming', params: { minDistance: 5 } }), train, 4)).toThrow(/minDistance = 5; expected an integer in 1\.\.k = 1\.\.4/);
    expect(resolveSpec({ kind: 'xenids' })).toEqual({ kind: 'xenids', scope: 'shared', resetOn: ['execve', 'execveat', 'vfork', 'execv'], params: {} });
  });

  it('the experiment schema takes its kinds from the registry', () => {
    const exp = (det: string) => `name: x\ndatasets: [{ name: sample }]\ndetectors: [${det}]\nk: 4\nframes: 10\nthresholds: { count: 1 }\n`;
    expect(() => parseExperiment(exp('{ kind: nosuch }'), 'e.yaml')).toThrow(/e\.yaml:3: field detectors\.0\.kind: unknown detector kind; expected one of stide, xenids, tstide, lookahead, hamming/);
    expect(() => parseExperiment(exp('{ kind: xenids, scope: per-program }'), 'e.yaml')).toThrow(/field detectors\.0: detector xenids does not support scope per-program/);
    expect(parseExperiment(exp('{ kind: hamming, params: { minDistance: 2 } }'), 'e.yaml').detectors[0]).toMatchObject({ kind: 'hamming', scope: 'per-program', label: 'hamming/per-program(minDistance=2)' });
  });
});
