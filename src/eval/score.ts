// Owns the one scoring pass per (dataset, detector, k): each test trace is scored once into its
// per-window mismatch signal, which is summarised for every frame of the sweep. Thresholds, ROC points
// and tables all derive from these summaries without rescoring.
//
// The pass allocates nothing per trace or per frame beyond the results: the signal goes into one
// scratch buffer reused for every trace (signalInto), every frame's LFC statistics are updated in one
// pass over that buffer (summarizeFramesInto), and the histograms of a whole batch live in one backing
// Int32Array. Other trace scores can build on signalInto directly.

import { summarizeFramesInto, summaryInts, type FrameSummary } from './frame.js';
import { alarmRunStarts } from './syscall-metrics.js';
import { alarmStreams, exploitFrame, splitWindow, type ExploitFrame } from './exploit-metrics.js';
import type { Model } from '../detectors/types.js';
import type { Trace, TraceMeta } from '../traces/trace.js';

export interface ScoredTrace {
  meta: TraceMeta;
  length: number;
  windows: number;
  mismatches: number;
  /** One summary per frame, aligned with the frames list given to scoreTraces. */
  frames: FrameSummary[];
  /** Per frame: runStarts[v] = maximal runs of windows with LFC >= v (syscall-level CFA); when asked for. */
  runStarts?: Int32Array[];
  /** The detector's own trace measure num/den (Hofmeyr, Forrest), from the same scoring pass; when asked for. */
  measure?: { kind: 'hofmeyr' | 'forrest'; num: number; den: number } | null;
  /** The per-window signal itself; only when asked for (analysis.alarmExport). */
  signal?: Uint8Array;
  /** Traces of exploit recordings (LID-DS): per frame, the signal split at the exploit time. */
  exploit?: ExploitFrame[];
  /** Traces of time-stamped recordings without exploit: per frame, alarm streams per LFC level. */
  streams?: Int32Array[];
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

/** What a scoring pass keeps beyond the frame summaries (src/eval/trace-scores.ts, syscall-metrics.ts). */
export interface ScoreExtras {
  /** Per frame, the runs of alarming windows per LFC level (syscall-level CFA). */
  runs?: boolean;
  /** The detector's own trace measure (Hofmeyr, Forrest) from its graded signal, in the same pass. */
  measure?: boolean;
  /** Keep a copy of the per-window signal (the per-alarm export needs the alarm positions). */
  signals?: boolean;
}

function scoreInto(model: Model, trace: Trace, frames: readonly number[], store: Int32Array, at: number, sig: SignalBuffer, extras: ScoreExtras): ScoredTrace {
  const buf = sig.fit(trace.calls.length);
  let n: number;
  let measure: ScoredTrace['measure'];
  if (extras.measure && model.scoreWithMeasure) {
    const r = model.scoreWithMeasure(trace);
    buf.set(r.signal);
    n = r.signal.length;
    measure = { kind: r.measure, num: r.num, den: r.den };
  } else {
    n = signalInto(model, trace, buf);
    if (extras.measure) measure = null;
  }
  let mismatches = 0;
  for (let i = 0; i < n; i++) mismatches += buf[i]!;
  const { calls: _calls, alphabet: _alphabet, ...meta } = trace;
  const out: ScoredTrace = { meta, length: trace.calls.length, windows: n, mismatches, frames: summarizeFramesInto(buf, n, frames, store, at) };
  if (extras.runs) out.runStarts = frames.map((f) => alarmRunStarts(buf.subarray(0, n), f));
  if (measure !== undefined) out.measure = measure;
  if (extras.signals) out.signal = buf.slice(0, n);
  // Time-stamped recordings (LID-DS): the same signal, split at the exploit time or as alarm streams.
  if (trace.exploit) out.exploit = frames.map((f) => exploitFrame(buf.subarray(0, n), splitWindow(trace, trace.calls.length, n), f));
  else if (trace.exploit === null) out.streams = frames.map((f) => alarmStreams(buf.subarray(0, n), f));
  return out;
}

export function scoreTrace(model: Model, trace: Trace, frames: readonly number[], extras: ScoreExtras = {}): ScoredTrace {
  return scoreInto(model, trace, frames, new Int32Array(summaryInts(frames)), 0, shared, extras);
}

/** Scores a batch: one scan per trace, one backing array for every trace's frame summaries. */
export function scoreTraces(model: Model, traces: readonly Trace[], frames: readonly number[], extras: ScoreExtras = {}): ScoredTrace[] {
  const per = summaryInts(frames);
  const store = new Int32Array(per * traces.length);
  const out: ScoredTrace[] = new Array<ScoredTrace>(traces.length);
  for (let i = 0; i < traces.length; i++) out[i] = scoreInto(model, traces[i]!, frames, store, i * per, shared, extras);
  return out;
}

export function mismatchRate(s: Pick<ScoredTrace, 'windows' | 'mismatches'>): number | null {
  return s.windows > 0 ? s.mismatches / s.windows : null;
}
