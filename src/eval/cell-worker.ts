// Owns the worker-thread side of parallel runs: rebuild the traces from shared memory and score one cell.
// Results are identical to the in-process path because both call runCell on the same inputs.

import { Alphabet } from '../traces/alphabet.js';
import { runCell, type Cell } from './cell.js';
import { unpackTraces, type PackedTraces } from './packed.js';
import type { DetectorSpec } from '../detectors/registry.js';
import { loadDetectorModules } from '../detectors/modules.js';
import type { ScoreExtras } from './score.js';
import type { Trace } from '../traces/trace.js';

export interface CellTask {
  /** Identifies the dataset's packed data within one run, so a worker unpacks it once. */
  dataKey: string;
  dataset: string;
  detectorLabel: string;
  detector: DetectorSpec;
  k: number;
  frames: number[];
  extras?: ScoreExtras;
  /** Record the training-convergence curve during the cell's training. */
  convergence?: boolean;
  alphabet: string[];
  train: PackedTraces;
  calibrate: PackedTraces;
  testNormal: PackedTraces;
  attack: PackedTraces;
}

interface Unpacked {
  train: Trace[];
  calibrate: Trace[];
  testNormal: Trace[];
  attack: Trace[];
}

/** The last dataset this thread unpacked (cells of one dataset arrive together). */
let memo: { key: string; data: Unpacked } | undefined;

function unpack(task: CellTask): Unpacked {
  if (memo?.key === task.dataKey) return memo.data;
  const alphabet = Alphabet.fromNames(task.alphabet);
  alphabet.freeze();
  const data = {
    train: unpackTraces(task.train, alphabet),
    calibrate: unpackTraces(task.calibrate, alphabet),
    testNormal: unpackTraces(task.testNormal, alphabet),
    attack: unpackTraces(task.attack, alphabet),
  };
  memo = { key: task.dataKey, data };
  return data;
}

export function runTask(task: CellTask): Cell {
  const data = unpack(task);
  return runCell({
    dataset: task.dataset,
    detectorLabel: task.detectorLabel,
    detector: task.detector,
    k: task.k,
    frames: task.frames,
    ...(task.extras ? { extras: task.extras } : {}),
    ...(task.convergence ? { convergence: true } : {}),
    ...data,
  });
}

/** User detector modules ($STIDEBENCH_DETECTORS), imported once per worker thread before its first cell. */
let detectorModules: Promise<unknown> | undefined;

export default async function (task: CellTask): Promise<Cell> {
  detectorModules ??= loadDetectorModules();
  await detectorModules;
  return runTask(task);
}
