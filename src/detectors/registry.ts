// Owns the open detector registry: the one place that knows which detector kinds exist. A detector is
// one module exporting a DetectorDef (src/detectors/types.ts): its kind, a zod schema of its params with
// defaults, train, and optionally save/load (model files) and an online form (`watch`). Built-in kinds
// are registered below; a library user adds one with registerDetector(def). Experiments, `detect`,
// `bench`, `train` and `watch` build, check, save and stream detectors only through these functions;
// nothing else switches on detector kinds.
//
// Built-in kinds (scope per-program|shared unless noted):
// - stide      no params
// - xenids     (always shared; resetOn, default execve, execveat, vfork) no params
// - tstide     rareFraction in (0, 1), default 0.00001 (Warrender 1999)
// - lookahead  no params; needs k >= 2
// - hamming    minDistance integer in 1..k, default 1 (= Stide)

import { InputError } from '../errors.js';
import { hammingDetector } from './hamming.js';
import { lookaheadDetector } from './lookahead.js';
import { stideDetector } from './stide.js';
import { tstideDetector } from './tstide.js';
import { xenidsDetector } from './xenids.js';
import type { DbScope, DetectorConfig, DetectorDef, DetectorSpec, Model, SavedParts, WindowTest } from './types.js';
import type { Trace } from '../traces/trace.js';

export { defineDetector } from './types.js';
export type { DbScope, DetectorConfig, DetectorDef, DetectorSpec, Model, SavedParts, TrainOptions, WindowTest } from './types.js';
export type { Trace } from '../traces/trace.js';
/** A registered detector kind's name. */
export type DetectorKind = string;

// Detector definitions are generic in their params; the registry holds them type-erased.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDef = DetectorDef<any>;

const defs = new Map<string, AnyDef>();

/** Adds a detector kind (an InputError if the kind is taken or its params schema rejects {}). */
export function registerDetector<P>(def: DetectorDef<P>): void {
  if (!/^[a-z][a-z0-9_-]*$/.test(def.kind)) throw new InputError(`bad detector kind ${JSON.stringify(def.kind)}`, { expected: 'lower-case letters, digits, - and _' });
  if (defs.has(def.kind)) throw new InputError(`detector kind ${def.kind} is already registered`);
  if (def.scopes.length === 0) throw new InputError(`detector ${def.kind} lists no database scope`);
  if (!def.params.safeParse({}).success) throw new InputError(`detector ${def.kind}: its params schema must accept {} (give every param a default)`);
  defs.set(def.kind, def as AnyDef);
}

for (const d of [stideDetector, xenidsDetector, tstideDetector, lookaheadDetector, hammingDetector] as AnyDef[]) registerDetector(d);

/** The built-in kinds (a snapshot taken at load; detectorKinds() also lists kinds registered later). */
export const DETECTOR_KINDS: readonly string[] = Object.freeze([...defs.keys()]);

/** The params each built-in kind accepts (from its schema). */
export const DETECTOR_PARAMS: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.fromEntries([...defs.values()].map((d) => [d.kind, Object.keys((d.params as { shape?: Record<string, unknown> }).shape ?? {})])),
);

/** Registered kinds in registration order (built-ins first). */
export function detectorKinds(): string[] {
  return [...defs.keys()];
}

export function hasDetector(kind: string): boolean {
  return defs.has(kind);
}

/** The definition of a kind; an InputError listing the registered kinds when there is none. */
export function getDetector(kind: string): AnyDef {
  const d = defs.get(kind);
  if (d === undefined) throw new InputError(`unknown detector kind ${JSON.stringify(kind)}`, { expected: detectorKinds().join('|') });
  return d;
}

/** Kinds that can be saved to a model file and watched online (`train` / `watch`). */
export function onlineKinds(): string[] {
  return [...defs.values()].filter((d) => d.save !== undefined && d.load !== undefined && d.online !== undefined).map((d) => d.kind);
}

/** The params after the kind's schema (defaults filled in); an InputError naming the bad param. */
export function parseParams(kind: string, params: Readonly<Record<string, unknown>> = {}): Record<string, unknown> {
  const def = getDetector(kind);
  const r = def.params.safeParse(params);
  if (r.success) return r.data as Record<string, unknown>;
  const issue = r.error.issues[0]!;
  const key = issue.path.map(String).join('.');
  if (issue.code === 'unrecognized_keys') {
    const allowed = Object.keys((def.params as { shape?: Record<string, unknown> }).shape ?? {});
    throw new InputError(`detector ${kind}: unknown param ${JSON.stringify(issue.keys[0])}`, {
      expected: allowed.length > 0 ? `one of ${allowed.join(', ')}` : 'no params for this kind',
    });
  }
  throw new InputError(`detector ${kind}: bad param ${key} = ${JSON.stringify(params[key])}`, { expected: issue.message });
}

