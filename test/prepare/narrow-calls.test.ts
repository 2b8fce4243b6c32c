// Encoded traces hold their ids in the narrowest typed array the run's final alphabet allows (issue 11
// item 3): Uint8Array up to 256 ids, Uint16Array up to 65,536; the ids themselves are unchanged.

import { describe, expect, it } from 'vitest';
import { encodeSets } from '../../src/prepare/encode.js';
import { narrowCalls, type RawTrace } from '../../src/traces/trace.js';
import { ArraySyscallTable } from '../../src/traces/syscalls/index.js';
import { randomCalls } from '../helpers.js';

function raw(source: string, calls: Int32Array, table: ArraySyscallTable): RawTrace {
  return { dataset: 't', source, pid: null, label: 'normal', program: 'p', family: null, intrusion: null, calls, table };
}

describe('call arrays', () => {
  it('narrowCalls picks the width by alphabet size and keeps every id', () => {
    const c = Int32Array.from([0, 5, 255, 17]);
    expect(narrowCalls(c, 256)).toBeInstanceOf(Uint8Array);
    expect(narrowCalls(c, 257)).toBeInstanceOf(Uint16Array);
    expect(narrowCalls(c, 65_537)).toBe(c);
    for (const size of [256, 257, 65_537]) expect(Array.from(narrowCalls(c, size))).toEqual(Array.from(c));
  });

  for (const names of [40, 300]) {
    it(`encodeSets over ${names} names: train and test in ${names <= 256 ? 'Uint8Array' : 'Uint16Array'}, ids as encoded`, () => {
      const table = new ArraySyscallTable('t', Array.from({ length: names }, (_, i) => `c${i}`));
      const train = [raw('a', randomCalls(2000, names, 1), table)];
      const test = [raw('b', randomCalls(500, names + 20, 2), table)]; // some numbers no name: <unknown>
      const { alphabet, sets } = encodeSets({ train, test }, []);
      expect(alphabet.size > 256).toBe(names > 256);
      const Want = alphabet.size <= 256 ? Uint8Array : Uint16Array;
      for (const t of [...sets.train, ...sets.test]) expect(t.calls).toBeInstanceOf(Want);
      const wide = alphabet.encodeCalls(table, train[0]!.calls);
      expect(Array.from(sets.train[0]!.calls)).toEqual(Array.from(wide));
      expect(Math.max(...sets.test[0]!.calls)).toBeLessThan(alphabet.size);
    });
  }
});
