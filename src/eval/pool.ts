// Owns the worker pool (piscina) that scores cells in parallel. Workers run the compiled module; when
// stidebench runs from TypeScript sources (tests, tsx) the pool is unavailable and callers fall back to
// scoring in-process, which yields the same results.

import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { Cell } from './cell.js';
import type { CellTask } from './cell-worker.js';

export interface CellPool {
  run(task: CellTask): Promise<Cell>;
  destroy(): Promise<void>;
}

/**
 * Default worker count: 1 (cells in this thread) on machines with 2 cores or fewer, where measured
 * worker runs were slower (ADFA-LD sweep: --jobs 2 took 1.26-1.45x the time of --jobs 1 and 37-44% more
 * memory: the main thread's loading and the workers' copies compete for the same two cores); else the
 * number of cores (not measured here).
 */
export function defaultJobs(cores: number = availableParallelism()): number {
  return cores <= 2 ? 1 : cores;
}

export async function makePool(jobs: number): Promise<CellPool | undefined> {
  const url = new URL('./cell-worker.js', import.meta.url);
  if (!import.meta.url.endsWith('.js')) return undefined;
  const pool = new Piscina({ filename: fileURLToPath(url), minThreads: 1, maxThreads: jobs, idleTimeout: 1000 });
  return {
    run: (task) => pool.run(task) as Promise<Cell>,
    destroy: () => pool.destroy(),
  };
}
