// Owns turning a detector configuration into a trained model, so experiments, `detect`, `train` and
// `bench` build detectors one way, and the validation of each kind's numeric params.
//
// Kinds and params:
// - stide      (scope per-program|shared)  no params
// - xenids     (always shared)             no params
// - tstide     (scope per-program|shared)  rareFraction in (0, 1), default 0.00001 (Warrender 1999)
// - lookahead  (scope per-program|shared)  no params; needs k >= 2
// - hamming    (scope per-program|shared)  minDistance integer in 1..k, default 1 (= Stide)

import { InputError } from '../errors.js';
import { trainHamming, DEFAULT_MIN_DISTANCE } from './hamming.js';
import { trainLookahead } from './lookahead.js';
import { trainStide } from './stide.js';
import { trainTstide, DEFAULT_RARE_FRACTION } from './tstide.js';
import { trainXenids } from './xenids.js';
import type { DbScope, Model } from './types.js';
import type { Trace } from '../traces/trace.js';

export const DETECTOR_KINDS = ['stide', 'xenids', 'tstide', 'lookahead', 'hamming'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

export interface DetectorSpec {
  kind: DetectorKind;
  scope: DbScope;
  resetOn: readonly string[];
  /** Detector-specific numeric settings; unknown keys are rejected by checkParams. */
  params?: Readonly<Record<string, number>>;
}

/** The params each kind accepts. */
export const DETECTOR_PARAMS: Readonly<Record<DetectorKind, readonly string[]>> = {
  stide: [],
  xenids: [],
  tstide: ['rareFraction'],
  lookahead: [],
  hamming: ['minDistance'],
};

/**
 * Validates a detector's params; throws an InputError naming the bad key. Without k, checks what does
 * not depend on k (so an experiment file can be checked when it is loaded); with k, checks everything.
 */
export function checkParams(kind: DetectorKind, params: Readonly<Record<string, number>> = {}, k?: number): void {
  const allowed = DETECTOR_PARAMS[kind];
  if (allowed === undefined) throw new InputError(`unknown detector kind ${JSON.stringify(kind)}`, { expected: DETECTOR_KINDS.join('|') });
  for (const key of Object.keys(params)) {
    if (!allowed.includes(key)) {
      throw new InputError(`detector ${kind}: unknown param ${JSON.stringify(key)}`, {
        expected: allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no params for this kind',
      });
    }
  }
  const bad = (key: string, expected: string): InputError =>
    new InputError(`detector ${kind}: bad param ${key} = ${String(params[key])}`, { expected });
  if (kind === 'tstide' && params.rareFraction !== undefined) {
    const f = params.rareFraction;
    if (!(typeof f === 'number' && f > 0 && f < 1)) throw bad('rareFraction', 'a number in (0, 1), e.g. 0.00001 for 0.001%');
  }
  if (kind === 'hamming' && params.minDistance !== undefined) {
    const c = params.minDistance;
    const max = k ?? Number.MAX_SAFE_INTEGER;
    if (!(Number.isInteger(c) && c >= 1 && c <= max)) throw bad('minDistance', k === undefined ? 'an integer >= 1 (and <= k)' : `an integer in 1..k = 1..${k}`);
  }
  if (kind === 'lookahead' && k !== undefined && k < 2) {
    throw new InputError(`detector lookahead needs k >= 2 (found k = ${k}): a window of one call has no pairs`);
  }
}

/** Label of a detector in result tables when the experiment gives none. */
export function defaultLabel(kind: DetectorKind, scope: DbScope, params: Readonly<Record<string, number>> = {}): string {
  const base = kind === 'xenids' ? 'xenids' : `${kind}/${scope}`;
  const extra = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join(',');
  return extra ? `${base}(${extra})` : base;
}

export function trainModel(spec: DetectorSpec, traces: readonly Trace[], k: number): Model {
  const params = spec.params ?? {};
  checkParams(spec.kind, params, k);
  switch (spec.kind) {
    case 'stide':
      return trainStide(traces, k, spec.scope);
    case 'xenids':
      return trainXenids(traces, k, spec.resetOn);
    case 'tstide':
      return trainTstide(traces, k, spec.scope, params.rareFraction ?? DEFAULT_RARE_FRACTION);
    case 'lookahead':
      return trainLookahead(traces, k, spec.scope);
    case 'hamming':
      return trainHamming(traces, k, spec.scope, params.minDistance ?? DEFAULT_MIN_DISTANCE);
  }
}

/** Names a detector must find in the alphabet before it is frozen (so resets work on test data). */
export function namesNeeded(spec: DetectorSpec): readonly string[] {
  return spec.kind === 'xenids' ? spec.resetOn : [];
}
