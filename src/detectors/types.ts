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
   * Optional allocation-free form of score: writes the signal into out[0 ..] (out.length >=
   * trace.calls.length) and returns the number of windows. Callers go through eval's signalInto.
   */
  scoreInto?(trace: Trace, out: Uint8Array): number;
}

export interface Detector {
  train(traces: readonly Trace[]): Model;
}
