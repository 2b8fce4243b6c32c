// Owns the one scoring pass per (dataset, detector, k): each test trace is scored once into its
// per-window mismatch signal, which is summarised for every frame of the sweep. Thresholds, ROC points
// and tables all derive from these summaries without rescoring.

import { summarizeFrame, type FrameSummary } from './frame.js';
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
  /** Traces of exploit recordings (LID-DS): per frame, the signal split at the exploit time. */
  exploit?: ExploitFrame[];
  /** Traces of time-stamped recordings without exploit: per frame, alarm streams per LFC level. */
  streams?: Int32Array[];
}

export function scoreTrace(model: Model, trace: Trace, frames: readonly number[]): ScoredTrace {
  const signal = model.score(trace);
  let mismatches = 0;
  for (let i = 0; i < signal.length; i++) mismatches += signal[i]!;
  const { calls: _calls, alphabet: _alphabet, ...meta } = trace;
  return {
    meta,
    length: trace.calls.length,
    windows: signal.length,
    mismatches,
    frames: frames.map((f) => summarizeFrame(signal, f)),
    ...(trace.exploit ? { exploit: frames.map((f) => exploitFrame(signal, splitWindow(trace, trace.calls.length, signal.length), f)) } : {}),
    ...(trace.exploit === null ? { streams: frames.map((f) => alarmStreams(signal, f)) } : {}),
  };
}

export function scoreTraces(model: Model, traces: readonly Trace[], frames: readonly number[]): ScoredTrace[] {
  return traces.map((t) => scoreTrace(model, t, frames));
}

export function mismatchRate(s: Pick<ScoredTrace, 'windows' | 'mismatches'>): number | null {
  return s.windows > 0 ? s.mismatches / s.windows : null;
}
