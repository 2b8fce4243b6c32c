// Owns the one vocabulary of a run: every raw trace of a run (training and test alike) must be in one
// numbering that names its calls, so traces read with different tables meet by canonical name; a mix of
// named and unnamed raw numbers (a UNM file read without its calls.txt next to files read with it) stops
// the run naming one file of each. Then one dense alphabet: training traces first, then every name a
// selected detector needs (exec/vfork resets), then frozen, so every later call unseen in training
// encodes to the one '<unknown>' id, and test traces are encoded into it; every trace's ids then go into
// the narrowest typed array the final alphabet allows (Uint8Array up to 256 ids).

import { InputError } from '../errors.js';
import { namesNeeded } from '../detectors/registry.js';
import type { DetectorSpec } from '../detectors/types.js';
import { Alphabet, UNKNOWN } from '../traces/alphabet.js';
import { ArraySyscallTable } from '../traces/syscalls/array-table.js';
import { narrowCalls, type RawTrace, type SyscallTable, type Trace } from '../traces/trace.js';

/** A table that names no number: every call is `<id>#<n>` (UNM lines read without a calls.txt). */
export function isUnnamedTable(t: SyscallTable): boolean {
  return t instanceof ArraySyscallTable && t.size === 0;
}

/**
 * Stops (InputError naming one file of each kind) when some traces are raw numbers without names and
 * others are named: their calls would never meet, and every window would silently look foreign.
 */
export function checkVocabulary(traces: Iterable<Pick<RawTrace, 'table' | 'source'>>): void {
  let named: { source: string; table: string } | undefined;
  let unnamed: { source: string; table: string } | undefined;
  for (const t of traces) {
    if (isUnnamedTable(t.table)) unnamed ??= { source: t.source, table: t.table.id };
    else named ??= { source: t.source, table: t.table.id };
    if (named !== undefined && unnamed !== undefined) {
      throw new InputError(
        `two syscall vocabularies in one run: ${named.source} is read with names (table ${named.table}), ` +
          `${unnamed.source} as raw ${unnamed.table} numbers (no calls.txt beside it or one folder up)`,
        { expected: 'every file in one numbering: give the table (--syscalls/--table FILE or linux-i386|linux-x86_64, or syscalls: in the experiment)' },
      );
    }
  }
}

export interface EncodedSets<S extends string> {
  alphabet: Alphabet;
  /** Each input set encoded, same keys, same order. */
  sets: Record<S, Trace[]>;
  /** Traces (outside `train`) holding calls absent from training, and those calls. */
  foreign: { traces: number; calls: number };
}

/**
 * Encodes sets of raw traces in one frozen alphabet: `train` first, then the names every spec needs,
 * freeze, then the other sets in the order given.
 */
export function encodeSets<S extends string>(sets: Record<'train', readonly RawTrace[]> & Record<S, readonly RawTrace[]>, specs: readonly Pick<DetectorSpec, 'resetOn'>[]): EncodedSets<S | 'train'> {
  const all: RawTrace[] = [];
  for (const ts of Object.values(sets) as (readonly RawTrace[])[]) for (const t of ts) all.push(t);
  checkVocabulary(all);
  const alphabet = new Alphabet();
  const out = {} as Record<S | 'train', Trace[]>;
  out.train = sets.train.map((t) => alphabet.encode(t));
  for (const s of specs) for (const n of namesNeeded(s)) alphabet.intern(n);
  alphabet.freeze();
  const unknown = alphabet.idOf(UNKNOWN)!;
  const foreign = { traces: 0, calls: 0 };
  for (const key of Object.keys(sets) as (S | 'train')[]) {
    if (key === 'train') continue;
    out[key] = sets[key].map((t) => {
      const e = alphabet.encode(t);
      let n = 0;
      for (let i = 0; i < e.calls.length; i++) if (e.calls[i] === unknown) n++;
      if (n > 0) {
        foreign.traces++;
        foreign.calls += n;
      }
      return e;
    });
  }
  // The alphabet is final: hold every trace's ids in the narrowest array it allows (1 byte per call up
  // to 256 ids): a quarter of the memory, and less to stream through the cache when scoring.
  for (const key of Object.keys(out) as (S | 'train')[]) out[key] = out[key].map((t) => ({ ...t, calls: narrowCalls(t.calls, alphabet.size) }));
  return { alphabet, sets: out, foreign };
}
