// Owns the one scoring pass per (dataset, detector, k): each test trace is scored once into its
// per-window mismatch signal, which is summarised for every frame of the sweep. Thresholds, ROC points
// and tables all derive from these summaries without rescoring.

import { summarizeFrame, type FrameSummary } from './frame.js';
import { alarmRunStarts } from './syscall-metrics.js';
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
}

/** What a scoring pass keeps beyond the frame summaries (src/eval/trace-scores.ts, syscall-metrics.ts). */
export interface ScoreExtras {
  runs?: boolean;
  measure?: boolean;
}

export function scoreTrace(model: Model, trace: Trace, frames: readonly number[], extras: ScoreExtras = {}): ScoredTrace {
  let signal: Uint8Array;
  let measure: ScoredTrace['measure'];
  if (extras.measure && model.scoreWithMeasure) {
    const r = model.scoreWithMeasure(trace);
    signal = r.signal;
    measure = { kind: r.measure, num: r.num, den: r.den };
  } else {
    signal = model.score(trace);
    if (extras.measure) measure = null;
  }
  let mismatches = 0;
  for (let i = 0; i < signal.length; i++) mismatches += signal[i]!;
  const { calls: _calls, alphabet: _alphabet, ...meta } = trace;
  return {
    meta,
    length: trace.calls.length,
    windows: signal.length,
    mismatches,
    frames: frames.map((f) => summarizeFrame(signal, f)),
    ...(extras.runs ? { runStarts: frames.map((f) => alarmRunStarts(signal, f)) } : {}),
    ...(measure !== undefined ? { measure } : {}),
  };
}

export function scoreTraces(model: Model, traces: readonly Trace[], frames: readonly number[], extras: ScoreExtras = {}): ScoredTrace[] {
  return traces.map((t) => scoreTrace(model, t, frames, extras));
}

export function mismatchRate(s: Pick<ScoredTrace, 'windows' | 'mismatches'>): number | null {
  return s.windows > 0 ? s.mismatches / s.windows : null;
}
