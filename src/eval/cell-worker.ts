// Owns the worker-thread side of parallel runs: rebuild the traces from shared memory and score one cell.
// Results are identical to the in-process path because both call runCell on the same inputs.

import { Alphabet } from '../traces/alphabet.js';
import { runCell, type Cell } from './cell.js';
import { unpackTraces, type PackedTraces } from './packed.js';
import type { DetectorSpec } from '../detectors/registry.js';

export interface CellTask {
  dataset: string;
  detectorLabel: string;
  detector: DetectorSpec;
  k: number;
  frames: number[];
  alphabet: string[];
  train: PackedTraces;
  calibrate: PackedTraces;
  testNormal: PackedTraces;
  attack: PackedTraces;
}

export function runTask(task: CellTask): Cell {
  const alphabet = Alphabet.fromNames(task.alphabet);
  alphabet.freeze();
  return runCell({
    dataset: task.dataset,
    detectorLabel: task.detectorLabel,
    detector: task.detector,
    k: task.k,
    frames: task.frames,
    train: unpackTraces(task.train, alphabet),
    calibrate: unpackTraces(task.calibrate, alphabet),
    testNormal: unpackTraces(task.testNormal, alphabet),
    attack: unpackTraces(task.attack, alphabet),
  });
}

export default function (task: CellTask): Cell {
  return runTask(task);
}
