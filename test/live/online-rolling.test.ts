// Tests the rolling key of the online detector (issue 11 item 6): on real strace recordings, an
// OnlineDetector that rolls one packed key per process gives, event by event, exactly the outcome of
// the ring-buffer form that builds each window and tests it (the online form with its rolling part
// removed), for window-set kinds at key widths of one to three lanes, with and without buffer resets.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { onlineForm } from '../../src/detectors/registry.js';
import { resetMask } from '../../src/detectors/xenids.js';
import { OnlineDetector } from '../../src/live/online.js';
import { trainFromFiles } from '../../src/live/model-file.js';
import { EventDecoder } from '../../src/live/stream.js';
import type { WindowTest } from '../../src/detectors/types.js';

const FIX = join(import.meta.dirname, '../fixtures/strace-real');

describe('online detector: rolling key vs window rebuilt from the ring buffer', () => {
  // Train on one recording, watch others (calls and windows the model never saw give mismatches).
  const cases = [
    { kind: 'stide', train: 'ls-nofork.strace' },
    { kind: 'xenids', train: 'sh-pipe-f.strace' },
    { kind: 'tstide', train: 'sh-pipe-f.strace' },
  ];
  const watched = ['sh-pipe-f.strace', 'sh-killed-f.strace', 'sh-pipe-f-ttt.strace', 'ls-nofork.strace'];
  for (const { kind, train } of cases) {
    it(`${kind} trained on ${train}: identical outcome per event and per-process counts at k = 2, 6, 11, 15`, () => {
      let mismatches = 0;
      let windows = 0;
      for (const k of [2, 6, 11, 15]) {
        const { model } = trainFromFiles({ data: [join(FIX, train)], detector: kind, k, ...(kind === 'tstide' ? { params: { rareFraction: 0.01 } } : {}) });
        const form = onlineForm(model.detector);
        expect(form.rolling).toBeDefined();
        const ringOnly: WindowTest = { k: form.k, merged: form.merged, test: form.test };
        const opts = { frame: 10, minAlarmLfc: 3, resetMask: resetMask(model.alphabet, model.config.resetOn) };
        for (const file of watched) {
          const rolling = new OnlineDetector(form, opts);
          const ring = new OnlineDetector(ringOnly, opts);
          const codes: [number, number][] = [];
          const d = new EventDecoder(model.alphabet, {
            event: (pid, id) => codes.push([rolling.push(0, pid, id), ring.push(0, pid, id)]),
            exit: () => {},
          });
          d.push(readFileSync(join(FIX, file)));
          d.end();
          expect(codes.length).toBeGreaterThan(40);
          expect(codes.map((c) => c[0])).toEqual(codes.map((c) => c[1]));
          for (const s of ring.processes()) {
            const r = rolling.get(s.host, s.pid)!;
            expect([r.windows, r.mismatches, r.alarms, r.firstAlarmWindow]).toEqual([s.windows, s.mismatches, s.alarms, s.firstAlarmWindow]);
            expect(Array.from(rolling.currentWindow(r))).toEqual(Array.from(ring.currentWindow(s)));
            windows += s.windows;
            mismatches += s.mismatches;
          }
        }
      }
      // The comparison covers both outcomes.
      expect(mismatches).toBeGreaterThan(0);
      expect(mismatches).toBeLessThan(windows);
    });
  }
});
