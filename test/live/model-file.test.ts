// Tests the model file (src/live/model-file.ts): train from real recordings -> save -> load gives the
// same databases and the same mismatch signals; corrupt, truncated, wrong-version and wrong-magic files
// are InputErrors naming the file and what was expected.

import { mkdtempSync, readFileSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  decodeModel,
  encodeModel,
  loadModel,
  MODEL_MAGIC,
  saveModel,
  trainFromFiles,
  type SavedModel,
} from '../../src/live/model-file.js';
import { readTraceFile } from '../../src/traces/readers/index.js';
import { Alphabet } from '../../src/traces/alphabet.js';
import { saveDetector } from '../../src/detectors/registry.js';

const SAMPLE = join(import.meta.dirname, '../../datasets/sample/traces');
const dir = mkdtempSync(join(tmpdir(), 'stidebench-model-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sizes(m: SavedModel): number {
  return m.detector.dbSize;
}

/** Mismatch signals of every attack recording under a model (encoded through the model's alphabet). */
function signals(m: SavedModel): string[] {
  const out: string[] = [];
  const det = m.detector;
  for (const f of readdirSync(join(SAMPLE, 'attack')).filter((f) => f.endsWith('.strace')).sort()) {
    const r = readTraceFile('strace', join(SAMPLE, 'attack', f), {
      dataset: 't', source: f, label: 'attack', program: f.split('-')[0]!, family: null, intrusion: null,
    });
    for (const raw of r.traces) out.push(Array.from(det.score(m.alphabet.encode(raw))).join(''));
  }
  return out;
}

describe('model file', () => {
  for (const [detector, scope] of [['xenids', 'shared'], ['stide', 'per-program'], ['stide', 'shared']] as const) {
    it(`round-trips a ${detector}/${scope} model trained on real recordings`, () => {
      const { model } = trainFromFiles({ data: [join(SAMPLE, 'normal')], detector, scope, k: 6 });
      expect(model.training.traces).toBeGreaterThan(10);
      const path = join(dir, `${detector}-${scope}.model`);
      saveModel(path, model);
      const back = loadModel(path);
      expect(back.config).toEqual(model.config);
      expect(back.alphabet.allNames()).toEqual(model.alphabet.allNames());
      expect(back.alphabet.isFrozen).toBe(true);
      expect(sizes(back)).toEqual(sizes(model));
      expect(back.training).toEqual(model.training);
      // State, windows and counts identical, in the same order.
      const a = saveDetector(model.detector);
      const b = saveDetector(back.detector);
      expect(b.state).toEqual(a.state);
      expect(b.arrays).toEqual(a.arrays);
      // Same mismatch results on unseen (attack) traces; some must mismatch or the check is vacuous.
      const s1 = signals(model);
      expect(signals(back)).toEqual(s1);
      expect(s1.some((s) => s.includes('1'))).toBe(true);
      // Compact: a few bytes per window plus the header.
      const windows = sizes(model);
      expect(readFileSync(path).length).toBeLessThan(windows * (6 * 4 + 8) + 64 * 1024);
    });
  }

  it('only normal recordings train (attack sidecars are skipped)', () => {
    const { model } = trainFromFiles({ data: [SAMPLE], detector: 'xenids' });
    expect(model.training.skippedFiles).toBeGreaterThan(0);
    const normalOnly = trainFromFiles({ data: [join(SAMPLE, 'normal')], detector: 'xenids' }).model;
    expect(model.training.traces).toBe(normalOnly.training.traces);
    expect(sizes(model)).toEqual(sizes(normalOnly));
  });

  describe('damaged files', () => {
    const { model } = trainFromFiles({ data: [join(SAMPLE, 'normal')], detector: 'xenids' });
    const good = encodeModel(model);
    const write = (name: string, bytes: Uint8Array): string => {
      const p = join(dir, name);
      writeFileSync(p, bytes);
      return p;
    };
    const err = (p: string): InputError => {
      try {
        loadModel(p);
      } catch (e) {
        expect(e).toBeInstanceOf(InputError);
        expect((e as Error).message).toContain(p);
        expect((e as Error).message).not.toContain('\n');
        return e as InputError;
      }
      throw new Error('expected an InputError');
    };

    it('a flipped byte anywhere in the payload or header is a checksum error', () => {
      for (const at of [good.length - 40, good.length >> 1, 40]) {
        const bad = Buffer.from(good);
        bad[at] = bad[at]! ^ 0x01;
        expect(err(write(`flip-${at}.model`, bad)).message).toMatch(/corrupt model file: sha256 checksum mismatch/);
      }
    });

    it('a truncated file says truncated, at any length', () => {
      for (const len of [3, 12, 100, good.length >> 1, good.length - 1]) {
        expect(err(write(`trunc-${len}.model`, good.subarray(0, len))).message).toMatch(/truncated model file/);
      }
    });

    it('a wrong format version and a wrong magic are named', () => {
      const v9 = Buffer.from(good);
      v9.writeUInt32LE(9, 8);
      // Re-checksum so only the version is wrong.
      createHash('sha256').update(v9.subarray(0, v9.length - 32)).digest().copy(v9, v9.length - 32);
      expect(err(write('v9.model', v9)).message).toMatch(/unsupported model format version 9.*expected version 2/);
      const magic = Buffer.from(good);
      magic.write('NOTAMODL', 0, 'latin1');
      expect(err(write('magic.model', magic)).message).toMatch(new RegExp(`wrong magic.*expected magic "${MODEL_MAGIC}"`));
      expect(err(join(dir, 'missing.model')).message).toMatch(/not found/);
    });

    it('decodes what it encodes, byte for byte', () => {
      const again = encodeModel(decodeModel(good, 'mem'));
      // createdAt is in the header, so re-encoding the decoded model is byte-identical.
      expect(again.equals(good)).toBe(true);
    });
  });

  it('an alphabet with unknown ids still encodes unseen calls to <unknown>', () => {
    const { model } = trainFromFiles({ data: [join(SAMPLE, 'normal')], detector: 'xenids' });
    const p = join(dir, 'u.model');
    saveModel(p, model);
    const back = loadModel(p);
    const a: Alphabet = back.alphabet;
    expect(a.intern('surely_not_a_syscall')).toBe(-1);
    expect(a.idOf('<unknown>')).toBe(a.size - 1);
  });
});
