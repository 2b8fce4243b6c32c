// Counts the real-data tests must reproduce, transcribed from the data's SOURCE.md files
// (/work/shared/datasets/{UNM,ADFA-LD,UNM-synthetic-sendmail}/SOURCE.md): traces = (file, pid) pairs,
// 1-call traces included and also reported separately.

import { getDataset } from '../../src/datasets/registry.js';
import { loadDataset } from '../../src/datasets/load.js';
import { computeStats, type DatasetStats } from '../../src/datasets/stats.js';

export interface LabelCounts {
  traces: number;
  syscalls: number;
  singleCall: number;
  alphabet?: number;
  min?: number;
  max?: number;
}

export const UNM_EXPECTED: Record<string, { normal: LabelCounts; attack: LabelCounts; files: number }> = {
  'lpr-mit': {
    files: 3705, // 2704 normal (one empty) + 1001 attack
    normal: { traces: 2703, syscalls: 2_926_304, singleCall: 0, alphabet: 41, min: 84, max: 59_568 },
    attack: { traces: 1001, syscalls: 169_252, singleCall: 0, alphabet: 39, min: 163, max: 193 },
  },
  'lpr-unm': {
    files: 5299,
    normal: { traces: 4298, syscalls: 2_027_468, singleCall: 0, alphabet: 41, min: 77, max: 39_573 },
    attack: { traces: 1001, syscalls: 168_236, singleCall: 0, alphabet: 39, min: 162, max: 192 },
  },
  named: {
    files: 3,
    normal: { traces: 27, syscalls: 9_230_572, singleCall: 0, alphabet: 41, min: 26, max: 9_186_092 },
    attack: { traces: 5, syscalls: 1_800, singleCall: 0, alphabet: 41, min: 75, max: 593 },
  },
  xlock: {
    files: 74, // 71 synthetic + 1 live normal + 2 attack
    normal: { traces: 72, syscalls: 16_937_816, singleCall: 0, min: 140, max: 16_598_639 },
    attack: { traces: 2, syscalls: 949, singleCall: 0, alphabet: 36, min: 460, max: 489 },
  },
  login: {
    files: 4,
    normal: { traces: 24, syscalls: 8_906, singleCall: 12, alphabet: 46, min: 1, max: 756 },
    attack: { traces: 13, syscalls: 4_857, singleCall: 4, alphabet: 46, min: 1, max: 812 },
  },
  ps: {
    files: 4,
    normal: { traces: 24, syscalls: 6_144, singleCall: 0, alphabet: 22, min: 109, max: 448 },
    attack: { traces: 26, syscalls: 6_968, singleCall: 0, alphabet: 22, min: 102, max: 463 },
  },
  inetd: {
    files: 2,
    normal: { traces: 3, syscalls: 541, singleCall: 0, alphabet: 35, min: 34, max: 266 },
    attack: { traces: 31, syscalls: 8_371, singleCall: 0, alphabet: 35, min: 34, max: 630 },
  },
  stide: {
    files: 13_727,
    normal: { traces: 13_726, syscalls: 15_618_237, singleCall: 0, alphabet: 23, min: 108, max: 174_401 },
    attack: { traces: 105, syscalls: 205_935, singleCall: 0, alphabet: 19, min: 26, max: 129_778 },
  },
};

const cache = new Map<string, DatasetStats>();

/** Loads and summarises a registered dataset once per test file. */
export function statsOf(name: string, dataDir: string, subset?: string): DatasetStats {
  const key = `${name}\0${subset ?? ''}`;
  let s = cache.get(key);
  if (s === undefined) {
    const m = getDataset(name);
    s = computeStats(m, loadDataset(m, dataDir, { subset }));
    cache.set(key, s);
  }
  return s;
}
