// Owns turning a detector configuration into a trained model, so experiments, `detect`, `train` and
// `bench` build detectors one way.

import { trainStide } from './stide.js';
import { trainXenids } from './xenids.js';
import type { DbScope, Model } from './types.js';
import type { Trace } from '../traces/trace.js';

export const DETECTOR_KINDS = ['stide', 'xenids'] as const;
export type DetectorKind = (typeof DETECTOR_KINDS)[number];

export interface DetectorSpec {
  kind: DetectorKind;
  scope: DbScope;
  resetOn: readonly string[];
  /** Detector-specific numeric settings; unknown keys are rejected by checkParams. */
  params?: Readonly<Record<string, number>>;
}

/** Label of a detector in result tables when the experiment gives none. */
export function defaultLabel(kind: DetectorKind, scope: DbScope, params: Readonly<Record<string, number>> = {}): string {
  const base = kind === 'xenids' ? 'xenids' : `${kind}/${scope}`;
  const extra = Object.keys(params).sort().map((k) => `${k}=${params[k]}`).join(',');
  return extra ? `${base}(${extra})` : base;
}

export function trainModel(spec: DetectorSpec, traces: readonly Trace[], k: number): Model {
  switch (spec.kind) {
    case 'stide':
      return trainStide(traces, k, spec.scope);
    case 'xenids':
      return trainXenids(traces, k, spec.resetOn);
  }
}

/** Names a detector must find in the alphabet before it is frozen (so resets work on test data). */
export function namesNeeded(spec: DetectorSpec): readonly string[] {
  return spec.kind === 'xenids' ? spec.resetOn : [];
}
