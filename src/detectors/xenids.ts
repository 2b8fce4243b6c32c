// Owns the paper's online variant of Stide ("XenIds", Maiero & Miculan 2011): one database shared by all
// programs; an interleaved stream of (host, pid, syscall) events; a k-buffer and a locality frame per
// (host, pid); the buffer cleared on exec/vfork. The reset rule: a reset call clears the buffer and then
// starts the new buffer (the new program image begins with the exec). The batch scorer gives the same
// per-process windows as the online detector (src/live/online.ts), so experiments and live monitoring
// agree by construction.

import { z } from 'zod';
import { InputError } from '../errors.js';
import { WindowSet } from './window-set.js';
import { loadWindowSets, saveWindowSets } from './scope.js';
import { windowSetTest } from './stide.js';
import { defineDetector, type DetectorConfig, type Model } from './types.js';
import type { Alphabet } from '../traces/alphabet.js';
import type { CallArray, Trace } from '../traces/trace.js';

/**
 * Calls that reset a process's buffer: Linux execve / execveat / vfork, and SunOS 4's execv (its old exec
 * entry point, in UNM calls.txt.sun; SunOS execve and vfork are spelled as on Linux).
 */
export const DEFAULT_RESET_ON = ['execve', 'execveat', 'vfork', 'execv'] as const;

/** Parses a `--reset-on` value: comma-separated syscall names (canonical names, as in the alphabet). */
export function parseResetOn(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (names.length === 0) throw new InputError('--reset-on names no call', { text: value, expected: 'comma-separated syscall names, e.g. execve,execveat,vfork,execv' });
  for (const n of names) {
    if (!/^[A-Za-z_][A-Za-z0-9_#]*$/.test(n)) throw new InputError(`--reset-on: bad syscall name`, { text: n, expected: 'comma-separated syscall names, e.g. execve,execveat,vfork,execv' });
  }
  return [...new Set(names)];
}

/** Marks, per dense id, whether the call resets a process's buffer. */
export function resetMask(alphabet: Alphabet, names: readonly string[]): Uint8Array {
  const mask = new Uint8Array(alphabet.size + 1);
  for (const n of names) {
    const id = alphabet.idOf(n);
    if (id !== undefined) mask[id] = 1;
  }
  return mask;
}

function isReset(mask: Uint8Array, id: number): boolean {
  return id < mask.length && mask[id] === 1;
}

/** Calls [start, end) segments of a trace between resets. */
function forEachSegment(calls: CallArray, mask: Uint8Array, fn: (seg: CallArray) => void): void {
  let start = 0;
  for (let i = 1; i < calls.length; i++) {
    if (isReset(mask, calls[i]!)) {
      fn(calls.subarray(start, i));
      start = i;
    }
  }
  if (calls.length > 0) fn(calls.subarray(start));
}

export class XenidsModel implements Model {
  readonly config: DetectorConfig;
  readonly db: WindowSet;

  constructor(config: DetectorConfig, db: WindowSet) {
    this.config = config;
    this.db = db;
  }

  get dbSize(): number {
    return this.db.size;
  }

  get dbBytes(): number {
    return this.db.bytes;
  }

  score(trace: Trace): Uint8Array {
    const mask = resetMask(trace.alphabet, this.config.resetOn);
    const parts: Uint8Array[] = [];
    let total = 0;
    forEachSegment(trace.calls, mask, (seg) => {
      const s = this.db.mismatches(seg);
      parts.push(s);
      total += s.length;
    });
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  /** Reset masks by alphabet (a test set shares one alphabet, so this is computed once, not per trace). */
  private masks = new WeakMap<Alphabet, Uint8Array>();

  scoreInto(trace: Trace, out: Uint8Array): number {
    let mask = this.masks.get(trace.alphabet);
    if (mask === undefined) this.masks.set(trace.alphabet, (mask = resetMask(trace.alphabet, this.config.resetOn)));
    const calls = trace.calls;
    const db = this.db;
    let o = 0;
    let start = 0;
    for (let i = 1; i < calls.length; i++) {
      if (isReset(mask, calls[i]!)) {
        o += db.signalInto(calls, start, i, out, o);
        start = i;
      }
    }
    if (calls.length > 0) o += db.signalInto(calls, start, calls.length, out, o);
    return o;
  }
}

export function trainXenids(traces: readonly Trace[], k: number, resetOn: readonly string[] = DEFAULT_RESET_ON): XenidsModel {
  const db = new WindowSet(k);
  for (const t of traces) {
    const mask = resetMask(t.alphabet, resetOn);
    forEachSegment(t.calls, mask, (seg) => db.addTrace(seg));
  }
  return new XenidsModel({ kind: 'xenids', scope: 'shared', k, resetOn: [...resetOn] }, db);
}

export const xenidsDetector = defineDetector({
  kind: 'xenids',
  summary: "the paper's online Stide: one shared database, buffer cleared on exec/vfork (resetOn)",
  params: z.object({}).strict(),
  scopes: ['shared'],
  resetOn: DEFAULT_RESET_ON,
  train: (traces, o) => trainXenids(traces, o.k, o.resetOn),
  save: (m) => saveWindowSets(new Map([['*', (m as XenidsModel).db]])),
  load: (parts, config, _params, size) => {
    const db = loadWindowSets(parts, config.k, size).get('*');
    if (db === undefined) throw new Error('a xenids model holds one database named "*"');
    return new XenidsModel(config, db);
  },
  online: (m) => windowSetTest(m.config.k, new Map([['*', (m as XenidsModel).db]])),
});
