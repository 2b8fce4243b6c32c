// Owns the shared fuzzing harness: seeded inputs from fast-check arbitraries (fc.sample, so every input
// is run and counted, not just the first failure), each run classified as a valid result, a located
// project error (InputError on one line), a crash (any other exception), a hang (longer than the bound)
// or garbage (a result the surface's oracle refuses). Crashing inputs are written to test/fuzz/found/
// to become regression fixtures under test/fuzz/regressions/. FUZZ_RUNS (default: a few thousand per
// run of `npm test` in total) and FUZZ_SEED set the budget and the seed; `npm run fuzz` uses 10,000.

import { mkdirSync, readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { InputError } from '../../src/errors.js';

export const HERE = dirname(fileURLToPath(import.meta.url));
export const SEED = Number(process.env['FUZZ_SEED'] ?? 14);
/** Cases per surface: FUZZ_RUNS, else the surface's default for `npm test`. */
export function runsFor(defaultRuns: number): number {
  const v = Number(process.env['FUZZ_RUNS']);
  return Number.isInteger(v) && v > 0 ? v : defaultRuns;
}
/** A case taking longer than this is a hang (the inputs are small). */
export const CASE_MS = 3000;

export interface FuzzStats {
  surface: string;
  inputs: number;
  valid: number;
  located: number;
  crashes: number;
  hangs: number;
  garbage: number;
  slowestMs: number;
  firstProblem: string | null;
}

/** What a run returned: a valid result, or a reason the oracle refuses it (garbage accepted). */
export type Verdict = null | string;

function located(e: InputError): boolean {
  return !e.message.includes('\n') && e.message.length > 0 && e.message.length < 2000;
}

export function toBytes(x: unknown): Buffer {
  if (Buffer.isBuffer(x)) return x;
  if (x instanceof Uint8Array) return Buffer.from(x);
  return Buffer.from(JSON.stringify(x, (_k, v) => (v instanceof Uint8Array ? { bytes: Buffer.from(v).toString('base64') } : v)));
}

/**
 * Runs `run` on every input and classifies the outcome. `run` returns a Verdict (null = valid) or
 * throws; an InputError is a located error, anything else a crash.
 */
export async function fuzz<T>(surface: string, inputs: readonly T[], run: (x: T) => Verdict | Promise<Verdict>, save: (x: T) => Buffer = toBytes): Promise<FuzzStats> {
  const st: FuzzStats = { surface, inputs: inputs.length, valid: 0, located: 0, crashes: 0, hangs: 0, garbage: 0, slowestMs: 0, firstProblem: null };
  const problem = (kind: string, x: T, why: string): void => {
    if (st.firstProblem === null) st.firstProblem = `${kind}: ${why.slice(0, 300)}`;
    const dir = join(HERE, 'found', surface);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, `${kind}-${st.crashes + st.hangs + st.garbage}.bin`), save(x));
  };
  for (const x of inputs) {
    const t0 = performance.now();
    let verdict: Verdict = null;
    let err: unknown;
    try {
      verdict = await run(x);
    } catch (e) {
      err = e;
    }
    const ms = performance.now() - t0;
    st.slowestMs = Math.max(st.slowestMs, ms);
    if (ms > CASE_MS) {
      st.hangs++;
      problem('hang', x, `${ms.toFixed(0)} ms`);
      continue;
    }
    if (err !== undefined) {
      if (err instanceof InputError && located(err)) st.located++;
      else {
        st.crashes++;
        problem('crash', x, err instanceof Error ? `${err.name}: ${err.message}\n${err.stack ?? ''}` : String(err));
      }
      continue;
    }
    if (verdict !== null) {
      st.garbage++;
      problem('garbage', x, verdict);
      continue;
    }
    st.valid++;
  }
  report(st);
  return st;
}

const SUMMARY = join(HERE, 'found', 'summary.jsonl');

function report(st: FuzzStats): void {
  const line =
    `fuzz ${st.surface}: ${st.inputs} inputs (seed ${SEED}): ${st.valid} valid, ${st.located} located errors, ` +
    `${st.crashes} crashes, ${st.hangs} hangs, ${st.garbage} garbage; slowest ${st.slowestMs.toFixed(1)} ms` +
    (st.firstProblem ? `; first problem: ${st.firstProblem.split('\n')[0]}` : '');
  process.stdout.write(line + '\n');
  if (process.env['FUZZ_SUMMARY']) {
    mkdirSync(dirname(SUMMARY), { recursive: true });
    writeFileSync(SUMMARY, JSON.stringify(st) + '\n', { flag: 'a' });
  }
}

/** Seeded inputs of an arbitrary. */
export function sample<T>(arb: fc.Arbitrary<T>, runs: number, salt: number): T[] {
  return fc.sample(arb, { seed: SEED * 1000 + salt, numRuns: runs });
}

/** The files of test/fuzz/regressions/<surface>/ (inputs that once crashed, hung or were accepted). */
export function regressions(surface: string): { name: string; bytes: Buffer }[] {
  const dir = join(HERE, 'regressions', surface);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

/** Byte-level mutations of a seed: replace, insert or delete spans, splice in interesting tokens. */
export function mutated(seeds: readonly Buffer[], tokens: readonly string[]): fc.Arbitrary<Buffer> {
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
    fc.record({ kind: fc.constant('token' as const), at: fc.nat(), token: fc.constantFrom(...tokens) }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
    fc.record({ kind: fc.constant('dup' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 80 }) }),
  );
  return fc.tuple(fc.nat({ max: seeds.length - 1 }), fc.array(edit, { minLength: 1, maxLength: 8 })).map(([i, edits]) => {
    let b = Buffer.from(seeds[i]!);
    for (const e of edits) {
      const at = b.length === 0 ? 0 : e.at % (b.length + 1);
      if (e.kind === 'flip' && b.length > 0) b[at % b.length] = e.byte;
      else if (e.kind === 'token') b = Buffer.concat([b.subarray(0, at), Buffer.from(e.token, 'latin1'), b.subarray(at)]);
      else if (e.kind === 'cut') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.len)]);
      else if (e.kind === 'dup') b = Buffer.concat([b.subarray(0, at + e.len), b.subarray(at)]);
    }
    return b;
  });
}
