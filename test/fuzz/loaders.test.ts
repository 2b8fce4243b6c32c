// Fuzzes the experiment loader (YAML -> schema), the manifest loader (JSON -> schema, with a timing
// check of every accepted regex, compiled as the loader compiles it, on adversarial paths) and the model loader (bytes -> model; mutated
// with and without a recomputed checksum, and every model that loads is then watched on random events).
// Each input must give a located InputError or a valid result within the bound, never another exception.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';

// 10,000 inputs per surface (npm run fuzz) take minutes on a loaded machine; the per-case bound is CASE_MS.
vi.setConfig({ testTimeout: 1_800_000 });
import YAML from 'yaml';
import { parseManifest } from '../../src/datasets/manifest.js';
import { countThreshold } from '../../src/eval/threshold.js';
import { parseExperiment } from '../../src/experiments/loader.js';
import { MAX_CELLS, MAX_FRAME, MAX_K, MAX_POINTS } from '../../src/experiments/schema.js';
import { decodeModel, encodeModel, trainFromFiles, type SavedModel } from '../../src/live/model-file.js';
import { Watcher } from '../../src/live/watch.js';
import { compileRegex } from '../../src/safe-regex.js';
import { fuzz, mutated, regressions, runsFor, sample, type Verdict } from './harness.js';

const ROOT = join(import.meta.dirname, '..', '..');
const RUNS = runsFor(1000);

// ---------------------------------------------------------------------------------------------------
// Experiments

const EXP_SEEDS = ['quickstart.yaml', 'warrender-unm.yaml', 'adfa-window-sweep.yaml'].map((f) => readFileSync(join(ROOT, 'experiments', f)));
const YAML_TOKENS = [
  '0x6', '0o7', '-3', '0', '1e400', '.inf', '.nan', '99999999999999999999', '{from: 1, to: 64, step: 0.0000001}', '{from: -3, to: 6}',
  '{from: 1, to: 1000000000}', '[]', '{}', '~', '&a [1,2]', '*a', '!!binary aGk=', '"', "'", ':', '- ', '\n', '  ', '\t', '#', '%YAML 1.2\n---\n',
  'name: ..', 'k: 99999', 'frames: [0]', 'count: [100000]', 'ratio: [1.5]', 'pattern: "(a+)+$"', '<<: *a',
];
const ALIAS_BOMB = 'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n';

function experimentCheck(text: string): Verdict {
  const e = parseExperiment(text, '/fuzz/exp.yaml');
  for (const k of e.k) if (!Number.isInteger(k) || k < 1 || k > MAX_K) return `k ${k} accepted`;
  for (const f of e.frames) if (!Number.isInteger(f) || f < 1 || f > MAX_FRAME) return `frame ${f} accepted`;
  const maxFrame = Math.max(...e.frames);
  for (const t of e.thresholds.count ?? []) if (!Number.isInteger(t) || t < 1 || t > maxFrame) return `count threshold ${t} accepted`;
  for (const r of e.thresholds.ratio ?? []) if (!(r >= 0 && r < 1)) return `ratio ${r} accepted`;
  const cells = e.datasets.length * e.detectors.length * e.k.length;
  const points = cells * e.frames.length * ((e.thresholds.count ?? []).length + (e.thresholds.ratio ?? []).length);
  if (cells > MAX_CELLS || points > MAX_POINTS) return `plan of ${cells} cells / ${points} points accepted`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(e.name)) return `name ${JSON.stringify(e.name)} accepted`;
  return null;
}

const experimentInput: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: mutated(EXP_SEEDS, YAML_TOKENS).map((b) => b.toString('utf8')) },
  {
    weight: 2,
    arbitrary: fc.record({ k: fc.jsonValue(), frames: fc.jsonValue(), thresholds: fc.jsonValue() }).map((o) =>
      YAML.stringify({ name: 'f', datasets: [{ name: 'sample' }], detectors: [{ kind: 'stide' }], ...o }),
    ),
  },
  { weight: 1, arbitrary: fc.constant(ALIAS_BOMB) },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
);

// ---------------------------------------------------------------------------------------------------
// Manifests

