// Tests per-program profiles identified at run time (src/detectors/profiles.ts) and the profiles.yaml
// schema of the profile study (src/studies/profiles/study.ts).

import { describe, expect, it } from 'vitest';
import { Alphabet } from '../../src/traces/alphabet.js';
import { trainStide } from '../../src/detectors/stide.js';
import {
  ProfileModel,
  callDistribution,
  identifyAtPrefixes,
  identifyProfile,
  jsDivergence,
  trainProfiles,
  type IdentifyMethod,
} from '../../src/detectors/profiles.js';
import { parseProfilesConfig } from '../../src/studies/profiles/study.js';
import { InputError } from '../../src/errors.js';
import { makeTraces } from '../helpers.js';
import type { Trace } from '../../src/traces/trace.js';

/** A program as a repeated motif with seeded variation: distinct call patterns and call frequencies. */
function motifCalls(motif: string[], n: number, seed: number): string[] {
  let a = seed >>> 0;
  const out: string[] = [];
  while (out.length < n) {
    a = (Math.imul(a, 1103515245) + 12345) >>> 0;
    // Occasionally repeat the first call of the motif: enough variation for several windows.
    if ((a >>> 16) % 5 === 0) out.push(motif[0]!);
    out.push(...motif);
  }
  return out.slice(0, n);
}

const PROGRAMS: Record<string, string[]> = {
  editor: ['open', 'read', 'read', 'write', 'close'],
  server: ['accept', 'recv', 'send', 'send', 'close', 'poll'],
  shell: ['fork', 'execve', 'wait4', 'read', 'write'],
  zipper: ['read', 'brk', 'brk', 'write', 'mmap', 'munmap'],
};

function world(): { a: Alphabet; train: Trace[]; test: Trace[] } {
  const a = new Alphabet();
  const specs = Object.entries(PROGRAMS).flatMap(([program, motif], i) => [
    { program, calls: motifCalls(motif, 400, 10 + i) },
    { program, calls: motifCalls(motif, 300, 20 + i) },
  ]);
  const train = makeTraces(a, specs);
  const test = makeTraces(
    a,
    Object.entries(PROGRAMS).map(([program, motif], i) => ({ program, calls: motifCalls(motif, 200, 90 + i), source: `test-${program}` })),
  );
  return { a, train, test };
}

describe('profile identification', () => {
  for (const method of ['mismatch', 'jsd'] as IdentifyMethod[]) {
    it(`${method}: identifies hand-made programs with distinct call patterns after enough calls`, () => {
      const { train, test } = world();
      const set = trainProfiles(train, 3);
      expect(set.programs).toEqual(['editor', 'server', 'shell', 'zipper']);
      for (const t of test) {
        for (const n of [30, 100, 'all'] as const) {
          const id = identifyProfile(set, t.calls, method, n);
          expect(id.program, `${t.program} at n=${n}`).toBe(t.program);
          expect(id.calls).toBe(n === 'all' ? t.calls.length : n);
        }
      }
    });
  }

  it('identification at several prefixes equals identification at each prefix alone', () => {
    const { train, test } = world();
    const set = trainProfiles(train, 4);
    const ns = [500, 5, 12, 'all', 50] as const;
    for (const method of ['mismatch', 'jsd'] as IdentifyMethod[]) {
      for (const t of test) {
        const many = identifyAtPrefixes(set, t.calls, method, ns);
        ns.forEach((n, j) => expect(many[j]).toEqual(identifyProfile(set, t.calls, method, n)));
      }
    }
  });

  it('uses only the first n calls: a trace whose later calls look like another program is identified by its prefix', () => {
    const { a, train } = world();
    const set = trainProfiles(train, 3);
    const [mixed] = makeTraces(a, [{ program: 'editor', calls: [...motifCalls(PROGRAMS.editor!, 100, 5), ...motifCalls(PROGRAMS.server!, 900, 6)] }]);
    for (const method of ['mismatch', 'jsd'] as IdentifyMethod[]) {
      expect(identifyProfile(set, mixed!.calls, method, 100).program).toBe('editor');
      expect(identifyProfile(set, mixed!.calls, method, 'all').program).toBe('server');
      // The model scored with n = 100 uses the editor database for the whole trace.
      const model = new ProfileModel(set, { kind: 'identify', method, calls: 100 });
      expect(Array.from(model.score(mixed!))).toEqual(Array.from(set.dbs[set.indexOf('editor')]!.mismatches(mixed!.calls)));
    }
  });

  it('mismatch ties: broken by mean Hamming distance, then alphabetically', () => {
    const a = new Alphabet();
    // Both profiles miss every window of the probe (x,y,z,w); "near" shares 2 of 3 positions with it.
    const train = makeTraces(a, [
      { program: 'b-near', calls: ['x', 'y', 'q'] },
      { program: 'a-far', calls: ['p', 'q', 'r'] },
    ]);
    const [probe] = makeTraces(a, [{ calls: ['x', 'y', 'z'] }]);
    const set = trainProfiles(train, 3);
    const id = identifyProfile(set, probe!.calls, 'mismatch');
    expect(id.scores).toEqual([1, 1]);
    expect(id.decidedBy).toBe('hamming');
    expect(id.program).toBe('b-near');
    expect(id.meanHamming).toEqual([3, 1]);
    // Equal on everything: the alphabetically first program wins.
    const set2 = trainProfiles(makeTraces(a, [{ program: 'zz', calls: ['p', 'q', 'r'] }, { program: 'aa', calls: ['p', 'q', 'r'] }]), 3);
    const id2 = identifyProfile(set2, probe!.calls, 'mismatch');
    expect(id2.program).toBe('aa');
    expect(id2.decidedBy).toBe('alphabetical');
  });

  it('a prefix shorter than k has no window: the mismatch method falls back to the first profile', () => {
    const { train, test } = world();
    const set = trainProfiles(train, 6);
    const id = identifyProfile(set, test[2]!.calls, 'mismatch', 3);
    expect(id.windows).toBe(0);
    expect(id.decidedBy).toBe('alphabetical');
    expect(id.program).toBe('editor');
  });
});

