// Owns turning a detector configuration into a trained model, so experiments, `detect`, `train` and
// `bench` build detectors one way.

import { trainStide } from './stide.js';
import { trainXenids } from './xenids.js';
import type { DbScope, Model } from './types.js';
import type { Trace } from '../traces/trace.js';

export interface DetectorSpec {
  kind: 'stide' | 'xenids';
  scope: DbScope;
  resetOn: readonly string[];
}

export const DETECTOR_KINDS = ['stide', 'xenids'] as const;

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