const MANIFEST_SEEDS = ['sample', 'adfa-ld', 'lpr-mit'].map((d) => {
  const m = JSON.parse(readFileSync(join(ROOT, 'datasets', d, 'manifest.json'), 'utf8')) as { files: Record<string, string> };
  m.files = Object.fromEntries(Object.entries(m.files).slice(0, 20)); // keep the seeds small
  return Buffer.from(JSON.stringify(m, null, 1));
});
const REGEX_PIECES = ['a', '.', '*', '+', '?', '{2,}', '(', ')', '|', '[a-z]', '\\d', '\\1', '(?:', '^', '$', '/', '.+', '\\w+', '(a+)+', '(a|a)*', '(?=', '(?!', '(?<=', '(?<n>', '\\k<n>', '\\a', '\\z', '[^/]+', '{1000}'];
const JSON_TOKENS = ['"', ',', '{', '}', '[', ']', 'null', 'true', '-1', '1e999', '"(a+)+$"', '"../x"', '"/etc"', '"\\u0000"', '"a\\\\b"', '"label": "attack"'];
// Long dataset paths (4 KiB; real relative paths are far shorter). The rules run on a linear-time engine,
// so patterns that backtrack polynomially or exponentially in V8 (`.+\w+\w+$` took 185 s on 1 KiB) stay
// far under the bound; the regression fixtures hold the ones found.
const ADVERSARIAL = ['a'.repeat(4095) + '!', 'normal/' + '0'.repeat(4088) + 'x', '/'.repeat(4095) + '\n', ('ab' as string).repeat(2047)];

const SHORT = ['', 'a', 'aaaaaaaaaa!', 'normal/a_1.int', 'ab/ab', '/\n', 'attack/x9/aa', '0123'];

function manifestCheck(json: unknown): Verdict {
  const m = parseManifest(json, '/fuzz/manifest.json');
  // Every accepted regex must stay fast on long adversarial paths.
  const pats = [...m.rules.map((r) => r.pattern), ...Object.values(m.subsets), ...m.source.urls.flatMap((u) => [u.select, u.exclude].filter((x): x is string => x !== undefined))];
  for (const p of pats) {
    const re = compileRegex(p);
    const t0 = performance.now();
    for (const s of ADVERSARIAL) re.test(s);
    const ms = performance.now() - t0;
    if (ms > 1000) return `regex ${JSON.stringify(p)} took ${ms.toFixed(0)} ms on an adversarial path`;
    // Same meaning as JavaScript's engine (short paths, so V8's backtracking stays cheap).
    const js = new RegExp(p);
    for (const s of SHORT) {
      const a = js.exec(s);
      const b = re.exec(s);
      if (JSON.stringify(a === null ? null : [...a]) !== JSON.stringify(b === null ? null : [...b])) return `regex ${JSON.stringify(p)} matches ${JSON.stringify(s)} differently from JavaScript`;
    }
  }
  return null;
}

const manifestInput: fc.Arbitrary<unknown> = fc.oneof(
  {
    weight: 4,
    arbitrary: mutated(MANIFEST_SEEDS, JSON_TOKENS).map((b) => {
      try {
        return JSON.parse(b.toString('utf8')) as unknown;
      } catch {
        return b.toString('utf8');
      }
    }),
  },
  {
    weight: 3,
    arbitrary: fc.tuple(fc.nat({ max: MANIFEST_SEEDS.length - 1 }), fc.array(fc.constantFrom(...REGEX_PIECES), { minLength: 1, maxLength: 10 })).map(([i, pieces]) => {
      const m = JSON.parse(MANIFEST_SEEDS[i]!.toString('utf8')) as { rules: { pattern: string }[] };
      m.rules[0]!.pattern = pieces.join('');
      return m;
    }),
  },
  { weight: 1, arbitrary: fc.jsonValue() },
);

// ---------------------------------------------------------------------------------------------------
// Models

const sink = new Writable({ write: (_c, _e, cb) => cb() });
const MODEL_SEEDS: Buffer[] = ['xenids', 'stide', 'tstide', 'lookahead', 'hamming'].flatMap((detector) => {
  try {
    const { model } = trainFromFiles({ data: [join(ROOT, 'datasets', 'sample', 'traces', 'normal')], detector, k: 3 });
    return [encodeModel(model)];
  } catch {
    return [];
  }
});

