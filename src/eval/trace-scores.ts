// Owns the trace scores: one number per test trace, derived from the per-window signal of the one
// scoring pass (never from a second scan), so every score, threshold rule, ROC and table shares it.
// Higher = more anomalous everywhere. Sources:
// - maxLfc       max locality frame count over the trace (Warrender, Forrest & Pearlmutter 1999, §4.1:
//                "the number of mismatches in the last `frame` sequences"), in mismatch counts;
// - maxLfcRatio  maxLfc / frame (the paper's "anomalies ratio over the last 100 windows");
// - mismatchRate unseen windows / windows, 0 for a trace with no window (syscall-ids-benchmark's Stide
//                score: the fraction of a trace's n-grams absent from the training set);
// - streamSum    max over the trace of the sum of the last W mismatch flags, counting partial windows
//                from the first window on (LID-DS: Stide -> StreamSum(window_length=W,
//                wait_until_full=False) -> MaxScoreThreshold). That sum is exactly the LFC with frame
//                W, so a streamSum score reads the frame-W summary; W must be one of the frames;
// - hofmeyr      Ŝ_A = max over windows of d_min / k (Hofmeyr, Forrest & Somayaji 1998, §3.2), the
//                Hamming detector's own measure (needs detector hamming);
// - forrest      missing lookahead pairs over the whole trace / k'(L - (k'+1)/2), k' = k-1 lookahead
//                offsets (Forrest, Hofmeyr, Somayaji & Longstaff 1996, §3), the lookahead detector's
//                own measure (needs detector lookahead).
// The last two come from the detector's graded signal (d_min per window, missing pairs per position),
// which the detector module exposes through Model.scoreWithMeasure; the 0/1 mismatch signal is derived
// from the same pass.

import type { ScoredTrace } from './score.js';

export const TRACE_SCORE_KINDS = ['maxLfc', 'maxLfcRatio', 'mismatchRate', 'streamSum', 'hofmeyr', 'forrest'] as const;
export type TraceScoreKind = (typeof TRACE_SCORE_KINDS)[number];

export interface TraceScoreSpec {
  kind: TraceScoreKind;
  /** Frame (maxLfc, maxLfcRatio) or W (streamSum); unused by the others. */
  frame?: number;
}

/** Which detector kind provides a detector-measure score. */
export const MEASURE_DETECTOR: Readonly<Partial<Record<TraceScoreKind, string>>> = { hofmeyr: 'hamming', forrest: 'lookahead' };

export function scoreLabel(s: TraceScoreSpec): string {
  switch (s.kind) {
    case 'maxLfc':
      return `maxLFC(frame=${s.frame})`;
    case 'maxLfcRatio':
      return `maxLFC/frame(frame=${s.frame})`;
    case 'streamSum':
      return `StreamSum(W=${s.frame})`;
    case 'mismatchRate':
      return 'mismatch rate';
    case 'hofmeyr':
      return 'Hofmeyr S_A/k';
    case 'forrest':
      return 'Forrest 1996 normalised';
  }
}

/** True for scores that are a monotone function of the LFC of one frame (syscall-level metrics apply). */
export function isLfcScore(s: TraceScoreSpec): boolean {
  return s.kind === 'maxLfc' || s.kind === 'maxLfcRatio' || s.kind === 'streamSum';
}

/** Per-window LFC units per score unit: score = LFC / scale (1 for counts, frame for ratios). */
export function lfcScale(s: TraceScoreSpec): number {
  return s.kind === 'maxLfcRatio' ? s.frame! : 1;
}

// ---------------------------------------------------------------------------------------------------
// Scores over the raw signal (reference definitions; the pipeline reads the same values from summaries)

/** Max over windows of the sum of the last `w` flags, partial windows from the first window on; 0 if none. */
export function streamSumMax(signal: Uint8Array, w: number): number {
  let sum = 0;
  let max = 0;
  for (let i = 0; i < signal.length; i++) {
    sum += signal[i]!;
    if (i >= w) sum -= signal[i - w]!;
    if (sum > max) max = sum;
  }
  return max;
}

/** Unseen windows / windows; 0 for a trace with no window. */
export function mismatchRateOf(signal: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < signal.length; i++) m += signal[i]!;
  return signal.length > 0 ? m / signal.length : 0;
}

/** Hofmeyr's Ŝ_A = max d_min / k; 0 for a trace with no window. */
export function hofmeyrScore(dMin: ArrayLike<number>, k: number): number {
  let max = 0;
  for (let i = 0; i < dMin.length; i++) if (dMin[i]! > max) max = dMin[i]!;
  return max / k;
}

/**
 * Forrest 1996: missing pairs over the maximum possible number of pairs of a trace of L calls with
 * window k (k' = k-1 lookahead offsets): k'(L - (k'+1)/2) when L-1 >= k', else L(L-1)/2; 0 when L <= 1.
 */
export function forrestDenominator(L: number, k: number): number {
  if (L <= 1) return 0;
  const la = k - 1;
  if (L - 1 < la) return (L * (L - 1)) / 2;
  return la * (L - (la + 1) / 2);
}

// ---------------------------------------------------------------------------------------------------
// Scores of scored traces

/** The score of one scored trace. Detector-measure scores are null when the cell has no measure. */
export function traceScore(spec: TraceScoreSpec, s: ScoredTrace, frames: readonly number[]): number | null {
  switch (spec.kind) {
    case 'mismatchRate':
      return s.windows > 0 ? s.mismatches / s.windows : 0;
    case 'maxLfc':
    case 'streamSum':
    case 'maxLfcRatio': {
      const fi = frames.indexOf(spec.frame!);
      if (fi < 0) throw new RangeError(`score ${scoreLabel(spec)}: frame ${spec.frame} was not scored (frames: ${frames.join(', ')})`);
      const v = s.frames[fi]!.maxLfc;
      return spec.kind === 'maxLfcRatio' ? v / spec.frame! : v;
    }
    case 'hofmeyr':
    case 'forrest':
      if (s.measure === undefined || s.measure === null || s.measure.kind !== spec.kind) return null;
      return s.measure.den > 0 ? s.measure.num / s.measure.den : 0;
  }
}

/** Scores of a list of traces, or null when any is undefined (detector without that measure). */
export function traceScores(spec: TraceScoreSpec, ts: readonly ScoredTrace[], frames: readonly number[]): Float64Array | null {
  const out = new Float64Array(ts.length);
  for (let i = 0; i < ts.length; i++) {
    const v = traceScore(spec, ts[i]!, frames);
    if (v === null) return null;
    out[i] = v;
  }
  return out;
}
