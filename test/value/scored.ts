// Builds scored traces from hand-written per-window mismatch signals for the value tests: the model is
// test input (it answers with the given signal), the scoring pass and everything after it is the subject.

import { scoreTrace, type ScoredTrace } from '../../src/eval/score.js';
import type { Model } from '../../src/detectors/types.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import type { Label, Trace } from '../../src/traces/trace.js';

export interface SignalSpec {
  signal: readonly number[];
  label: Label;
  family?: string | null;
  intrusion?: string | null;
  source: string;
}

const alphabet = new Alphabet();

export function scored(s: SignalSpec, frames: readonly number[]): ScoredTrace {
  const trace: Trace = {
    dataset: 'hand',
    source: s.source,
    pid: null,
    label: s.label,
    program: 'p',
    family: s.family ?? null,
    intrusion: s.intrusion ?? null,
    calls: new Int32Array(s.signal.length),
    alphabet,
  };
  const model: Model = {
    config: { kind: 'fixed', scope: 'shared', k: 1, resetOn: [] },
    dbSize: 0,
    dbBytes: 0,
    score: () => Uint8Array.from(s.signal),
  };
  return scoreTrace(model, trace, frames);
}
