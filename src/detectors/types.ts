// Owns the detector contract. A detector is trained on encoded traces and becomes a model; the model's
// scorer maps one test trace to a per-window mismatch signal (1 = anomalous window). Locality frames and
// threshold policies live in src/eval and never inside a detector, so one scoring pass serves every
// frame and threshold.

import type { Trace } from '../traces/trace.js';

export type DbScope = 'per-program' | 'shared';

export interface DetectorConfig {
  /** Detector kind: 'stide' or 'xenids' (the paper's online shared-database variant). */
  kind: string;
  /** Database scope for Stide; xenids is always shared. */
  scope: DbScope;
  k: number;
  /** Canonical names of calls that clear a process's buffer (xenids). */
  resetOn: string[];
}

export interface Model {
  readonly config: DetectorConfig;
  /** Distinct windows over all databases of the model. */
  readonly dbSize: number;
  /** Bytes held by the model's typed arrays. */
  readonly dbBytes: number;
  /** Per-window mismatch signal of one trace (length = number of windows the detector forms). */
  score(trace: Trace): Uint8Array;
  /**
   * Optional: the same signal plus the detector's own trace measure num/den from one pass over its
   * graded per-window values (Hamming: Hofmeyr's max d_min / k; lookahead: Forrest 1996's missing
   * pairs / maximum possible pairs). Used by the trace scores of src/eval/trace-scores.ts.
   */
  scoreWithMeasure?(trace: Trace): { signal: Uint8Array; measure: 'hofmeyr' | 'forrest'; num: number; den: number };
}

export interface Detector {
  train(traces: readonly Trace[]): Model;
}
