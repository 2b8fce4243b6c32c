// Owns packing a set of encoded traces into one SharedArrayBuffer (calls) plus plain metadata, so worker
// threads can score cells over the same data without copying it, and unpacking it on the other side.

import { Alphabet } from '../traces/alphabet.js';
import type { Trace, TraceMeta } from '../traces/trace.js';

export interface PackedTraces {
  calls: Int32Array; // view over a SharedArrayBuffer
  offsets: Int32Array; // n + 1 offsets into calls
  /** Trace metadata as one JSON string: one string clones far faster than thousands of objects. */
  metas: string;
}

export function packTraces(traces: readonly Trace[]): PackedTraces {
  let total = 0;
  for (const t of traces) total += t.calls.length;
  const calls = new Int32Array(new SharedArrayBuffer(Math.max(4, total * 4)));
  const offsets = new Int32Array(traces.length + 1);
  let o = 0;
  traces.forEach((t, i) => {
    offsets[i] = o;
    calls.set(t.calls, o);
    o += t.calls.length;
  });
  offsets[traces.length] = o;
  const metas = JSON.stringify(traces.map(({ calls: _c, alphabet: _a, ...meta }) => meta));
  return { calls, offsets, metas };
}

export function unpackTraces(p: PackedTraces, alphabet: Alphabet): Trace[] {
  return (JSON.parse(p.metas) as TraceMeta[]).map((meta, i) => ({ ...meta, calls: p.calls.subarray(p.offsets[i]!, p.offsets[i + 1]!), alphabet }));
}