/**
 * A complete spec from what a user wrote: the kind's default scope and reset calls where none is given;
 * an InputError when the kind is unknown, the scope or resetOn does not apply, or a param is bad.
 */
export function resolveSpec(input: { kind: string; scope?: DbScope; resetOn?: readonly string[]; params?: Readonly<Record<string, unknown>> }): DetectorSpec {
  const def = getDetector(input.kind);
  const scope = input.scope ?? def.scopes[0]!;
  if (!def.scopes.includes(scope)) {
    throw new InputError(`detector ${def.kind} does not support scope ${scope}`, { expected: `scope ${def.scopes.join(' or ')}` });
  }
  if (input.resetOn !== undefined && def.resetOn === undefined) {
    throw new InputError(`detector ${def.kind} does not clear buffers, so it takes no resetOn`, { expected: 'resetOn only for kinds that reset (xenids)' });
  }
  parseParams(def.kind, input.params);
  return { kind: def.kind, scope, resetOn: [...(input.resetOn ?? def.resetOn ?? [])], params: { ...(input.params ?? {}) } };
}

/**
 * Validates a spec's params; without k checks what does not depend on k (an experiment file can be
 * checked when it is loaded); with k checks everything.
 */
export function checkParams(kind: string, params: Readonly<Record<string, unknown>> = {}, k?: number): void {
  const parsed = parseParams(kind, params);
  if (k === undefined) return;
  const msg = getDetector(kind).check?.(parsed, k);
  if (msg !== undefined) throw new InputError(msg);
}

/** Label of a detector in result tables when the experiment gives none: kind/scope(params as given). */
export function defaultLabel(kind: string, scope: DbScope, params: Readonly<Record<string, unknown>> = {}): string {
  const def = defs.get(kind);
  const base = def !== undefined && def.scopes.length === 1 ? kind : `${kind}/${scope}`;
  const extra = Object.keys(params).sort().map((k) => `${k}=${String(params[k])}`).join(',');
  return extra ? `${base}(${extra})` : base;
}

export function trainModel(spec: DetectorSpec, traces: readonly Trace[], k: number, observe?: (distinctWindows: number) => void): Model {
  const def = getDetector(spec.kind);
  const params = parseParams(spec.kind, spec.params);
  const msg = def.check?.(params, k);
  if (msg !== undefined) throw new InputError(msg);
  return def.train(traces, { k, scope: spec.scope, resetOn: spec.resetOn, params, ...(observe ? { observe } : {}) });
}

/** Names a detector must find in the alphabet before it is frozen (so resets work on test data). */
export function namesNeeded(spec: Pick<DetectorSpec, 'resetOn'>): readonly string[] {
  return spec.resetOn;
}

/** A model's state for a model file; an InputError when the kind cannot be saved. */
export function saveDetector(model: Model): SavedParts {
  const def = getDetector(model.config.kind);
  if (def.save === undefined || def.load === undefined) {
    throw new InputError(`detector ${def.kind} cannot be saved to a model file`, { expected: `one of ${onlineKinds().join('|')}` });
  }
  return def.save(model);
}

/** Rebuilds a model from a model file's parts; throws an Error (message says what is wrong). */
export function loadDetector(parts: SavedParts, config: DetectorConfig, params: Readonly<Record<string, unknown>>, alphabetSize: number): Model {
  const def = getDetector(config.kind);
  if (def.load === undefined) throw new Error(`detector ${def.kind} cannot be loaded from a model file`);
  return def.load(parts, config, parseParams(def.kind, params), alphabetSize);
}

/** The online form of a model (`watch`); an InputError when the kind has none. */
export function onlineForm(model: Model): WindowTest {
  const def = getDetector(model.config.kind);
  if (def.online === undefined) throw new InputError(`detector ${def.kind} has no online form`, { expected: `one of ${onlineKinds().join('|')}` });
  return def.online(model);
}

/** --param NAME=VALUE (repeatable): detector params; numbers, true/false, else strings. */
export function parseParamOptions(items: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const item of items) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(item);
    if (m === null) throw new InputError('bad --param', { text: item, expected: 'NAME=VALUE, e.g. --param minDistance=2' });
    const v = m[2]!;
    out[m[1]!] = v !== '' && Number.isFinite(Number(v)) ? Number(v) : v === 'true' ? true : v === 'false' ? false : v;
  }
  return out;
}
