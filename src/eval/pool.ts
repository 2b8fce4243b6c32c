// Owns the worker pool (piscina) that scores cells in parallel. Workers run the compiled module; when
// stidebench runs from TypeScript sources (tests, tsx) the pool is unavailable and callers fall back to
// scoring in-process, which yields the same results.

import { Piscina } from 'piscina';
import { fileURLToPath } from 'node:url';
import type { Cell } from './cell.js';
import type { CellTask } from './cell-worker.js';

export interface CellPool {
  run(task: CellTask): Promise<Cell>;
  destroy(): Promise<void>;
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