/** Re-signs model bytes: the sha256 trailer recomputed, so mutations reach the header and payload checks. */
function resign(b: Buffer): Buffer {
  if (b.length < 32) return b;
  const body = b.subarray(0, b.length - 32);
  return Buffer.concat([body, createHash('sha256').update(body).digest()]);
}

/** Replaces one header field with a random JSON value (header length and padding rewritten), re-signed. */
function headerEdit(seed: Buffer, field: string, value: unknown): Buffer {
  const hlen = seed.readUInt32LE(12);
  const header = JSON.parse(seed.subarray(16, 16 + hlen).toString('utf8')) as Record<string, unknown>;
  if (field.startsWith('training.')) (header['training'] as Record<string, unknown>)[field.slice(9)] = value;
  else header[field] = value;
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  const pad = (8 - ((16 + json.length) % 8)) % 8;
  json = Buffer.concat([json, Buffer.alloc(pad, 0x20)]);
  const prefix = Buffer.from(seed.subarray(0, 16));
  prefix.writeUInt32LE(json.length, 12);
  const rest = seed.subarray(16 + hlen, seed.length - 32);
  return resign(Buffer.concat([prefix, json, rest]));
}

const FIELDS = ['detector', 'scope', 'k', 'resetOn', 'params', 'alphabet', 'state', 'arrays', 'training', 'training.inputTable', 'training.tracesPerProgram', 'training.data'];
const modelInput: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 3, arbitrary: mutated(MODEL_SEEDS, ['\0', '\xff', '{', '}', '"', 'null']) },
  { weight: 3, arbitrary: mutated(MODEL_SEEDS, ['\0', '\xff', '\x7f']).map(resign) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.nat({ max: MODEL_SEEDS.length - 1 }), fc.constantFrom(...FIELDS), fc.oneof(fc.jsonValue(), fc.constantFrom(null, 0, -1, 1e9, 65, [], {}, '', { id: 'x', names: null }, ['a', 'a'])))
      .map(([i, f, v]) => headerEdit(MODEL_SEEDS[i]!, f, v)),
  },
);

function modelCheck(b: Buffer): Verdict {
  const m: SavedModel = decodeModel(b, '/fuzz/model');
  // Whatever loads must also watch: feed events with ids of the alphabet, resets, forks and exits.
  const w = new Watcher(m, { frame: 20, policy: countThreshold(3), out: sink });
  const n = m.alphabet.size;
  let x = 7;
  for (let i = 0; i < 300; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    const pid = 1 + (x % 5);
    if (i % 97 === 96) w.exit(pid);
    else w.event(pid, x % n, i / 1000);
  }
  return null;
}

describe('fuzz: loaders', () => {
  it('experiment loader', async () => {
    const st = await fuzz('experiment', [...sample(experimentInput, RUNS, 20), ...regressions('experiment').map((r) => r.bytes.toString('utf8'))], experimentCheck, (t) => Buffer.from(t));
    expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
    expect(st.valid).toBeGreaterThan(0);
    expect(st.located).toBeGreaterThan(0);
  });

  it('manifest loader (and the speed of every accepted regex)', async () => {
    const fixtures = regressions('manifest').map((r) => JSON.parse(r.bytes.toString('utf8')) as unknown);
    expect(fixtures.length).toBeGreaterThanOrEqual(5);
    const st = await fuzz('manifest', [...sample(manifestInput, RUNS, 21), ...fixtures], manifestCheck);
    expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
    expect(st.valid).toBeGreaterThan(0);
    expect(st.located).toBeGreaterThan(0);
  });

  it('model loader, then watch on what loads', async () => {
    expect(MODEL_SEEDS.length).toBeGreaterThanOrEqual(2);
    const st = await fuzz('model', [...sample(modelInput, RUNS, 22), ...regressions('model').map((r) => r.bytes)], modelCheck);
    expect(st.crashes + st.hangs + st.garbage, st.firstProblem ?? '').toBe(0);
    expect(st.located).toBeGreaterThan(0);
  });
});
