// Owns the detector contract. A detector is trained on encoded traces and becomes a model; the model's
// scorer maps one test trace to a per-window mismatch signal (1 = anomalous window). Locality frames and
// threshold policies live in src/eval and never inside a detector, so one scoring pass serves every
// frame and threshold. A detector kind is described by one DetectorDef (see src/detectors/registry.ts):
// its params schema, train, and optionally save/load (model files) and an online form (`watch`).

import type { z } from 'zod';
import type { Trace } from '../traces/trace.js';

export type DbScope = 'per-program' | 'shared';

export interface DetectorConfig {
  /** Detector kind, a name registered in src/detectors/registry.ts (stide, xenids, tstide, ...). */
  kind: string;
  /** Database scope: one database per program, or one shared by all programs. */
  scope: DbScope;
  k: number;
  /** Canonical names of calls that clear a process's buffer (xenids). */
  resetOn: string[];
}

export interface Model {
  readonly config: DetectorConfig;
  /** Distinct windows (or the kind's unit, e.g. pairs for lookahead) over all databases of the model. */
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
  /**
   * Optional allocation-free form of score: writes the signal into out[0 ..] (out.length >=
   * trace.calls.length) and returns the number of windows. Callers go through eval's signalInto.
   */
  scoreInto?(trace: Trace, out: Uint8Array): number;
}

/** What a detector is asked to build: kind, scope, reset calls and its (unvalidated) params. */
export interface DetectorSpec {
  kind: string;
  scope: DbScope;
  resetOn: readonly string[];
  /** Detector-specific settings, validated by the kind's zod schema (unknown keys are rejected). */
  params?: Readonly<Record<string, unknown>>;
}

/** Everything train() gets: the window length, scope, reset calls and the params after schema defaults. */
export interface TrainOptions<P> {
  k: number;
  scope: DbScope;
  resetOn: readonly string[];
  params: P;
  /**
   * Optional: called after each training trace with the distinct windows over all the model's
   * databases so far (the training-convergence curve, recorded during the model's own training).
   * Kinds whose databases hold exactly the training windows (stide, t-stide) call it; others ignore it.
   */
  observe?: (distinctWindows: number) => void;
}

/** Typed arrays a model file can hold. */
export type SavedArray = Int32Array | Float64Array | Uint8Array | Uint32Array;

/** A model's state for a model file: a JSON value plus typed arrays (stored as raw little-endian bytes). */
export interface SavedParts {
  state: unknown;
  arrays: SavedArray[];
}

/**
 * The online form of a model (`watch`): tests one window of k calls (oldest first) against the model,
 * 1 when it is anomalous. The per-process buffers, resets and locality frames live in the caller.
 */
export interface WindowTest {
  readonly k: number;
  /** Databases merged into this test (a per-program model is watched against the union of its databases). */
  readonly merged: number;
  test(window: Int32Array): number;
  /** Optional rolling form of the same test (window-set models): a per-process key updated per call. */
  readonly rolling?: RollingTest;
}

/**
 * The rolling form of a WindowTest: the caller keeps `lanes` ints of key per process, rolls every call
 * into it, and once k calls were rolled since it zeroed the key, testKey gives exactly what test gives
 * for the window of the last k calls, without building that window.
 */
export interface RollingTest {
  readonly lanes: number;
  roll(key: Int32Array, id: number): void;
  testKey(key: Int32Array): number;
}

/**
 * One detector kind. Register it with registerDetector (src/detectors/registry.ts); then `run`,
 * `detect`, `bench`, and (with save/load and online) `train` and `watch` accept it.
 */
export interface DetectorDef<P = Record<string, unknown>> {
  /** The name used in experiment files and on the command line (--detector). */
  readonly kind: string;
  /** One line for help texts. */
  readonly summary: string;
  /** zod schema of the params; must accept {} (every field optional or with a default). */
  readonly params: z.ZodType<P>;
  /** Database scopes the kind supports; the first is its default. */
  readonly scopes: readonly DbScope[];
  /** Default calls that clear a process's buffer; only kinds that define it accept `resetOn`. */
  readonly resetOn?: readonly string[];
  /** k-dependent checks: a message (e.g. "needs k >= 2") when the params or k do not fit, else undefined. */
  check?(params: P, k: number): string | undefined;
  train(traces: readonly Trace[], opts: TrainOptions<P>): Model;
  /** Model file support: the model's state as JSON + typed arrays, and back. */
  save?(model: Model): SavedParts;
  /** Rebuilds a model; throws an Error whose message says what is wrong with the parts. */
  load?(parts: SavedParts, config: DetectorConfig, params: P, alphabetSize: number): Model;
  /** Online form for `watch`. */
  online?(model: Model): WindowTest;
}

/** Identity that lets TypeScript infer P (the params type) from the zod schema of a detector definition. */
export function defineDetector<P>(def: DetectorDef<P>): DetectorDef<P> {
  return def;
}