describe('Jensen–Shannon divergence', () => {
  it('is 0 for identical distributions, symmetric, and 1 bit for disjoint supports', () => {
    const p = [0.5, 0.25, 0.25, 0];
    const q = [0.1, 0.2, 0.3, 0.4];
    expect(jsDivergence(p, p)).toBe(0);
    expect(jsDivergence(q, q)).toBe(0);
    expect(jsDivergence(p, q)).toBeCloseTo(jsDivergence(q, p), 15);
    expect(jsDivergence(p, q)).toBeGreaterThan(0);
    expect(jsDivergence([1, 0], [0, 1])).toBeCloseTo(1, 12);
  });

  it('smoothed profile distributions sum to 1 and the empirical prefix distribution is unsmoothed', () => {
    const { train, test } = world();
    const set = trainProfiles(train, 3, { jsdEpsilon: 0.5 });
    for (const d of set.dists) expect(d.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    for (const d of set.dists) for (const x of d) expect(x).toBeGreaterThan(0);
    // The identification's sparse divergence equals the dense reference.
    for (const t of test) {
      for (const n of [10, 57, 'all'] as const) {
        const id = identifyProfile(set, t.calls, 'jsd', n);
        const q = callDistribution(set, t.calls, n === 'all' ? t.calls.length : n);
        set.dists.forEach((d, i) => expect(id.scores[i]).toBeCloseTo(jsDivergence(d, q), 12));
      }
    }
    const q = callDistribution(set, test[0]!.calls, 10);
    expect(q.reduce((s, x) => s + x, 0)).toBeCloseTo(1, 12);
    expect(q.filter((x) => x === 0).length).toBeGreaterThan(0);
  });
});

describe('ProfileModel', () => {
  it('the oracle profile model gives exactly per-program Stide signals (unknown programs mismatch everywhere)', () => {
    const { a, train, test } = world();
    const stranger = makeTraces(a, [{ program: 'stranger', calls: motifCalls(PROGRAMS.shell!, 50, 3) }]);
    const stide = trainStide(train, 4, 'per-program');
    const oracle = new ProfileModel(trainProfiles(train, 4), { kind: 'oracle' });
    expect(oracle.dbSize).toBe(stide.dbSize);
    for (const t of [...test, ...stranger, ...train]) expect(Array.from(oracle.score(t))).toEqual(Array.from(stide.score(t)));
  });

  it('an identified model scores against the profile it identifies', () => {
    const { train, test } = world();
    const set = trainProfiles(train, 4);
    const stide = trainStide(train, 4, 'per-program');
    for (const method of ['mismatch', 'jsd'] as IdentifyMethod[]) {
      const model = new ProfileModel(set, { kind: 'identify', method, calls: 'all' });
      for (const t of test) {
        expect(model.identify(t)!.program).toBe(t.program);
        expect(Array.from(model.score(t))).toEqual(Array.from(stide.score(t)));
      }
    }
  });

  it('rejects a bad number of calls seen', () => {
    const { train } = world();
    expect(() => new ProfileModel(trainProfiles(train, 3), { kind: 'identify', method: 'jsd', calls: 0 })).toThrow(RangeError);
  });
});

describe('profiles.yaml schema', () => {
  const good = `
k: 6
seed: 1
calls: [10, 100, all]
operatingPoints:
  - { frame: 20, count: 6 }
  - { frame: 100, ratio: 0.06 }
detectionCalls: [100, all]
groups:
  - name: unm
    datasets:
      - { name: lpr-mit }
      - { name: unm-sendmail, rename: sendmail }
`;

  it('accepts a valid file', () => {
    const c = parseProfilesConfig(good, 'p.yaml');
    expect(c.k).toBe(6);
    expect(c.calls).toEqual([10, 100, 'all']);
    expect(c.groups[0]!.datasets[1]!.rename).toBe('sendmail');
  });

  it('names the file and the field of a schema error', () => {
    const bad = good.replace('k: 6', 'k: 0');
    expect(() => parseProfilesConfig(bad, 'bad.yaml')).toThrow(InputError);
    expect(() => parseProfilesConfig(bad, 'bad.yaml')).toThrow(/bad\.yaml:2: field k/);
    const bad2 = good.replace('calls: [10, 100, all]', 'calls: [10, lots]');
    expect(() => parseProfilesConfig(bad2, 'bad2.yaml')).toThrow(/bad2\.yaml:\d+: field calls\.1/);
    const bad3 = good.replace('{ name: lpr-mit }', '{ name: lpr-mit, unit: folder }');
    expect(() => parseProfilesConfig(bad3, 'bad3.yaml')).toThrow(/field groups\.0\.datasets\.0\.unit/);
  });
});
