// Owns the one scoring pass per (dataset, detector, k): each test trace is scored once into its
// per-window mismatch signal, which is summarised for every frame of the sweep. Thresholds, ROC points
// and tables all derive from these summaries without rescoring.
//
// The pass allocates nothing per trace or per frame beyond the results: the signal goes into one
// scratch buffer reused for every trace (signalInto), every frame's LFC statistics are updated in one
// pass over that buffer (summarizeFramesInto), and the histograms of a whole batch live in one backing
// Int32Array. Other trace scores can build on signalInto directly.

import { summarizeFramesInto, summaryInts, type FrameSummary } from './frame.js';
import type { Model } from '../detectors/types.js';
import type { Trace, TraceMeta } from '../traces/trace.js';

export interface ScoredTrace {
  meta: TraceMeta;
  length: number;
  windows: number;
  mismatches: number;
  /** One summary per frame, aligned with the frames list given to scoreTraces. */
  frames: FrameSummary[];
}

/**
 * Writes the per-window mismatch signal of one trace into out[0 ..] and returns the number of windows.
 * out.length must be at least trace.calls.length (no detector forms more windows than calls). No
 * allocation for models with scoreInto (Stide, t-stide, xenids); others are scored and copied.
 */
export function signalInto(model: Model, trace: Trace, out: Uint8Array): number {
  if (out.length < trace.calls.length) throw new RangeError(`signal buffer holds ${out.length} windows, the trace has ${trace.calls.length} calls`);
  if (model.scoreInto !== undefined) return model.scoreInto(trace, out);
  const s = model.score(trace);
  out.set(s);
  return s.length;
}

/** A scratch signal buffer that grows to the longest trace it is asked for. */
export class SignalBuffer {
  buf: Uint8Array;
  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
  }
  /** The buffer, at least n long. */
  fit(n: number): Uint8Array {
    if (this.buf.length < n) this.buf = new Uint8Array(Math.max(n, this.buf.length * 2));
    return this.buf;
  }
}

const shared = new SignalBuffer();

function scoreInto(model: Model, trace: Trace, frames: readonly number[], store: Int32Array, at: number, sig: SignalBuffer): ScoredTrace {
  const buf = sig.fit(trace.calls.length);
  const n = signalInto(model, trace, buf);
  let mismatches = 0;
  for (let i = 0; i < n; i++) mismatches += buf[i]!;
  const { calls: _calls, alphabet: _alphabet, ...meta } = trace;
  return { meta, length: trace.calls.length, windows: n, mismatches, frames: summarizeFramesInto(buf, n, frames, store, at) };
}

export function scoreTrace(model: Model, trace: Trace, frames: readonly number[]): ScoredTrace {
  return scoreInto(model, trace, frames, new Int32Array(summaryInts(frames)), 0, shared);
}

/** Scores a batch: one scan per trace, one backing array for every trace's frame summaries. */
export function scoreTraces(model: Model, traces: readonly Trace[], frames: readonly number[]): ScoredTrace[] {
  const per = summaryInts(frames);
  const store = new Int32Array(per * traces.length);
  const out: ScoredTrace[] = new Array<ScoredTrace>(traces.length);
  for (let i = 0; i < traces.length; i++) out[i] = scoreInto(model, traces[i]!, frames, store, i * per, shared);
  return out;
}

export function mismatchRate(s: Pick<ScoredTrace, 'windows' | 'mismatches'>): number | null {
  return s.windows > 0 ? s.mismatches / s.windows : null;
}
